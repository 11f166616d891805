import { Connection, type Event } from 'modesl';

/** where a FreeSWITCH event socket is */
export interface EslTarget {
  host: string;
  port: number;
  secret: string;
}

/** an authenticated modesl connection (rejects on refusal, a wrong secret or no answer in `timeoutMs`) */
export function eslConnect(t: EslTarget, timeoutMs = 5000): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`event socket ${t.host}:${t.port}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      conn.socket?.destroy();
      reject(err);
    };
    const conn = new Connection(t.host, t.port, t.secret, () => {
      clearTimeout(timer);
      resolve(conn);
    });
    conn.on('error', fail);
    conn.on('esl::event::auth::fail', () => fail(new Error('event socket refused the secret')));
  });
}

/** one `api` command; its response body */
export async function eslApi(t: EslTarget, command: string): Promise<string> {
  const conn = await eslConnect(t);
  try {
    return await new Promise<string>((resolve) => conn.api(command, (res: Event) => resolve(res.getBody())));
  } finally {
    conn.socket?.destroy();
  }
}

/** the digits FreeSWITCH reports (DTMF events) on channel `uuid`, once `count` have come; `ready` once subscribed */
export function dtmfOn(t: EslTarget, uuid: string, count: number, timeoutMs: number): { ready: Promise<void>; digits: Promise<string> } {
  let got = '';
  let subscribed!: () => void;
  const ready = new Promise<void>((r) => (subscribed = r));
  const digits = (async () => {
    const conn = await eslConnect(t);
    try {
      return await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`DTMF on ${uuid}: got "${got}" within ${timeoutMs} ms`)), timeoutMs);
        conn.on('esl::event::DTMF::*', (e: Event) => {
          if (e.getHeader('Unique-ID') !== uuid) return;
          got += e.getHeader('DTMF-Digit') ?? '';
          if (got.length >= count) {
            clearTimeout(timer);
            resolve(got);
          }
        });
        conn.events('plain', 'DTMF', () => subscribed());
      });
    } finally {
      conn.socket?.destroy();
    }
  })();
  return { ready, digits };
}
