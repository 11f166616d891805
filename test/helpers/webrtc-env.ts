import fs from 'node:fs';
import net from 'node:net';
import { e2eEnv, type E2eEnv } from '../e2e/env';
import { hasSipp } from '../e2e/sipp';
import { CHROMIUM } from './chromium';

/** a TCP connection to the URL's host and port opens within 1.5 s */
export const canConnect = (url: URL): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.createConnection({ host: url.hostname, port: Number(url.port || (url.protocol === 'wss:' ? 443 : 80)) });
    const done = (ok: boolean) => (s.destroy(), resolve(ok));
    s.setTimeout(1500, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });

/**
 * What the browser call tests need (the servers, drachtio-server's WebSocket listener, SIPp, Chromium), or why
 * they cannot run. `localFreeswitch`: the test reads files FreeSWITCH writes (its recordings), so FreeSWITCH
 * must be on this machine.
 */
export async function webrtcEnvironment(o: { localFreeswitch?: boolean } = {}): Promise<{ env: E2eEnv; wsUrl: string } | string> {
  const env = await e2eEnv();
  if (typeof env === 'string') return env;
  const ws = process.env.SOFTPHONE_WS_URL;
  if (!ws) return 'SOFTPHONE_WS_URL not set';
  if (!(await canConnect(new URL(ws)))) return `drachtio-server WebSocket listener unreachable at ${ws}`;
  if (!hasSipp()) return 'sipp (sip-tester) is not installed';
  if (o.localFreeswitch && !isLocal(env.freeswitch.host)) return 'FreeSWITCH is not on this machine (the test reads its recordings)';
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  return { env, wsUrl: ws };
}

export const isLocal = (host: string): boolean => host === '127.0.0.1' || host === 'localhost';
