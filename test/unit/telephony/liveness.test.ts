import assert from 'node:assert/strict';
import { LivenessCheck } from '../../../src/telephony/liveness';
import { VirtualTime } from '../../../src/time';

/** a ping whose answers the test controls */
function pinger() {
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  return {
    pending,
    ping: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
  };
}
const flush = () => new Promise((r) => setImmediate(r));

describe('telephony/liveness: a frozen server is found by asking it', () => {
  it('answers in time: checks go on every interval and nothing is reported', async () => {
    const vt = new VirtualTime();
    const p = pinger();
    const dead: string[] = [];
    const check = new LivenessCheck(p.ping, (why) => dead.push(why), vt, { intervalMs: 2000, timeoutMs: 5000 });
    check.start();
    for (let i = 0; i < 5; i++) {
      vt.advance(2000);
      assert.equal(p.pending.length, i + 1, `check ${i + 1} sent`);
      vt.advance(100);
      p.pending[i]!.resolve();
      await flush();
    }
    assert.deepEqual(dead, []);
    check.stop();
    vt.advance(60_000);
    assert.equal(p.pending.length, 5, 'no check after stop()');
  });

  it('no answer: reported once, timeoutMs after the check, and no further checks', async () => {
    const vt = new VirtualTime();
    const p = pinger();
    const dead: string[] = [];
    const check = new LivenessCheck(p.ping, (why) => dead.push(why), vt, { intervalMs: 2000, timeoutMs: 5000 });
    check.start();
    vt.advance(2000);
    assert.equal(p.pending.length, 1);
    vt.advance(4999);
    assert.deepEqual(dead, []);
    vt.advance(1);
    assert.equal(dead.length, 1);
    assert.match(dead[0]!, /no answer to a liveness check within 5000 ms/);
    p.pending[0]!.resolve(); // a late answer changes nothing
    await flush();
    vt.advance(60_000);
    assert.equal(dead.length, 1);
    assert.equal(p.pending.length, 1, 'no check after the server was reported dead');
  });

  it('a failed check is reported at once; stop() ends the checks', async () => {
    const vt = new VirtualTime();
    const p = pinger();
    const dead: string[] = [];
    const check = new LivenessCheck(p.ping, (why) => dead.push(why), vt, { intervalMs: 1000, timeoutMs: 5000 });
    check.start();
    vt.advance(1000);
    p.pending[0]!.reject(new Error('socket closed'));
    await flush();
    assert.deepEqual(dead, ['liveness check failed: socket closed']);
    const stopped = new LivenessCheck(p.ping, (why) => dead.push(why), vt, { intervalMs: 1000, timeoutMs: 5000 });
    stopped.start();
    stopped.stop();
    vt.advance(60_000);
    assert.equal(p.pending.length, 1);
    assert.equal(dead.length, 1);
  });
});
