import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import pino from 'pino';
import { agentUriRefusal } from '../../../src/compose';
import { FsAgentCalls } from '../../../src/telephony/agent-calls';
import { FsCallLeg } from '../../../src/telephony/call-leg';
import { defaultTelephonyConfig, parseTelephonyConfig } from '../../../src/telephony/config';
import { TrunkCustomerCalls } from '../../../src/telephony/customer-calls';
import { destinationPolicy } from '../../../src/telephony';
import type { MediaServerPool } from '../../../src/telephony/media-servers';
import { handleRegister } from '../../../src/telephony/registrar';
import { digestResponse } from '../../../src/telephony/digest';
import { SoftphoneSources } from '../../../src/telephony/sip-access';
import { SipGuard } from '../../../src/telephony/sip-guard';
import type { SipEvents } from '../../../src/telephony/sip-events';

const silent = pino({ level: 'silent' });
const config = defaultTelephonyConfig(); // agent hosts: loopback and private networks; trunk sip:{number}@127.0.0.1:5080
const policy = destinationPolicy(config);

describe('telephony: the service places no call where its rules do not allow', () => {
  let counted: string[];
  const events: SipEvents = { refused: (k) => void counted.push(k), dialog: (k) => void counted.push(k) };
  beforeEach(() => (counted = []));
  /** an srf that fails the test if anything is sent */
  const noCalls = { createUAC: () => assert.fail('no INVITE may go out'), request: () => assert.fail('no request') } as unknown as Srf;

  function customerLeg(requests: string[]): FsCallLeg {
    const dialog = Object.assign(new EventEmitter(), {
      sip: { callId: 'c-1' },
      remote: { sdp: '' },
      local: { sdp: '', uri: 'sip:cb@127.0.0.1' },
      request: async (r: { method: string }) => (requests.push(r.method), { status: 202 }),
      destroy: () => undefined,
    });
    return new FsCallLeg(dialog as unknown as Srf.Dialog, new EventEmitter() as unknown as Mrf.Endpoint, {} as Mrf.MediaServer, silent);
  }

  it('bridge: an agent URI outside telephony.access.agentHosts is not called (403, counted)', async () => {
    const agents = new FsAgentCalls(noCalls, ['PCMU'], silent, undefined, undefined, undefined, policy, events);
    const r = await agents.bridge(customerLeg([]), 'sip:+19005550100@203.0.113.5', 5000, new AbortController().signal, { 'X-Callback-Id': 'cb-1' });
    assert.equal(r.kind, 'failed');
    assert.match(r.kind === 'failed' ? r.detail : '', /agent URI not allowed/);
    assert.deepEqual(counted, ['agent_uri_not_allowed']);
  });

  it('REFER: the customer is not transferred to the trunk or anywhere outside the list; no REFER is sent', async () => {
    const agents = new FsAgentCalls(noCalls, ['PCMU'], silent, undefined, undefined, undefined, policy, events);
    const requests: string[] = [];
    for (const uri of ['sip:+19005550100@127.0.0.1:5080', 'sip:x@evil.example.com', 'sip:a@10.0.0.1;maddr=203.0.113.5']) {
      const r = await agents.refer(customerLeg(requests), uri, 1000);
      assert.equal(r.kind, 'failed', uri);
    }
    assert.deepEqual(requests, []);
    assert.deepEqual(counted, ['agent_uri_not_allowed', 'agent_uri_not_allowed', 'agent_uri_not_allowed']);
  });

  it('customer numbers: only E.164 digits reach the trunk\'s URI (no @, ;, or header injection)', async () => {
    const media = { pick: () => assert.fail('no media server is picked for a refused number') } as unknown as MediaServerPool;
    const customers = new TrunkCustomerCalls(noCalls, media, config.trunk, { url: () => '', expect: () => assert.fail() } as never, silent, events);
    for (const number of ['+1900@203.0.113.5', '+1202555;maddr=x', 'sip:x', '']) {
      const r = await customers.dial({ number, ringTimeoutSec: 5, signal: new AbortController().signal } as never);
      assert.equal(r.kind, 'failed', number);
    }
    assert.equal(counted.filter((k) => k === 'customer_number_not_allowed').length, 4);
  });

  it("a customer's INVITE carries Expires (its ring timeout + 5 s): the far end ends it even if no CANCEL ever comes", async () => {
    const sent: { uri: string; headers: Record<string, string> }[] = [];
    const srf = {
      createUAC: async (uri: string, opts: { headers: Record<string, string> }) => {
        sent.push({ uri, headers: opts.headers });
        throw Object.assign(new Error('480'), { status: 480 });
      },
    } as unknown as Srf;
    const endpoint = { local: { sdp: 'v=0\r\nm=audio 4000 RTP/AVP 0\r\n' }, destroy: async () => undefined };
    const media = { pick: () => ({ createEndpoint: async () => endpoint }) } as unknown as MediaServerPool;
    const customers = new TrunkCustomerCalls(srf, media, config.trunk, { url: () => '', expect: () => assert.fail() } as never, silent, events);
    const r = await customers.dial({ number: '+12025550100', ringTimeoutSec: 25, signal: new AbortController().signal } as never);
    assert.equal(r.kind, 'failed');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.uri, 'sip:+12025550100@127.0.0.1:5080');
    assert.equal(sent[0]!.headers.Expires, '30');
  });

  it('trunk.orphanedCallSec: 200 s by default (over the proxies\' 3-minute Timer C), 0 to 3600, else named', () => {
    assert.equal(parseTelephonyConfig({}).trunk.orphanedCallSec, 200);
    assert.equal(parseTelephonyConfig({ trunk: { orphanedCallSec: 45 } }).trunk.orphanedCallSec, 45);
    assert.throws(() => parseTelephonyConfig({ trunk: { orphanedCallSec: -1 } }), /trunk\.orphanedCallSec/);
  });

  it('static agents of the config: a uri the service may not call is a start error naming agents[i].uri', () => {
    assert.equal(agentUriRefusal([{ id: 'a', uri: 'sip:a@10.0.0.5' }, { id: 'b' }], policy), undefined);
    assert.match(agentUriRefusal([{ id: 'a', uri: 'sip:a@10.0.0.5' }, { id: 'b', uri: 'sip:b@198.51.100.9' }], policy) ?? '', /^agents\[1\]\.uri: "sip:b@198\.51\.100\.9" may not be called/);
  });

  describe('REGISTER: a contact the service may not call is refused 403; floods 503', () => {
    let onRegister: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void;
    let phones: SoftphoneSources;
    let registered: string[];
    const now = Date.parse('2026-12-05T12:00:00Z');
    const clock = { now: () => now };
    beforeEach(() => {
      registered = [];
      phones = new SoftphoneSources(clock.now);
      const srf = { use: (_m: string, fn: typeof onRegister) => void (onRegister = fn) } as unknown as Srf;
      const guard = new SipGuard(config.access, { invite: config.limits.invite, register: { perSec: 1, burst: 4 } }, phones, clock);
      handleRegister(srf, { ...config.registrar, realm: 'cc' }, (id) => (id === 'alice' ? 'pw' : undefined), { setRegistration: (id, uri) => void registered.push(`${id} ${uri}`), clearRegistration: () => undefined }, silent, clock, undefined, { guard, destinations: policy, events });
    });
    const register = (contact: string, authorization?: string): { status: number; headers: Record<string, string> } => {
      const headers: Record<string, string> = { 'call-id': 'r1', contact: `<${contact}>`, ...(authorization ? { authorization } : {}) };
      const req = {
        source_address: '10.0.0.7',
        source_port: '5062',
        protocol: 'udp',
        raw: 'REGISTER sip:cc SIP/2.0\r\n',
        get: (h: string) => headers[h.toLowerCase()] ?? '',
        has: (h: string) => h.toLowerCase() in headers,
        getParsedHeader: () => [{ uri: contact }],
      } as unknown as Srf.SrfRequest;
      let out = { status: 0, headers: {} as Record<string, string> };
      const res = { send: (s: number, a?: unknown, b?: unknown) => (out = { status: s, headers: ((typeof a === 'object' ? a : b) as { headers?: Record<string, string> } | undefined)?.headers ?? {} }) } as unknown as Srf.SrfResponse;
      onRegister(req, res);
      return out;
    };
    const withAuth = (contact: string) => {
      const nonce = /nonce="([^"]+)"/.exec(register(contact).headers['WWW-Authenticate']!)![1]!;
      const c = { username: 'alice', realm: 'cc', nonce, uri: 'sip:cc' };
      return register(contact, `Digest username="alice", realm="cc", nonce="${nonce}", uri="sip:cc", response="${digestResponse(c, 'pw', 'REGISTER')}"`);
    };

    it('a contact at the trunk or a public address: 403 Contact Not Allowed, not registered, counted', () => {
      assert.equal(withAuth('sip:+19005550100@127.0.0.1:5080').status, 403);
      assert.equal(withAuth('sip:alice@203.0.113.5').status, 403);
      assert.deepEqual(registered, []);
      assert.deepEqual(counted, ['contact_not_allowed', 'contact_not_allowed']);
    });

    it('an allowed contact registers, and its source is known as a softphone (its INVITEs will be refused)', () => {
      assert.equal(withAuth('sip:alice@10.0.0.7:5062').status, 200);
      assert.deepEqual(registered, ['alice sip:alice@10.0.0.7:5062']);
      assert.ok(phones.has('10.0.0.7', 5062));
    });

    it('a REGISTER flood from one source: 503 with Retry-After, counted', () => {
      const statuses = [0, 1, 2, 3, 4, 5].map(() => register('sip:alice@10.0.0.7:5062').status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 503, 503]);
      assert.equal(counted.filter((k) => k === 'register_rate_limited').length, 2);
    });
  });
});
