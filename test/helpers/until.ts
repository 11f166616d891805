export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** poll `f` until it gives a value (not undefined), or throw after `timeoutMs` naming `what` */
export async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
