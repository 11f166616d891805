/**
 * Typed configuration of the telephony layer: the `telephony:` section of the config file, with defaults,
 * plus the connection settings that come from the environment (DRACHTIO_*, FREESWITCH_*).
 * `parseTelephonyConfig` validates an untyped value and throws an Error naming the bad key.
 */

export type Codec = 'PCMU' | 'PCMA';
export type ConnectModeSetting = 'bridge' | 'refer';
/** what to do when AMD says MACHINE */
export type MachineAction = 'hangup' | 'leave_message';
/** what to do when AMD says NOTSURE or NO_SPEECH */
export type UncertainAction = 'connect' | 'hangup';

export interface DrachtioSettings {
  host: string;
  port: number;
  secret: string;
}

export interface MediaServerSettings {
  host: string;
  /** FreeSWITCH event socket port */
  port: number;
  secret: string;
  /** sofia profile drachtio-fsmrf sends its INVITEs to */
  profile: string;
  /** address FreeSWITCH's outbound event socket connects back to (default: first local address) */
  listenAddress?: string;
  advertisedAddress?: string;
}

export interface TrunkSettings {
  /** request URI for the customer; `{number}` is replaced by the E.164 number, e.g. `sip:{number}@trunk.example.com` */
  uriTemplate: string;
  /** default ring timeout when a dial request does not carry one */
  ringTimeoutSec: number;
  /**
   * how long a customer's phone may ring on after the instance that dialed it died: drachtio-server does not
   * cancel the INVITEs of an app that is gone, and the network gives up only at its own no-answer timer (proxies'
   * Timer C is over 3 minutes, RFC 3261 16.6). An interrupted attempt is retried no sooner than this after it was
   * recovered. Each INVITE also carries `Expires` (its ring timeout): a far end that honours it ends it itself.
   */
  orphanedCallSec: number;
  /** offered to the customer, in order of preference */
  codecs: Codec[];
  /** optional SIP proxy / outbound gateway the INVITE is sent through */
  proxy?: string;
  /** digest credentials when the trunk challenges */
  auth?: { username: string; password: string };
  /**
   * media encryption with the trunk: 'off' plain RTP (SRTP offers refused 488); 'required' SDES-SRTP only
   * (plain offers refused 488, outbound legs offer RTP/SAVP with crypto). FreeSWITCH-wide: see docs/telephony.md "SRTP".
   */
  srtp: SrtpMode;
}

export const SRTP_MODES = ['off', 'required'] as const;
export type SrtpMode = (typeof SRTP_MODES)[number];
/** the crypto suites offered and taken with `srtp: required` (RFC 4568 SDES, as carriers' SBCs offer them) */
export const SRTP_SUITES = 'AES_CM_128_HMAC_SHA1_80:AES_CM_128_HMAC_SHA1_32';

/** FreeSWITCH globals for a media-encryption mode (drachtio-fsmrf's legs are inbound channels for FreeSWITCH) */
export function srtpGlobals(mode: SrtpMode): Record<string, string> {
  const v = mode === 'required' ? `mandatory:${SRTP_SUITES}` : 'forbidden';
  return { rtp_secure_media_inbound: v, rtp_secure_media_outbound: v };
}

export interface ServiceTelephony {
  /** From user part / caller ID presented to the customer */
  callerId?: string;
  /** P-Asserted-Identity header value, e.g. `<sip:+15550100@example.com>` */
  pAssertedIdentity?: string;
  machine: MachineAction;
  notSure: UncertainAction;
  noSpeech: UncertainAction;
  /** the IVR offers a callback when the EWT is above this (-1: at any wait, 0 s too); overrides the service's `_ewt_threshold` and ivr.ewtThresholdSec (src/telephony/ivr-settings.ts) */
  ewtThresholdSec?: number;
  /** after the number, offer "1 = as soon as possible, 2 = the next open slot" (overrides ivr.offerSlot) */
  offerSlot?: boolean;
  prompts: Partial<PromptSet>;
  /** the answer check (docs/amd.md "Answer check"): set only when the service turns it on */
  answerCheck?: AnswerCheckSettings;
}

/**
 * Answer check: before a callback is connected (HUMAN, or NOTSURE / NO_SPEECH when the service connects
 * those), play an announcement ("... press 1 to be connected") and connect only on the key; no key is
 * NO_CONFIRMATION. The AMD keeps listening while it plays: speech running on over it is a MACHINE.
 */
export interface AnswerCheckSettings {
  /** the announcement, a file in prompts.dir (or an absolute path / FreeSWITCH URI) */
  prompt: string;
  /** the key that connects */
  digit: string;
  /** how long to wait for the key after the announcement, ms */
  timeoutMs: number;
  /** speech running on this long over the announcement, without the key: re-classified MACHINE, ms */
  runOnMs: number;
}

export const DEFAULT_ANSWER_CHECK: AnswerCheckSettings = { prompt: 'answer-check.wav', digit: '1', timeoutMs: 5000, runOnMs: 2500 };

export interface DidRoute {
  service: string;
  target: string;
}

/** the IVR's settings and prompt names are the flows' own */
import type { IvrSettings } from '../flows/ivr-offer';
import type { PromptSet } from '../flows/prompts';
import { AddressList, DestinationPolicy, LOCAL_NETWORKS } from './sip-access';
import type { RateLimit } from './sip-limits';

export interface ConnectSettings {
  mode: ConnectModeSetting;
  agentRingTimeoutSec: number;
  /** agents tried before the attempt ends with AGENT_UNAVAILABLE */
  maxAgentAttempts: number;
  /** wait for an agent to be reserved after a human answered (dial-first services) */
  reserveTimeoutSec: number;
  /** wait for the REFER's final NOTIFY before falling back to bridge */
  referTimeoutMs: number;
}

export interface AudioForkSettings {
  /** port the AMD WebSocket server listens on (FreeSWITCH's mod_audio_fork connects to it) */
  port: number;
  host: string;
  /**
   * The AMD engine's speech evidence: `silero` (default) the energy VAD, and Silero VAD where the energy VAD
   * heard no word by initialSilenceMs (a quiet voice under music or street noise; docs/amd.md "Learned speech
   * detectors"); `energy` the energy VAD alone.
   */
  speechDetector: 'silero' | 'energy';
}

export interface RegistrarSettings {
  enabled: boolean;
  realm: string;
  /** agentId -> password for digest auth */
  users: Record<string, string>;
  minExpiresSec: number;
  maxExpiresSec: number;
}

/** who may call, where agent calls may go (src/telephony/sip-access.ts, docs/telephony.md "Who may call") */
export interface AccessSettings {
  /** addresses and networks (CIDR) whose INVITEs are taken without credentials */
  trunks: string[];
  /** true when the config did not name `trunks` (the default: loopback and private networks; a warning at start) */
  trunksDefaulted: boolean;
  /** digest credentials an INVITE from anywhere else may carry (a trunk with changing addresses); never agents' */
  inviteAuth?: { realm: string; users: Record<string, string> };
  /** where agent calls and REFERs may go: addresses, networks, host names, `*.domain` */
  agentHosts: string[];
  /** browsers' WebSocket contacts (`.invalid` hosts) may be called */
  webrtcAgents: boolean;
  /** an INVITE or REGISTER bigger than this (headers and body) is refused 413 */
  maxMessageBytes: number;
  /** transports callers' INVITEs may arrive over (`[tls]`: a trunk over TLS only; a spoofed UDP source gets 403) */
  inviteTransports: InviteTransport[];
}

export const INVITE_TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
export type InviteTransport = (typeof INVITE_TRANSPORTS)[number];

/** per source address: INVITEs from sources that are not trunks, REGISTERs from any */
export interface LimitSettings {
  invite: RateLimit;
  register: RateLimit;
  /** inbound calls this instance holds at once; past it new INVITEs get 503 with Retry-After (back-pressure) */
  maxInboundCalls: number;
}

export interface TelephonyConfig {
  enabled: boolean;
  /** longest wait between reconnection attempts (drachtio-server and FreeSWITCH) */
  retryMaxDelayMs: number;
  drachtio: DrachtioSettings;
  mediaServers: MediaServerSettings[];
  trunk: TrunkSettings;
  /** per callback service name */
  services: Record<string, ServiceTelephony>;
  /** called number (as received in the request URI user part) -> service and target */
  dids: Record<string, DidRoute>;
  prompts: { dir: string } & PromptSet;
  ivr: IvrSettings;
  connect: ConnectSettings;
  audioFork: AudioForkSettings;
  registrar: RegistrarSettings;
  access: AccessSettings;
  limits: LimitSettings;
}

export const DEFAULT_PROMPTS: PromptSet = {
  greeting: 'welcome.wav',
  estimatedWaitIs: 'queue-holdtime.wav',
  minute: 'queue-minute.wav',
  minutes: 'queue-minutes.wav',
  lessThan: 'queue-less-than.wav',
  offerCallback: 'offer-callback.wav',
  confirmNumber: 'vm-from-phonenumber.wav',
  ifCorrectPress: 'if-correct-press.wav',
  enterNumber: 'vm-enter-num-to-call.wav',
  invalid: 'invalid.wav',
  callbackAccepted: 'auth-thankyou.wav',
  callbackFailed: 'please-try-call-later.wav',
  goodbye: 'goodbye.wav',
  pleaseHold: 'pls-hold-while-try.wav',
  holdMusic: 'moh/macroform-robot_dity.wav',
  machineMessage: 'please-try-call-later.wav',
  slotOffer: 'slot-offer.wav',
  slotPressTwo: 'slot-press-2.wav',
  digitsDir: 'digits',
};

export const DEFAULT_SERVICE_TELEPHONY: ServiceTelephony = { machine: 'hangup', notSure: 'connect', noSpeech: 'hangup', prompts: {} };

export function defaultTelephonyConfig(): TelephonyConfig {
  return {
    enabled: true,
    retryMaxDelayMs: 10_000,
    drachtio: { host: '127.0.0.1', port: 9022, secret: 'cymru' },
    mediaServers: [{ host: '127.0.0.1', port: 8021, secret: 'ClueCon', profile: 'drachtio_mrf' }],
    trunk: { uriTemplate: 'sip:{number}@127.0.0.1:5080', ringTimeoutSec: 30, orphanedCallSec: 200, codecs: ['PCMU', 'PCMA'], srtp: 'off' },
    services: {},
    dids: {},
    prompts: { dir: '/usr/local/freeswitch/sounds/callback', ...DEFAULT_PROMPTS },
    ivr: { ewtThresholdSec: 120, maxRetries: 2, inputTimeoutMs: 5000, digitTimeoutMs: 3000, maxQueueWaitSec: 0, defaultRegion: 'US', offerSlot: false },
    connect: { mode: 'bridge', agentRingTimeoutSec: 20, maxAgentAttempts: 3, reserveTimeoutSec: 120, referTimeoutMs: 15_000 },
    audioFork: { port: 8090, host: '127.0.0.1', speechDetector: 'silero' },
    registrar: { enabled: true, realm: 'callback.local', users: {}, minExpiresSec: 60, maxExpiresSec: 3600 },
    access: { trunks: [...LOCAL_NETWORKS], trunksDefaulted: true, agentHosts: [...LOCAL_NETWORKS], webrtcAgents: true, maxMessageBytes: 16_384, inviteTransports: [...INVITE_TRANSPORTS] },
    limits: { invite: { perSec: 5, burst: 20 }, register: { perSec: 20, burst: 100 }, maxInboundCalls: 500 },
  };
}

/** the service's telephony settings, with defaults for services the section does not name */
export function serviceTelephony(config: TelephonyConfig, serviceName: string): ServiceTelephony {
  return config.services[serviceName] ?? DEFAULT_SERVICE_TELEPHONY;
}

/** Defaults overridden by DRACHTIO_HOST/PORT/SECRET and FREESWITCH_HOST/PORT/SECRET when set. */
export function telephonyConfigFromEnv(env: NodeJS.ProcessEnv, base: TelephonyConfig = defaultTelephonyConfig()): TelephonyConfig {
  const cfg: TelephonyConfig = { ...base, drachtio: { ...base.drachtio }, mediaServers: base.mediaServers.map((m) => ({ ...m })) };
  if (env.DRACHTIO_HOST) cfg.drachtio.host = env.DRACHTIO_HOST;
  if (env.DRACHTIO_PORT) cfg.drachtio.port = envPort(env.DRACHTIO_PORT, 'DRACHTIO_PORT');
  if (env.DRACHTIO_SECRET) cfg.drachtio.secret = env.DRACHTIO_SECRET;
  if (env.FREESWITCH_HOST || env.FREESWITCH_PORT || env.FREESWITCH_SECRET) {
    // FREESWITCH_HOST may list several servers: "fs1,fs2"
    const hosts = (env.FREESWITCH_HOST ?? cfg.mediaServers[0]?.host ?? '127.0.0.1').split(',').map((h) => h.trim()).filter(Boolean);
    const first = cfg.mediaServers[0] ?? { host: '127.0.0.1', port: 8021, secret: 'ClueCon', profile: 'drachtio_mrf' };
    cfg.mediaServers = hosts.map((host) => ({
      ...first,
      host,
      port: env.FREESWITCH_PORT ? envPort(env.FREESWITCH_PORT, 'FREESWITCH_PORT') : first.port,
      secret: env.FREESWITCH_SECRET ?? first.secret,
    }));
  }
  return cfg;
}

function envPort(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}: must be a port number (1-65535), got "${v}"`);
  return n;
}

// ---------------------------------------------------------------- validation

type Obj = Record<string, unknown>;

class Reader {
  constructor(
    private readonly o: Obj,
    readonly path: string,
  ) {}

  static of(v: unknown, path: string): Reader {
    if (v === undefined || v === null) return new Reader({}, path);
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${path}: must be an object`);
    return new Reader(v as Obj, path);
  }

  known(keys: string[]): void {
    for (const k of Object.keys(this.o)) if (!keys.includes(k)) throw new Error(`${this.path}.${k}: unknown key (expected one of ${keys.join(', ')})`);
  }

  raw(k: string): unknown {
    return this.o[k];
  }

  str(k: string, dflt: string): string {
    const v = this.o[k];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || v.length === 0) throw new Error(`${this.path}.${k}: must be a non-empty string`);
    return v;
  }

  optStr(k: string): string | undefined {
    return this.o[k] === undefined ? undefined : this.str(k, '');
  }

  int(k: string, dflt: number, min: number, max: number): number {
    const v = this.o[k];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Error(`${this.path}.${k}: must be an integer from ${min} to ${max}`);
    return v;
  }

  optInt(k: string, min: number, max: number): number | undefined {
    return this.o[k] === undefined ? undefined : this.int(k, 0, min, max);
  }

  bool(k: string, dflt: boolean): boolean {
    const v = this.o[k];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') throw new Error(`${this.path}.${k}: must be true or false`);
    return v;
  }

  oneOf<T extends string>(k: string, allowed: readonly T[], dflt: T): T {
    const v = this.o[k];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new Error(`${this.path}.${k}: must be one of ${allowed.join(', ')}`);
    return v as T;
  }

  child(k: string): Reader {
    return Reader.of(this.o[k], `${this.path}.${k}`);
  }

  entries(k: string): [string, unknown][] {
    const v = this.o[k];
    if (v === undefined) return [];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${this.path}.${k}: must be a map`);
    return Object.entries(v as Obj);
  }
}

const PROMPT_KEYS = Object.keys(DEFAULT_PROMPTS) as (keyof PromptSet)[];

function parsePrompts(r: Reader, all: boolean): Partial<PromptSet> {
  const out: Partial<PromptSet> = {};
  for (const k of PROMPT_KEYS) {
    const v = r.optStr(k);
    if (v !== undefined) out[k] = v;
  }
  if (all) r.known(['dir', ...PROMPT_KEYS]);
  else r.known(PROMPT_KEYS);
  return out;
}

/**
 * Validate the `telephony` section (`input`), found at `path` in the config file (e.g. "telephony").
 * Missing keys take the defaults; unknown keys and bad values throw an Error naming `path.key`.
 */
export function parseTelephonyConfig(input: unknown, path = 'telephony', env?: NodeJS.ProcessEnv): TelephonyConfig {
  const d = defaultTelephonyConfig();
  const r = Reader.of(input, path);
  r.known(['enabled', 'retryMaxDelayMs', 'drachtio', 'mediaServers', 'trunk', 'services', 'dids', 'prompts', 'ivr', 'connect', 'audioFork', 'registrar', 'access', 'limits']);

  const dr = r.child('drachtio');
  dr.known(['host', 'port', 'secret']);
  const drachtio: DrachtioSettings = {
    host: dr.str('host', d.drachtio.host),
    port: dr.int('port', d.drachtio.port, 1, 65535),
    secret: dr.str('secret', d.drachtio.secret),
  };

  let mediaServers = d.mediaServers;
  const msRaw = r.raw('mediaServers');
  if (msRaw !== undefined) {
    if (!Array.isArray(msRaw) || msRaw.length === 0) throw new Error(`${path}.mediaServers: must be a non-empty list`);
    mediaServers = msRaw.map((m, i) => {
      const mr = Reader.of(m, `${path}.mediaServers[${i}]`);
      mr.known(['host', 'port', 'secret', 'profile', 'listenAddress', 'advertisedAddress']);
      const s: MediaServerSettings = {
        host: mr.str('host', '127.0.0.1'),
        port: mr.int('port', 8021, 1, 65535),
        secret: mr.str('secret', 'ClueCon'),
        profile: mr.str('profile', 'drachtio_mrf'),
      };
      const la = mr.optStr('listenAddress');
      const aa = mr.optStr('advertisedAddress');
      if (la) s.listenAddress = la;
      if (aa) s.advertisedAddress = aa;
      return s;
    });
  }

  const tr = r.child('trunk');
  tr.known(['uriTemplate', 'ringTimeoutSec', 'orphanedCallSec', 'codecs', 'proxy', 'auth', 'srtp']);
  const uriTemplate = tr.str('uriTemplate', d.trunk.uriTemplate);
  if (!/^sips?:/.test(uriTemplate) || !uriTemplate.includes('{number}')) throw new Error(`${path}.trunk.uriTemplate: must be a sip: URI containing {number}`);
  let codecs = d.trunk.codecs;
  const cRaw = tr.raw('codecs');
  if (cRaw !== undefined) {
    if (!Array.isArray(cRaw) || cRaw.length === 0 || !cRaw.every((c) => c === 'PCMU' || c === 'PCMA')) throw new Error(`${path}.trunk.codecs: must be a non-empty list of PCMU, PCMA`);
    codecs = cRaw as Codec[];
  }
  const srtp = tr.str('srtp', d.trunk.srtp) as SrtpMode;
  if (!SRTP_MODES.includes(srtp)) throw new Error(`${path}.trunk.srtp: must be one of ${SRTP_MODES.join(', ')}`);
  const trunk: TrunkSettings = {
    uriTemplate,
    ringTimeoutSec: tr.int('ringTimeoutSec', d.trunk.ringTimeoutSec, 1, 300),
    orphanedCallSec: tr.int('orphanedCallSec', d.trunk.orphanedCallSec, 0, 3600),
    codecs,
    srtp,
  };
  const proxy = tr.optStr('proxy');
  if (proxy) trunk.proxy = proxy;
  if (tr.raw('auth') !== undefined) {
    const ar = tr.child('auth');
    ar.known(['username', 'password']);
    trunk.auth = { username: ar.str('username', ''), password: ar.str('password', '') };
  }

  const services: Record<string, ServiceTelephony> = {};
  for (const [name, v] of r.entries('services')) {
    const sr = Reader.of(v, `${path}.services.${name}`);
    sr.known(['callerId', 'pAssertedIdentity', 'machine', 'notSure', 'noSpeech', 'ewtThresholdSec', 'offerSlot', 'prompts', 'answerCheck']);
    const s: ServiceTelephony = {
      machine: sr.oneOf('machine', ['hangup', 'leave_message'] as const, 'hangup'),
      notSure: sr.oneOf('notSure', ['connect', 'hangup'] as const, 'connect'),
      noSpeech: sr.oneOf('noSpeech', ['connect', 'hangup'] as const, 'hangup'),
      prompts: parsePrompts(sr.child('prompts'), false),
    };
    const cid = sr.optStr('callerId');
    const pai = sr.optStr('pAssertedIdentity');
    const th = sr.optInt('ewtThresholdSec', -1, 86_400);
    if (cid) s.callerId = cid;
    if (pai) s.pAssertedIdentity = pai;
    if (th !== undefined) s.ewtThresholdSec = th;
    if (sr.raw('offerSlot') !== undefined) s.offerSlot = sr.bool('offerSlot', false);
    if (sr.raw('answerCheck') !== undefined) {
      const ac = sr.child('answerCheck');
      ac.known(['enabled', 'prompt', 'digit', 'timeoutMs', 'runOnMs']);
      const d0 = DEFAULT_ANSWER_CHECK;
      const rawDigit = ac.raw('digit');
      const digit = rawDigit === undefined ? d0.digit : String(rawDigit);
      if (!/^[0-9*#]$/.test(digit)) throw new Error(`${path}.services.${name}.answerCheck.digit: one key, 0-9, * or #`);
      const check: AnswerCheckSettings = {
        prompt: ac.str('prompt', d0.prompt),
        digit,
        timeoutMs: ac.int('timeoutMs', d0.timeoutMs, 1000, 60_000),
        runOnMs: ac.int('runOnMs', d0.runOnMs, 500, 30_000),
      };
      if (ac.bool('enabled', false)) s.answerCheck = check;
    }
    services[name] = s;
  }

  const dids: Record<string, DidRoute> = {};
  for (const [num, v] of r.entries('dids')) {
    const dr2 = Reader.of(v, `${path}.dids.${num}`);
    dr2.known(['service', 'target']);
    dids[num] = { service: dr2.str('service', ''), target: dr2.str('target', '') };
  }

  const pr = r.child('prompts');
  const prompts = { dir: pr.str('dir', d.prompts.dir), ...DEFAULT_PROMPTS, ...parsePrompts(pr, true) };

  const ir = r.child('ivr');
  ir.known(['ewtThresholdSec', 'maxRetries', 'inputTimeoutMs', 'digitTimeoutMs', 'maxQueueWaitSec', 'defaultRegion', 'offerSlot']);
  const defaultRegion = ir.str('defaultRegion', d.ivr.defaultRegion);
  if (!/^[A-Z]{2}$/.test(defaultRegion)) throw new Error(`${path}.ivr.defaultRegion: must be an ISO 3166 alpha-2 code like US`);
  const ivr: IvrSettings = {
    ewtThresholdSec: ir.int('ewtThresholdSec', d.ivr.ewtThresholdSec, -1, 86_400),
    maxRetries: ir.int('maxRetries', d.ivr.maxRetries, 0, 10),
    inputTimeoutMs: ir.int('inputTimeoutMs', d.ivr.inputTimeoutMs, 500, 60_000),
    digitTimeoutMs: ir.int('digitTimeoutMs', d.ivr.digitTimeoutMs, 500, 30_000),
    maxQueueWaitSec: ir.int('maxQueueWaitSec', d.ivr.maxQueueWaitSec, 0, 86_400),
    defaultRegion,
    offerSlot: ir.bool('offerSlot', d.ivr.offerSlot ?? false),
  };

  const cr = r.child('connect');
  cr.known(['mode', 'agentRingTimeoutSec', 'maxAgentAttempts', 'reserveTimeoutSec', 'referTimeoutMs']);
  const connect: ConnectSettings = {
    mode: cr.oneOf('mode', ['bridge', 'refer'] as const, d.connect.mode),
    agentRingTimeoutSec: cr.int('agentRingTimeoutSec', d.connect.agentRingTimeoutSec, 1, 300),
    maxAgentAttempts: cr.int('maxAgentAttempts', d.connect.maxAgentAttempts, 1, 20),
    reserveTimeoutSec: cr.int('reserveTimeoutSec', d.connect.reserveTimeoutSec, 1, 3600),
    referTimeoutMs: cr.int('referTimeoutMs', d.connect.referTimeoutMs, 1000, 120_000),
  };

  const ar = r.child('audioFork');
  ar.known(['port', 'host', 'speechDetector']);
  const audioFork: AudioForkSettings = {
    port: ar.int('port', d.audioFork.port, 0, 65535),
    host: ar.str('host', d.audioFork.host),
    speechDetector: ar.oneOf('speechDetector', ['silero', 'energy'] as const, d.audioFork.speechDetector),
  };

  const rr = r.child('registrar');
  rr.known(['enabled', 'realm', 'users', 'minExpiresSec', 'maxExpiresSec']);
  const users: Record<string, string> = {};
  for (const [agentId, pw] of rr.entries('users')) {
    if (typeof pw !== 'string' || pw.length === 0) throw new Error(`${path}.registrar.users.${agentId}: must be a non-empty password string`);
    users[agentId] = pw;
  }
  const registrar: RegistrarSettings = {
    enabled: rr.bool('enabled', d.registrar.enabled),
    realm: rr.str('realm', d.registrar.realm),
    users,
    minExpiresSec: rr.int('minExpiresSec', d.registrar.minExpiresSec, 1, 86_400),
    maxExpiresSec: rr.int('maxExpiresSec', d.registrar.maxExpiresSec, 1, 86_400),
  };
  if (registrar.minExpiresSec > registrar.maxExpiresSec) throw new Error(`${path}.registrar.minExpiresSec: must not exceed maxExpiresSec`);

  const access = parseAccess(r.child('access'), d.access, trunk);
  const lr = r.child('limits');
  lr.known(['invite', 'register', 'maxInboundCalls']);
  const limits: LimitSettings = {
    invite: parseRate(lr.child('invite'), d.limits.invite),
    register: parseRate(lr.child('register'), d.limits.register),
    maxInboundCalls: lr.int('maxInboundCalls', d.limits.maxInboundCalls, 1, 100_000),
  };

  const parsed: TelephonyConfig = {
    enabled: r.bool('enabled', true),
    retryMaxDelayMs: r.int('retryMaxDelayMs', d.retryMaxDelayMs, 100, 600_000),
    drachtio,     mediaServers,
    trunk,
    services,
    dids,
    prompts,
    ivr,
    connect,
    audioFork,
    registrar,
    access,
    limits,
  };
  return env ? telephonyConfigFromEnv(env, parsed) : parsed;
}

function strList(r: Reader, k: string, dflt: readonly string[]): string[] {
  const v = r.raw(k);
  if (v === undefined) return [...dflt];
  if (!Array.isArray(v)) throw new Error(`${r.path}.${k}: must be a list`);
  return v.map((x, i) => {
    if (typeof x !== 'string' || x.length === 0) throw new Error(`${r.path}.${k}[${i}]: must be a non-empty string`);
    return x;
  });
}

function parseAccess(r: Reader, d: AccessSettings, trunk: TrunkSettings): AccessSettings {
  r.known(['trunks', 'inviteAuth', 'agentHosts', 'webrtcAgents', 'maxMessageBytes', 'inviteTransports']);
  const trunks = strList(r, 'trunks', d.trunks);
  new AddressList(trunks, `${r.path}.trunks`); // throws naming the entry
  const agentHosts = strList(r, 'agentHosts', d.agentHosts);
  const webrtcAgents = r.bool('webrtcAgents', d.webrtcAgents);
  new DestinationPolicy({ agentHosts, webrtcAgents }, [trunk.uriTemplate, ...(trunk.proxy ? [trunk.proxy] : [])], `${r.path}.agentHosts`);
  const out: AccessSettings = {
    trunks,
    trunksDefaulted: r.raw('trunks') === undefined,
    agentHosts,
    webrtcAgents,
    maxMessageBytes: r.int('maxMessageBytes', d.maxMessageBytes, 1024, 65_535),
    inviteTransports: parseTransports(r, d.inviteTransports),
  };
  if (r.raw('inviteAuth') !== undefined) {
    const ar = r.child('inviteAuth');
    ar.known(['realm', 'users']);
    const users: Record<string, string> = {};
    for (const [u, pw] of ar.entries('users')) {
      if (typeof pw !== 'string' || pw.length === 0) throw new Error(`${ar.path}.users.${u}: must be a non-empty password string`);
      users[u] = pw;
    }
    if (Object.keys(users).length === 0) throw new Error(`${ar.path}.users: name at least one user (or leave inviteAuth out)`);
    out.inviteAuth = { realm: ar.str('realm', 'callback.local'), users };
  }
  return out;
}

function parseTransports(r: Reader, d: InviteTransport[]): InviteTransport[] {
  const list = strList(r, 'inviteTransports', d).map((t) => t.toLowerCase());
  const known = INVITE_TRANSPORTS as readonly string[];
  const bad = list.find((t) => !known.includes(t));
  if (bad !== undefined) throw new Error(`${r.path}.inviteTransports: "${bad}" is not one of ${INVITE_TRANSPORTS.join(', ')}`);
  if (list.length === 0) throw new Error(`${r.path}.inviteTransports: name at least one transport`);
  return list as InviteTransport[];
}

function parseRate(r: Reader, d: RateLimit): RateLimit {
  r.known(['perSec', 'burst']);
  const perSec = r.raw('perSec') === undefined ? d.perSec : r.raw('perSec');
  if (typeof perSec !== 'number' || !(perSec > 0) || perSec > 10_000) throw new Error(`${r.path}.perSec: must be a number above 0 (at most 10000)`);
  return { perSec, burst: r.int('burst', d.burst, 1, 100_000) };
}
