import assert from 'node:assert/strict';
import net from 'node:net';
import pino from 'pino';
import { DrachtioConnection } from '../../src/telephony/drachtio-connection';
import { MediaServerPool } from '../../src/telephony/media-servers';
import { parseTelephonyConfig } from '../../src/telephony/config';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logger = pino({ level: 'silent' });

/** a real TCP server that accepts and at once drops every connection, counting them */
async function dropServer(): Promise<{ port: number; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = net.createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    count: () => n,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** a port nothing listens on */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('telephony connections without drachtio-server and FreeSWITCH', () => {
  it('drachtio: keeps retrying a server that accepts and drops, reports down, and close() stops the retries', async () => {
    const server = await dropServer();
    const conn = new DrachtioConnection({ host: '127.0.0.1', port: server.port, secret: 'x', retryMaxDelayMs: 200 }, logger);
    const downs: string[] = [];
    conn.on('down', (why: string) => downs.push(why));
    conn.start();
    await sleep(1500);
    assert.equal(conn.status().state, 'down');
    assert.ok(server.count() >= 3, `retried (${server.count()} connections)`);
    assert.equal(downs.length, 1, 'one down event, not one per retry');
    conn.close();
    const n = server.count();
    await sleep(800);
    assert.equal(server.count(), n, 'no retry after close');
    await server.close();
  });

  it('drachtio: nothing listening at all is not a crash, only "down"', async () => {
    const conn = new DrachtioConnection({ host: '127.0.0.1', port: await deadPort(), secret: 'x', retryMaxDelayMs: 200 }, logger);
    conn.start();
    await sleep(700);
    const s = conn.status();
    assert.equal(s.state, 'down');
    assert.match(s.detail ?? '', /ECONNREFUSED/);
    conn.close();
  });

  it('FreeSWITCH pool: retries every server, has nothing to pick, and close() stops the retries', async () => {
    const a = await dropServer();
    const b = await dropServer();
    const drachtio = new DrachtioConnection({ host: '127.0.0.1', port: await deadPort(), secret: 'x' }, logger);
    const cfg = parseTelephonyConfig({ mediaServers: [{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port }] }, 'telephony');
    const pool = new MediaServerPool(drachtio.srf, cfg.mediaServers, logger, 200, 1000);
    pool.start();
    await sleep(1500);
    const st = pool.status();
    assert.deepEqual(Object.values(st).map((s) => s.state), ['down', 'down']);
    assert.ok(a.count() >= 2 && b.count() >= 2, `both retried (${a.count()}, ${b.count()})`);
    assert.equal(pool.pick(), undefined);
    await assert.rejects(pool.createEndpoint(), /no media server is up/);
    pool.close();
    const [na, nb] = [a.count(), b.count()];
    await sleep(800);
    assert.equal(a.count(), na, 'no retry after close');
    assert.equal(b.count(), nb, 'no retry after close');
    await a.close();
    await b.close();
  });

  it('FreeSWITCH pool: a server that accepts and never answers times out and is retried', async () => {
    const sockets: net.Socket[] = [];
    let n = 0;
    const silent = net.createServer((s) => {
      n++;
      sockets.push(s);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const drachtio = new DrachtioConnection({ host: '127.0.0.1', port: 1, secret: 'x' }, logger);
    const pool = new MediaServerPool(drachtio.srf, [{ host: '127.0.0.1', port, secret: 'ClueCon', profile: 'drachtio_mrf' }], logger, 200, 300);
    pool.start();
    await sleep(1200);
    assert.equal(Object.values(pool.status())[0]?.state, 'down');
    assert.ok(n >= 2, `retried after timeouts (${n})`);
    pool.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });
});
