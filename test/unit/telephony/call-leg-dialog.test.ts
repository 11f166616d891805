import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import pino from 'pino';
import { FsCallLeg, infoDigit } from '../../../src/telephony/call-leg';
import type { SipDialogEvent, SipEvents, SipRefusal } from '../../../src/telephony/sip-events';

const OFFER = ['v=0', 'o=- 1 1 IN IP4 192.0.2.10', 's=-', 'c=IN IP4 192.0.2.10', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'a=sendrecv', ''].join('\r\n');
const FS_SDP = OFFER.replace(/192\.0\.2\.10/g, '127.0.0.1').replace('4000', '20000');

class FakeDialog extends EventEmitter {
  readonly sip = { callId: 'call-1' };
  readonly remote = { sdp: OFFER };
  readonly local = { sdp: FS_SDP };
  destroy(_o: unknown, cb?: () => void): void {
    cb?.();
  }
}
class FakeEndpoint extends EventEmitter {
  readonly uuid = 'ep-1';
  local = { sdp: FS_SDP };
  offers: string[] = [];
  calls: string[] = [];
  fail = false;
  api(cmd: string, args: string): Promise<void> {
    this.calls.push(`${cmd} ${args}`);
    return Promise.resolve();
  }
  async modify(sdp: string): Promise<string> {
    this.offers.push(sdp);
    if (this.fail) throw new Error('488');
    return FS_SDP.replace('a=sendrecv', /a=sendonly/.test(sdp) ? 'a=recvonly' : 'a=sendrecv');
  }
  async destroy(): Promise<void> {}
  async forkAudioStop(): Promise<void> {}
}

interface Sent {
  status: number;
  body?: string;
}
function request(method: string, body: string, headers: Record<string, string> = {}) {
  const h: Record<string, string> = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method, body, get: (n: string) => h[n.toLowerCase()] ?? '', has: (n: string) => n.toLowerCase() in h } as unknown as Srf.SrfRequest;
}
function response(): { res: Srf.SrfResponse; sent: Promise<Sent> } {
  let done!: (s: Sent) => void;
  const sent = new Promise<Sent>((r) => (done = r));
  const res = {
    send: (status: number, a?: unknown, b?: unknown) => {
      const o = (typeof a === 'object' ? a : b) as { body?: string } | undefined;
      done({ status, ...(o?.body ? { body: o.body } : {}) });
    },
  } as unknown as Srf.SrfResponse;
  return { res, sent };
}

describe('telephony/call-leg: requests within the call (re-INVITE, UPDATE, INFO, REFER)', () => {
  let dialog: FakeDialog;
  let endpoint: FakeEndpoint;
  let counted: string[];
  let leg: FsCallLeg;
  const events: SipEvents = { refused: (k: SipRefusal) => void counted.push(k), dialog: (k: SipDialogEvent) => void counted.push(k) };
  beforeEach(() => {
    dialog = new FakeDialog();
    endpoint = new FakeEndpoint();
    counted = [];
    leg = new FsCallLeg(dialog as unknown as Srf.Dialog, endpoint as unknown as Mrf.Endpoint, {} as Mrf.MediaServer, pino({ level: 'silent' }), undefined, { events });
  });
  const send = (event: string, req: Srf.SrfRequest) => {
    const { res, sent } = response();
    dialog.emit(event, req, res);
    return sent;
  };

  it('bridged: hold then resume, each re-INVITE goes to FreeSWITCH and its answer goes back (200), counted', async () => {
    leg.setBridged(true);
    const hold = await send('modify', request('INVITE', OFFER.replace('a=sendrecv', 'a=sendonly').replace('o=- 1 1', 'o=- 1 2')));
    assert.equal(hold.status, 200);
    assert.match(hold.body!, /a=recvonly/);
    assert.match(endpoint.offers[0]!, /a=sendonly/);
    const resume = await send('modify', request('INVITE', OFFER.replace('o=- 1 1', 'o=- 1 3')));
    assert.equal(resume.status, 200);
    assert.match(resume.body!, /a=sendrecv/);
    assert.deepEqual(counted, ['reinvite_hold', 'reinvite_resume']);
  });

  it('not bridged (IVR, AMD, "please hold"): hold and resume are answered here (recvonly, then ours again), FreeSWITCH is not told', async () => {
    const hold = await send('modify', request('INVITE', OFFER.replace('a=sendrecv', 'a=sendonly').replace('o=- 1 1', 'o=- 1 2')));
    assert.equal(hold.status, 200);
    assert.match(hold.body!, /a=recvonly/);
    assert.doesNotMatch(hold.body!, /a=sendrecv/);
    const resume = await send('modify', request('INVITE', OFFER.replace('o=- 1 1', 'o=- 1 3')));
    assert.equal(resume.status, 200);
    assert.equal(resume.body, FS_SDP);
    assert.deepEqual(endpoint.offers, []);
    assert.deepEqual(counted, ['reinvite_hold', 'reinvite_resume']);
    // a resume that moves the media is FreeSWITCH's business
    await send('modify', request('INVITE', OFFER.replace('a=sendrecv', 'a=inactive').replace('o=- 1 1', 'o=- 1 4')));
    const moved = await send('modify', request('INVITE', OFFER.replace('4000', '4400').replace('o=- 1 1', 'o=- 1 5')));
    assert.equal(moved.status, 200);
    assert.match(endpoint.offers[0]!, /m=audio 4400/);
  });

  it('a session refresh (same SDP) is answered with ours, FreeSWITCH is not bothered', async () => {
    const r = await send('modify', request('INVITE', OFFER.replace('o=- 1 1', 'o=- 1 1')));
    assert.equal(r.status, 200);
    assert.equal(endpoint.offers.length, 0);
    assert.deepEqual(counted, ['reinvite_refresh']);
  });

  it('FreeSWITCH refuses the new offer: 488, the call goes on', async () => {
    endpoint.fail = true;
    const r = await send('modify', request('INVITE', OFFER.replace('4000', '4100')));
    assert.equal(r.status, 488);
    assert.deepEqual(counted, ['reinvite_failed']);
  });

  it('UPDATE without SDP: 200; with a new SDP: relayed like a re-INVITE', async () => {
    assert.equal((await send('update', request('UPDATE', ''))).status, 200);
    assert.equal(endpoint.offers.length, 0);
    const r = await send('update', request('UPDATE', OFFER.replace('4000', '4200'), { 'Content-Type': 'application/sdp' }));
    assert.equal(r.status, 200);
    assert.match(endpoint.offers[0]!, /m=audio 4200/);
    assert.deepEqual(counted, ['update', 'update']);
  });

  it('SIP INFO: a DTMF digit goes to the channel (200); a garbage DTMF body is 400; other INFOs 200', async () => {
    assert.equal((await send('info', request('INFO', 'Signal=5\r\nDuration=160\r\n', { 'Content-Type': 'application/dtmf-relay' }))).status, 200);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(endpoint.calls, ['uuid_recv_dtmf ep-1 5']);
    assert.equal((await send('info', request('INFO', 'Signal=%%%\r\n', { 'Content-Type': 'application/dtmf-relay' }))).status, 400);
    assert.equal((await send('info', request('INFO', '\u0000\u0001binary', { 'Content-Type': 'application/dtmf' }))).status, 400);
    assert.equal((await send('info', request('INFO', '<xml/>', { 'Content-Type': 'application/media_control+xml' }))).status, 200);
    assert.deepEqual(endpoint.calls, ['uuid_recv_dtmf ep-1 5'], 'nothing else reached the channel');
    assert.deepEqual(counted, ['info_dtmf', 'bad_dtmf_info', 'bad_dtmf_info', 'info_other']);
  });

  it('a REFER from the far end is refused 403 and counted: the service decides where its calls go', async () => {
    const r = await send('refer', request('REFER', '', { 'Refer-To': '<sip:+19005550100@203.0.113.5>' }));
    assert.equal(r.status, 403);
    assert.deepEqual(counted, ['refer_from_peer']);
  });

  it('infoDigit reads both INFO DTMF forms', () => {
    assert.equal(infoDigit('application/dtmf-relay', 'Signal= *\r\nDuration=100'), '*');
    assert.equal(infoDigit('application/dtmf', '#'), '#');
    assert.equal(infoDigit('application/dtmf-relay', 'Signal=12'), null);
    assert.equal(infoDigit('text/plain', 'Signal=1'), undefined);
  });
});
