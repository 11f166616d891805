import type { TransferDesk } from '../flows/transfer';
import type { Logger } from 'pino';
import { CallbackDialer } from '../flows/callback-dial';
import type { IvrDeps } from '../flows/ivr-offer';
import { playable, resolvePrompts } from '../flows/prompts';
import type { CallbackRequester, InteractionRecorder } from '../ports/callbacks';
import type { Dialer } from '../ports/dialer';
import type { EwtMethod, QueuePort } from '../ports/queue';
import { FsAgentCalls } from './agent-calls';
import type { AudioForkLike } from './call-leg';
import { serviceTelephony, srtpGlobals, type TelephonyConfig } from './config';
import { TrunkCustomerCalls } from './customer-calls';
import { DrachtioConnection } from './drachtio-connection';
import { handleInbound, handleStrayRequests } from './inbound';
import { ivrConnectModeFor, ivrSettingsFor } from './ivr-settings';
import { MediaServerPool } from './media-servers';
import { handleRegister, type RegistrationSink } from './registrar';
import { FsSupervisionCalls, LiveAgentCalls } from './supervision-calls';
import type { SupervisorPhones } from '../supervision/supervisor-phones';
import type { SignInThrottle } from '../security/sign-in-throttle';
import { systemClock, systemTimers, type Clock, type TimerScheduler } from '../time';
import { DestinationPolicy, SoftphoneSources } from './sip-access';
import { noSipEvents, type SipEvents } from './sip-events';
import { SipGuard } from './sip-guard';

export type { AudioForkLike, AmdSessionLike } from './call-leg';
export type { TelephonyConfig } from './config';
export { parseTelephonyConfig, telephonyConfigFromEnv, defaultTelephonyConfig } from './config';

export interface TelephonyDeps {
  config: TelephonyConfig;
  logger: Logger;
  callbacks: CallbackRequester;
  interactions: InteractionRecorder;
  /** the queue; its setRegistration/clearRegistration (when present) receive softphone registrations */
  queue: QueuePort & Partial<RegistrationSink>;
  amd: AudioForkLike;
  /** agents' digest passwords (the queue's agent config) when `registrar.users` does not list them */
  passwordOf?: (agentId: string) => string | undefined;
  /** a target's own EWT method (the queue's config), to name it in the IVR's log when the service sets none */
  targetEwtMethod?: (target: string) => EwtMethod | undefined;
  clock?: Clock;
  /** the dialer's AMD and beep timeouts, the media servers' reconnection */
  timers?: TimerScheduler;
  /** wrong REGISTER passwords count here, with the agent page's sign-ins */
  throttle?: SignInThrottle;
  /** supervisors' softphones register here, not with the queue (their ids are not agents') */
  supervisors?: Pick<SupervisorPhones, 'has' | 'passwordOf' | 'setRegistration' | 'clearRegistration'>;
  /** agents' transfer requests reach their calls here (the agent page's routes ask it) */
  transfers?: TransferDesk;
  /** SIP refusals and in-call requests, by kind (the app's /metrics) */
  sipEvents?: SipEvents;
}

/** where agent calls may go: telephony.access.agentHosts, never the trunk */
export const destinationPolicy = (config: TelephonyConfig): DestinationPolicy =>
  new DestinationPolicy(config.access, [config.trunk.uriTemplate, ...(config.trunk.proxy ? [config.trunk.proxy] : [])], 'telephony.access.agentHosts');

export interface DependencyHealth {
  state: 'up' | 'down';
  detail?: string;
}

export interface Telephony {
  /** places outbound callback attempts; isReady() is false while drachtio-server or every FreeSWITCH is down */
  dialer: Dialer;
  /** `drachtio` and `freeswitch` (up when at least one media server is up; detail lists each) */
  health(): Record<string, DependencyHealth>;
  /** agents' calls in progress, and supervisors joining them (listen, whisper, barge) */
  liveCalls: LiveAgentCalls;
  supervision: FsSupervisionCalls;
  close(): Promise<void>;
}

/** longest wait for an AMD decision before it counts as NOTSURE */
const AMD_TIMEOUT_MS = 10_000;
/** longest wait for an answering machine's beep before the message is left anyway */
const BEEP_TIMEOUT_MS = 30_000;

/**
 * The telephony layer: connects to drachtio-server and the FreeSWITCH media servers (retrying for as long as
 * the app runs, never throwing when they are absent), answers the configured DIDs with the IVR offer, takes
 * agents' REGISTERs, and returns the Dialer the scheduler uses for outbound callbacks.
 */
export function startTelephony(deps: TelephonyDeps): Telephony {
  const { config, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemTimers;
  const log = logger.child({ component: 'telephony' });
  const drachtio = new DrachtioConnection({ ...config.drachtio, retryMaxDelayMs: config.retryMaxDelayMs }, log);
  const media = new MediaServerPool(drachtio.srf, config.mediaServers, log, config.retryMaxDelayMs, undefined, { clock, timers }, undefined, srtpGlobals(config.trunk.srtp));
  const srf = drachtio.srf;

  const events = deps.sipEvents ?? noSipEvents;
  const destinations = destinationPolicy(config);
  const guard = new SipGuard(config.access, config.limits, new SoftphoneSources(() => clock.now()), clock, deps.throttle);
  if (config.access.trunksDefaulted && Object.keys(config.dids).length > 0) {
    log.warn({ trunks: config.access.trunks }, 'telephony.access.trunks is not set: INVITEs are taken from loopback and private networks only, others get 403 (list your trunks\' addresses; docs/telephony.md "Who may call")');
  }

  const liveCalls = new LiveAgentCalls();
  const agents = new FsAgentCalls(srf, config.trunk.codecs, log, undefined, resolvePrompts(config.prompts.dir, config.prompts, {}).holdMusic, liveCalls, destinations, events);
  const supervision = new FsSupervisionCalls(srf, liveCalls, config.trunk.codecs, log);
  const customers = new TrunkCustomerCalls(srf, media, config.trunk, deps.amd, log, events);
  const promptsFor = (service: string) => resolvePrompts(config.prompts.dir, config.prompts, serviceTelephony(config, service).prompts);
  const connectDeps = { queue: deps.queue, agents, clock, settings: config.connect, ...(deps.transfers ? { transfers: deps.transfers } : {}) };

  const dialer = new CallbackDialer({
    ...connectDeps,
    timers,
    customers,
    holdPrompt: config.prompts.pleaseHold,
    holdMusic: config.prompts.holdMusic,
    service: (name) => {
      const s = serviceTelephony(config, name);
      return {
        machine: s.machine,
        notSure: s.notSure,
        noSpeech: s.noSpeech,
        prompts: promptsFor(name),
        ...(s.answerCheck ? { answerCheck: { ...s.answerCheck, prompt: playable(config.prompts.dir, s.answerCheck.prompt) } } : {}),
        ...(s.callerId ? { callerId: s.callerId } : {}),
        ...(s.pAssertedIdentity ? { pAssertedIdentity: s.pAssertedIdentity } : {}),
      };
    },
    amdTimeoutMs: AMD_TIMEOUT_MS,
    beepTimeoutMs: BEEP_TIMEOUT_MS,
    isReady: () => drachtio.isUp && media.anyUp,
    orphanedCallMs: config.trunk.orphanedCallSec * 1000,
    logger: log,
    // a callback whose service sets no _connect_mode (the scheduler then sends none)
    connectMode: config.connect.mode,
  });

  // called for every inbound call: the service's options are read then, so admin API changes apply to the next call
  const serviceIvrOptions = (service: string) => {
    try {
      return deps.callbacks.serviceIvrOptions?.(service);
    } catch (err) {
      log.warn({ service, err }, "the service's IVR options are unknown; telephony config only");
      return undefined;
    }
  };
  const ivrDeps = (service: string): IvrDeps => {
    const prompts = promptsFor(service);
    const options = serviceIvrOptions(service);
    return {
      ...connectDeps,
      callbacks: deps.callbacks,
      interactions: deps.interactions,
      prompts,
      holdPrompt: prompts.pleaseHold,
      holdMusic: prompts.holdMusic,
      ivr: ivrSettingsFor(config, service, options),
      ...ivrConnectModeFor(config, options),
      ...(deps.targetEwtMethod ? { targetEwtMethod: deps.targetEwtMethod } : {}),
    };
  };

  const active = new Set<Promise<unknown>>();
  handleInbound(srf, media, config, ivrDeps, log, active, guard, events);
  handleStrayRequests(srf, log, events);
  const { setRegistration, clearRegistration } = deps.queue;
  if (config.registrar.enabled && setRegistration && clearRegistration) {
    // a supervisor's softphone registers with the supervisors, an agent's with the queue
    const sup = deps.supervisors;
    const passwordOf = (id: string) => (sup?.has(id) ? sup.passwordOf(id) : deps.passwordOf?.(id));
    const sink: RegistrationSink = {
      setRegistration: (id, uri, expiresAt) => (sup?.has(id) ? sup.setRegistration(id, uri, expiresAt) : setRegistration.call(deps.queue, id, uri, expiresAt)),
      clearRegistration: (id) => (sup?.has(id) ? sup.clearRegistration(id) : clearRegistration.call(deps.queue, id)),
    };
    handleRegister(srf, config.registrar, passwordOf, sink, log, clock, deps.throttle, { guard, destinations, events });
  } else if (config.registrar.enabled) {
    log.warn('the queue takes no registrations: REGISTER is not served');
  }

  drachtio.start();
  media.start();

  return {
    dialer,
    liveCalls,
    supervision,
    health() {
      const d = drachtio.status();
      const servers = media.status();
      const detail = Object.entries(servers)
        .map(([name, s]) => `${name} ${s.state}${s.state === 'down' && s.detail ? ` (${s.detail})` : ` (${s.active} endpoints)`}`)
        .join('; ');
      return {
        drachtio: { state: d.state, detail: `${config.drachtio.host}:${config.drachtio.port}${d.detail ? ` ${d.detail}` : ''}` },
        freeswitch: { state: media.anyUp ? 'up' : 'down', detail },
      };
    },
    async close() {
      // calls in progress get a short while to finish their current step and record themselves
      await Promise.race([Promise.allSettled([...active]), new Promise((r) => setTimeout(r, 2000).unref())]);
      media.close();
      drachtio.close();
    },
  };
}
