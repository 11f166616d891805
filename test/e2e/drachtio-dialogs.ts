import { sleep, until } from '../helpers/until';

/**
 * drachtio-server's count of SIP dialogs in progress: its Prometheus gauge `drachtio_stable_dialogs` (inbound +
 * outbound), which it refreshes every 30 s. Read from E2E_DRACHTIO_METRICS (the metrics URL of a drachtio-server
 * configured with `<monitoring><prometheus port=...>`); undefined when that is not set.
 */
export async function drachtioDialogs(url = process.env.E2E_DRACHTIO_METRICS): Promise<number | undefined> {
  if (!url) return undefined;
  const text = await (await fetch(url)).text();
  let total: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^drachtio_stable_dialogs(?:\{[^}]*\})?\s+([0-9.eE+-]+)/.exec(line);
    if (m) total = (total ?? 0) + Number(m[1]);
  }
  return total ?? NaN; // not refreshed yet: no reading, not 0
}

const REFRESH_MS = 30_000;

/**
 * Waits until drachtio-server holds no dialog, reading its gauge only after one refresh has passed since the
 * calls ended (an older reading could be a 0 from before they began). Rejects when dialogs are still there a
 * refresh later. Returns false, after saying so, when E2E_DRACHTIO_METRICS is not set.
 */
export async function expectNoDrachtioDialogs(): Promise<boolean> {
  if ((await drachtioDialogs()) === undefined) {
    console.log('      drachtio-server dialogs not checked: E2E_DRACHTIO_METRICS not set');
    return false;
  }
  await sleep(REFRESH_MS + 1000);
  await until('no drachtio-server dialog left', async () => ((await drachtioDialogs()) === 0 ? true : undefined), REFRESH_MS + 5000, 1000);
  return true;
}
