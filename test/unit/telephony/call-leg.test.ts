import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import pino from 'pino';
import { FsCallLeg } from '../../../src/telephony/call-leg';
import { trackLoss } from '../../../src/telephony/loss-signals';
import { CallEndedError } from '../../../src/flows/call';

/** a drachtio dialog: 'destroy' is the far end's BYE; destroy() is ours */
class FakeDialog extends EventEmitter {
  readonly sip = { callId: 'call-1' };
  byes = 0;
  byeHeaders: Record<string, string>[] = [];
  destroy(opts: { headers?: Record<string, string> } | undefined, cb?: () => void): void {
    this.byes++;
    this.byeHeaders.push(opts?.headers ?? {});
    cb?.();
  }
}

/** an fsmrf endpoint whose playback lasts until `finishPlay` */
class FakeEndpoint extends EventEmitter {
  readonly uuid = 'ep-1';
  destroyed = 0;
  finishPlay: () => void = () => undefined;
  play(): Promise<void> {
    return new Promise((r) => (this.finishPlay = r));
  }
  async destroy(): Promise<void> {
    this.destroyed++;
  }
}

function legOf(dialog: FakeDialog, endpoint: FakeEndpoint): { leg: FsCallLeg; aborts: () => number } {
  const leg = new FsCallLeg(dialog as unknown as Srf.Dialog, endpoint as unknown as Mrf.Endpoint, {} as Mrf.MediaServer, pino({ level: 'silent' }));
  let n = 0;
  leg.signal.addEventListener('abort', () => n++);
  return { leg, aborts: () => n };
}

describe('telephony/call-leg: the one end-of-call signal', () => {
  it('the far end hangs up: the signal aborts once (far end hung up), no BYE from us, later hang-ups change nothing', async () => {
    const dialog = new FakeDialog();
    const { leg, aborts } = legOf(dialog, new FakeEndpoint());
    assert.equal(leg.signal.aborted, false);
    dialog.emit('destroy');
    assert.equal(aborts(), 1);
    assert.ok(leg.signal.reason instanceof CallEndedError);
    assert.equal((leg.signal.reason as CallEndedError).endReason, 'far end hung up');
    await leg.hangup();
    dialog.emit('destroy');
    assert.equal(aborts(), 1);
    assert.equal(dialog.byes, 0);
  });

  it('we hang up: the signal aborts once (hung up by us), one BYE, and the media goes', async () => {
    const dialog = new FakeDialog();
    const endpoint = new FakeEndpoint();
    const { leg, aborts } = legOf(dialog, endpoint);
    await leg.hangup('SIP;cause=200;text="Callback"');
    await leg.hangup();
    dialog.emit('destroy');
    assert.equal(aborts(), 1);
    assert.equal((leg.signal.reason as CallEndedError).endReason, 'hung up by us');
    assert.equal(dialog.byes, 1);
    assert.ok(endpoint.destroyed >= 1);
  });

  it('the media endpoint going away ends the call once', async () => {
    const dialog = new FakeDialog();
    const endpoint = new FakeEndpoint();
    const { leg, aborts } = legOf(dialog, endpoint);
    endpoint.emit('destroy');
    await new Promise((r) => setImmediate(r));
    assert.equal(aborts(), 1);
    assert.equal(leg.signal.aborted, true);
    assert.equal(dialog.byes, 1);
  });

  it('a prompt playing when the caller hangs up stops at once with CallEndedError; a later step throws it too', async () => {
    const dialog = new FakeDialog();
    const endpoint = new FakeEndpoint();
    const { leg } = legOf(dialog, endpoint);
    const playing = leg.play(['/p/welcome.wav']);
    dialog.emit('destroy');
    await assert.rejects(playing, (err: unknown) => err instanceof CallEndedError && err.callId === 'call-1');
    endpoint.finishPlay();
    await assert.rejects(leg.play(['/p/goodbye.wav']), CallEndedError);
  });
  it('its media server is lost (closed, restarted or frozen): a BYE with Reason 503, the signal aborts once as a fault; calls on other servers go on', async () => {
    const dialog = new FakeDialog();
    const endpoint = new FakeEndpoint();
    endpoint.destroy = () => new Promise<void>(() => undefined); // the frozen server never answers
    const ms = {} as Mrf.MediaServer;
    const loss = trackLoss(ms);
    const other = new FsCallLeg(new FakeDialog() as unknown as Srf.Dialog, new FakeEndpoint() as unknown as Mrf.Endpoint, {} as Mrf.MediaServer, pino({ level: 'silent' }));
    const leg = new FsCallLeg(dialog as unknown as Srf.Dialog, endpoint as unknown as Mrf.Endpoint, ms, pino({ level: 'silent' }));
    let aborts = 0;
    leg.signal.addEventListener('abort', () => aborts++);
    const playing = leg.play(['/p/wait.wav']);
    loss.abort(new Error('no answer to a liveness check within 5000 ms'));
    await assert.rejects(playing, (err: unknown) => err instanceof CallEndedError && err.fault && err.endReason === 'media server lost');
    assert.equal(aborts, 1);
    assert.equal(dialog.byes, 1);
    assert.match(dialog.byeHeaders[0]!.Reason ?? '', /cause=503/);
    assert.equal(other.signal.aborted, false, 'a call on another server goes on');
    // a person hanging up is not a fault
    const d2 = new FakeDialog();
    const l2 = new FsCallLeg(d2 as unknown as Srf.Dialog, new FakeEndpoint() as unknown as Mrf.Endpoint, {} as Mrf.MediaServer, pino({ level: 'silent' }));
    d2.emit('destroy');
    assert.equal((l2.signal.reason as CallEndedError).fault, false);
  });
  it("drachtio-server's connection drops: the calls through it end as a fault (signaling lost); a new connection's loss is its own", async () => {
    const srf = {};
    const first = trackLoss(srf);
    const dialog = Object.assign(new FakeDialog(), { srf });
    const leg = new FsCallLeg(dialog as unknown as Srf.Dialog, new FakeEndpoint() as unknown as Mrf.Endpoint, {} as Mrf.MediaServer, pino({ level: 'silent' }));
    first.abort(new Error('drachtio-server: connection closed'));
    await new Promise((r) => setImmediate(r));
    assert.ok(leg.signal.reason instanceof CallEndedError);
    assert.equal((leg.signal.reason as CallEndedError).endReason, 'signaling lost');
    assert.equal((leg.signal.reason as CallEndedError).fault, true);
    // reconnected: calls made after it are not ended by the old connection's loss
    trackLoss(srf);
    const later = new FsCallLeg(Object.assign(new FakeDialog(), { srf }) as unknown as Srf.Dialog, new FakeEndpoint() as unknown as Mrf.Endpoint, {} as Mrf.MediaServer, pino({ level: 'silent' }));
    assert.equal(later.signal.aborted, false);
  });
});
