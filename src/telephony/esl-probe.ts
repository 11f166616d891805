import { Connection } from 'modesl';

/**
 * One look at a FreeSWITCH event socket (modesl): connect, authenticate, and check that the sofia profile
 * drachtio-fsmrf needs is RUNNING; then disconnect. The pool probes before `Mrf.connect`, because a
 * failed `Mrf.connect` leaves drachtio-modesl reconnecting on its own, forever, with nobody listening.
 */
export function probeEventSocket(opts: { host: string; port: number; secret: string; profile: string; timeoutMs: number }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.socket?.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    const conn = new Connection(opts.host, opts.port, opts.secret, () => {
      conn.api('sofia status', (res) => {
        const running = res.getBody().split('\n').some((l) => l.trim().startsWith(opts.profile) && /RUNNING/.test(l));
        finish(running ? undefined : new Error(`sofia profile ${opts.profile} is not running yet`));
      });
    });
    conn.on('error', (err: Error) => finish(err));
    conn.on('esl::event::auth::fail', () => finish(new Error('event socket refused the secret')));
    conn.on('esl::end', () => finish(new Error('connection closed by the event socket')));
  });
}
