import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';
import pino from 'pino';
import { defaultTelephonyConfig } from '../../../src/telephony/config';
import { handleInbound } from '../../../src/telephony/inbound';
import type { MediaServerPool } from '../../../src/telephony/media-servers';
import { SoftphoneSources } from '../../../src/telephony/sip-access';
import { SipGuard } from '../../../src/telephony/sip-guard';
import type { SipEvents } from '../../../src/telephony/sip-events';
import { Metrics } from '../../../src/observability/metrics';

const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0', ''].join('\r\n');

describe('telephony/inbound: an INVITE is refused before any media server is touched, and counted', () => {
  const config = { ...defaultTelephonyConfig(), dids: { '18005550100': { service: 's', target: 't' } } };
  config.access = { ...config.access, trunks: ['127.0.0.1'], trunksDefaulted: false };
  let counted: string[];
  let onInvite: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void;
  let endpoints: { destroyed: number }[];
  let createEndpoint: () => Promise<unknown>;
  let uas: number;
  let active: Set<Promise<unknown>>;
  let mediaUp: boolean;
  const now = () => 1_000_000;
  beforeEach(() => {
    counted = [];
    endpoints = [];
    uas = 0;
    active = new Set();
    mediaUp = true;
    createEndpoint = async () => {
      const e = { destroyed: 0, local: { sdp: SDP }, destroy: async () => void e.destroyed++ };
      endpoints.push(e);
      return e;
    };
    const srf = { invite: (fn: typeof onInvite) => void (onInvite = fn), createUAS: async () => (uas++, assert.fail('not answered in these tests')) } as unknown as Srf;
    const media = { pick: () => (mediaUp ? { createEndpoint: () => createEndpoint() } : undefined) } as unknown as MediaServerPool;
    const events: SipEvents = { refused: (k) => void counted.push(k), dialog: (k) => void counted.push(k) };
    const guard = new SipGuard(config.access, config.limits, new SoftphoneSources(now), { now });
    handleInbound(srf, media, config, () => assert.fail('no IVR'), pino({ level: 'silent' }), active, guard, events);
  });

  const invite = (o: { source?: string; to?: string; body?: string; ct?: string }) => {
    const headers: Record<string, string> = { 'call-id': 'c1', 'content-type': o.ct ?? 'application/sdp' };
    const req = Object.assign(new EventEmitter(), {
      source_address: o.source ?? '127.0.0.1',
      source_port: '5070',
      protocol: 'udp',
      calledNumber: o.to ?? '18005550100',
      callingNumber: '12025550100',
      body: o.body ?? SDP,
      raw: `INVITE sip:x SIP/2.0\r\n\r\n${o.body ?? SDP}`,
      get: (h: string) => headers[h.toLowerCase()] ?? '',
      has: (h: string) => h.toLowerCase() in headers,
    });
    const sent: number[] = [];
    const headersSent: Record<string, string>[] = [];
    const res = {
      finalResponseSent: false,
      send: (s: number, o?: { headers?: Record<string, string> }) => {
        sent.push(s);
        headersSent.push(o?.headers ?? {});
      },
    };
    onInvite(req as unknown as Srf.SrfRequest, res as unknown as Srf.SrfResponse);
    return { req, sent, headersSent };
  };

  it('not a trunk: 403; unknown DID: 404; no SDP, bad SDP, no codec of ours: 488 — each counted by kind, no endpoint made', () => {
    assert.deepEqual(invite({ source: '203.0.113.5' }).sent, [403]);
    assert.deepEqual(invite({ to: '19995550000' }).sent, [404]);
    assert.deepEqual(invite({ body: '', ct: '' }).sent, [488]);
    assert.deepEqual(invite({ body: 'v=0\r\nthis is not sdp\r\n' }).sent, [488]);
    assert.deepEqual(invite({ body: SDP.replace('RTP/AVP 0', 'RTP/AVP 18') }).sent, [488]);
    assert.deepEqual(counted, ['source_not_allowed', 'unknown_did', 'no_sdp', 'bad_sdp', 'no_common_codec']);
    assert.equal(endpoints.length, 0);
  });

  it('CANCEL while the media endpoint is being made: the endpoint is destroyed (no FreeSWITCH channel left), the call is not answered', async () => {
    let release!: () => void;
    const made = createEndpoint;
    createEndpoint = () => new Promise((r) => (release = () => r(made())));
    const { req } = invite({});
    req.emit('cancel');
    release();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(endpoints.length, 1);
    assert.equal(endpoints[0]!.destroyed, 1);
    assert.equal(uas, 0);
    assert.deepEqual(counted, ['cancelled_before_answer']);
  });

  it('back-pressure: at the inbound call limit, with no media server, or when the media server refuses the endpoint: 503 with Retry-After, counted; nobody answered', async () => {
    const settle = async () => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    };
    for (let i = 0; i < config.limits.maxInboundCalls; i++) active.add(new Promise(() => undefined));
    const full = invite({});
    assert.deepEqual(full.sent, [503]);
    assert.equal(full.headersSent[0]!['Retry-After'], '5');
    active.clear();

    mediaUp = false;
    const none = invite({});
    assert.deepEqual(none.sent, [503]);
    assert.equal(none.headersSent[0]!['Retry-After'], '5');
    mediaUp = true;

    createEndpoint = async () => {
      throw new Error('503 Maximum Calls In Progress');
    };
    const refused = invite({});
    await settle();
    assert.deepEqual(refused.sent, [503]);
    assert.equal(refused.headersSent[0]!['Retry-After'], '5');
    assert.equal(uas, 0);
    assert.deepEqual(counted, ['over_capacity', 'no_media_server', 'media_refused']);
  });

  it('below the limit the call goes on to the media server', async () => {
    for (let i = 0; i < config.limits.maxInboundCalls - 1; i++) active.add(new Promise(() => undefined));
    invite({});
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(endpoints.length, 1, 'an endpoint was made');
  });

  it('/metrics: every kind is a series from the start, and counts', async () => {
    const m = new Metrics();
    m.sipEvents.refused('unknown_did');
    m.sipEvents.dialog('reinvite_hold');
    const text = await m.registry.metrics();
    assert.match(text, /sip_requests_refused_total\{kind="unknown_did"\} 1/);
    assert.match(text, /sip_requests_refused_total\{kind="invite_rate_limited"\} 0/);
    assert.match(text, /sip_dialog_requests_total\{kind="reinvite_hold"\} 1/);
  });
});
