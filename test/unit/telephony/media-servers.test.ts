import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import pino from 'pino';
import type { MediaServerSettings } from '../../../src/telephony/config';
import { lossOf } from '../../../src/telephony/loss-signals';
import { MediaServerPool, type MediaServerConnector } from '../../../src/telephony/media-servers';
import { VirtualTime } from '../../../src/time';

/**
 * Several FreeSWITCH media servers, faked: each answers `status` and makes endpoints, until the test freezes
 * it (a SIGSTOP'd FreeSWITCH: its TCP connection stays open, nothing answers, a new connection is not accepted).
 */
class FakeFreeswitch {
  frozen = false;
  connection: (EventEmitter & { server: FakeFreeswitch }) | undefined;
  constructor(readonly name: string) {}

  /** one event socket connection to it, as drachtio-fsmrf's MediaServer */
  connect(): Mrf.MediaServer {
    const conn = Object.assign(new EventEmitter(), {
      server: this,
      api: () => (this.frozen ? new Promise<never>(() => undefined) : Promise.resolve('UP 0 years')),
      createEndpoint: async () => {
        const ep = Object.assign(new EventEmitter(), { local: { sdp: 'v=0' }, destroy: async () => void ep.emit('destroy') });
        return ep;
      },
      disconnect: () => undefined,
    });
    this.connection = conn;
    return conn as unknown as Mrf.MediaServer;
  }
}

const settings = (port: number): MediaServerSettings => ({ host: '127.0.0.1', port, secret: 'ClueCon', profile: 'drachtio_mrf' });
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('telephony/media-servers: calls spread over the healthy FreeSWITCH servers', () => {
  let vt: VirtualTime;
  let servers: Map<number, FakeFreeswitch>;
  let pool: MediaServerPool;

  beforeEach(async () => {
    vt = new VirtualTime(1_000_000);
    servers = new Map([
      [8021, new FakeFreeswitch('fs1')],
      [8022, new FakeFreeswitch('fs2')],
    ]);
    // a frozen server neither accepts nor refuses: the attempt gives up after its timeout
    const connector: MediaServerConnector = (s, timeoutMs) => {
      const fs = servers.get(s.port)!;
      if (!fs.frozen) return Promise.resolve(fs.connect());
      return new Promise((_, reject) => vt.schedule(timeoutMs, () => reject(new Error(`no answer within ${timeoutMs} ms`))));
    };
    pool = new MediaServerPool({} as Srf, [settings(8021), settings(8022)], pino({ level: 'silent' }), 10_000, 5_000, { clock: vt, timers: vt }, { intervalMs: 2000, timeoutMs: 5000 }, {}, connector);
    pool.start();
    await flush();
  });
  afterEach(() => pool.close());

  const serverOf = async () => (await pool.createEndpoint()).server;
  const state = (port: number) => pool.status()[`127.0.0.1:${port}`]!.state;
  /** advance in 100 ms steps until `ok` holds; the virtual ms it took (fails past `limitMs`) */
  const until = async (ok: () => boolean, limitMs: number) => {
    const from = vt.now();
    while (!ok()) {
      assert.ok(vt.now() - from <= limitMs, `not within ${limitMs} ms`);
      vt.advance(100);
      await flush();
    }
    return vt.now() - from;
  };

  it('new calls go to the least loaded server: two servers share them evenly, and a freed slot is used first', async () => {
    assert.equal(state(8021), 'up');
    assert.equal(state(8022), 'up');
    const eps = [];
    for (let i = 0; i < 6; i++) eps.push(await pool.createEndpoint());
    assert.deepEqual(
      eps.map((e) => e.server),
      ['127.0.0.1:8021', '127.0.0.1:8022', '127.0.0.1:8021', '127.0.0.1:8022', '127.0.0.1:8021', '127.0.0.1:8022'],
    );
    await eps[1]!.endpoint.destroy(); // a call on fs2 ends
    assert.equal(await serverOf(), '127.0.0.1:8022');
    assert.deepEqual(
      Object.values(pool.status()).map((s) => s.active),
      [3, 3],
    );
  });

  it('endpoints made on a picked server are counted too (inbound calls and customer legs pick, then make their own)', async () => {
    const made = [];
    // not awaited: calls picked in the same tick spread too (fs1, fs2, fs1, fs2)
    for (let i = 0; i < 4; i++) made.push(pool.pick()!.createEndpoint({ remoteSdp: 'v=0' }));
    const eps = await Promise.all(made);
    assert.deepEqual(
      Object.values(pool.status()).map((s) => s.active),
      [2, 2],
    );
    await eps[0]!.destroy();
    await eps[2]!.destroy();
    assert.deepEqual(
      Object.values(pool.status()).map((s) => s.active),
      [0, 2],
      'one less once destroyed',
    );
  });

  it('a frozen server is given up within 7 s (a status check every 2 s, 5 s to answer): its calls end, new calls go to the other', async () => {
    assert.equal(await serverOf(), '127.0.0.1:8021');
    const second = await pool.createEndpoint();
    assert.equal(second.server, '127.0.0.1:8022');
    const lost = lossOf(second.mediaServer);
    servers.get(8022)!.frozen = true;
    const took = await until(() => state(8022) === 'down', 7000);
    assert.ok(took <= 7000, `given up after ${took} ms`);
    assert.ok(lost.aborted, 'the calls on the frozen server are told it is lost');
    assert.ok(pool.anyUp);
    for (let i = 0; i < 5; i++) assert.equal(await serverOf(), '127.0.0.1:8021');
  });

  it('a server that answers again is taken back (within 15 s: the retry backoff is capped at 10 s, an attempt waits 5 s) and gets the new calls', async () => {
    for (let i = 0; i < 4; i++) await pool.createEndpoint();
    servers.get(8022)!.frozen = true;
    await until(() => state(8022) === 'down', 7000);
    for (let i = 0; i < 4; i++) await pool.createEndpoint(); // all on fs1 meanwhile
    vt.advance(60_000); // frozen a minute: the retries back off
    await flush();
    assert.equal(state(8022), 'down');
    servers.get(8022)!.frozen = false;
    const took = await until(() => state(8022) === 'up', 15_000);
    assert.ok(took <= 15_000);
    for (let i = 0; i < 4; i++) assert.equal(await serverOf(), '127.0.0.1:8022', 'the least loaded again');
  });

  it('none healthy: no server is picked and making an endpoint fails at once; the first back is used', async () => {
    for (const fs of servers.values()) fs.frozen = true;
    await until(() => !pool.anyUp, 7000);
    assert.equal(pool.pick(), undefined);
    await assert.rejects(pool.createEndpoint(), /no media server is up/);
    servers.get(8021)!.frozen = false;
    await until(() => pool.anyUp, 15_000);
    assert.equal(await serverOf(), '127.0.0.1:8021');
  });
});
