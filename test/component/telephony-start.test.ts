import assert from 'node:assert/strict';
import pino from 'pino';
import { startTelephony } from '../../src/telephony';
import { parseTelephonyConfig } from '../../src/telephony/config';
import { FakeCallbacks, FakeQueue, FakeRecorder } from '../unit/flows/fakes';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startTelephony without drachtio-server and FreeSWITCH', () => {
  it('starts, reports both down, the dialer is not ready, close() returns', async () => {
    const config = parseTelephonyConfig({ retryMaxDelayMs: 200, drachtio: { port: 1 }, mediaServers: [{ host: '127.0.0.1', port: 1 }] }, 'telephony');
    const t = startTelephony({
      config,
      logger: pino({ level: 'silent' }),
      callbacks: new FakeCallbacks(),
      interactions: new FakeRecorder(),
      queue: new FakeQueue(),
      amd: { url: () => 'ws://127.0.0.1:1', expect: () => ({ result: new Promise(() => undefined), beep: Promise.resolve(null), cancel: () => undefined }) },
    });
    await sleep(500);
    const h = t.health();
    assert.equal(h.drachtio?.state, 'down');
    assert.equal(h.freeswitch?.state, 'down');
    assert.match(h.freeswitch?.detail ?? '', /127\.0\.0\.1:1 down/);
    assert.equal(t.dialer.isReady?.(), false);
    await t.close();
  });
});
