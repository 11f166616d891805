import net from 'node:net';

/** The e2e contract (DESIGN.md §4): where drachtio-server, FreeSWITCH and the SIP entry point are. */
export interface E2eEnv {
  drachtio: { host: string; port: number; secret: string };
  freeswitch: { host: string; port: number; secret: string };
  /** host:port SIPp sends callers to (drachtio-server's SIP contact) */
  sipTarget: string;
}

const canConnect = (host: string, port: number, timeoutMs = 1500): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.createConnection({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });

/** the environment, or the reason the suite cannot run */
export async function e2eEnv(env: NodeJS.ProcessEnv = process.env): Promise<E2eEnv | string> {
  const names = ['DRACHTIO_HOST', 'DRACHTIO_PORT', 'DRACHTIO_SECRET', 'FREESWITCH_HOST', 'FREESWITCH_PORT', 'FREESWITCH_SECRET', 'SIP_TARGET'];
  const missing = names.filter((n) => !env[n]);
  if (missing.length) return `${missing.join(', ')} not set`;
  const e: E2eEnv = {
    drachtio: { host: env.DRACHTIO_HOST!, port: Number(env.DRACHTIO_PORT), secret: env.DRACHTIO_SECRET! },
    freeswitch: { host: env.FREESWITCH_HOST!, port: Number(env.FREESWITCH_PORT), secret: env.FREESWITCH_SECRET! },
    sipTarget: env.SIP_TARGET!,
  };
  if (!(await canConnect(e.drachtio.host, e.drachtio.port))) return `drachtio-server unreachable at ${e.drachtio.host}:${e.drachtio.port}`;
  if (!(await canConnect(e.freeswitch.host, e.freeswitch.port))) return `FreeSWITCH event socket unreachable at ${e.freeswitch.host}:${e.freeswitch.port}`;
  return e;
}
