import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { AudioForkServer } from './amd/live/audio-fork-server';
import type { App, Component } from './app';
import { ApprovalBoard } from './callback/approvals';
import { ApprovingDialer } from './callback/approving-dialer';
import { CallbackService } from './callback/callback-service';
import { StoreInteractionRecorder } from './callback/interaction-recorder';
import { startPushNotifier } from './callback/push-notifier';
import { QueueDispatchGate } from './callback/queue-gate';
import { Scheduler } from './callback/scheduler';
import { ServiceDefinitionError, ServiceRegistry } from './callback/service-registry';
import { SimulatedDialer } from './callback/simulated-dialer';
import { ConfigError, type AppConfig } from './config/app-config';
import { messageOf } from './errors';
import type { AgentCredentials } from './http/agent-sessions';
import { buildHttpApp } from './http/app';
import type { AgentDirectory } from './http/routes/agent-routes';
import type { DependencyStatus } from './http/routes/health-routes';
import type { WaitStatisticQueue } from './http/routes/statistic-routes';
import { Metrics } from './observability/metrics';
import type { InteractionRecord } from './ports/callbacks';
import type { Dialer } from './ports/dialer';
import { CustomerData } from './privacy/customer-data';
import { QueueService } from './queue/queue-service';
import { parseQueueOptions, QueueOptionsError } from './queue/parse-options';
import { QueueSampler, type TargetSnapshot } from './reporting/queue-sampler';
import { SignInThrottle, throttlePolicyFrom } from './security/sign-in-throttle';
import { observedThrottleEvents } from './security/throttle-events';
import { openStore } from './store/open-store';
import type { Store } from './store/store';
import { destinationPolicy, startTelephony, type Telephony } from './telephony';
import type { DestinationPolicy } from './telephony/sip-access';
import { deploymentEnvErrors } from './telephony/advertised-addresses';
import { defaultTelephonyConfig, parseTelephonyConfig, type TelephonyConfig } from './telephony/config';
import { checkDeploymentFromFiles } from './telephony/deployment-check';
import { ivrSettingsFor } from './telephony/ivr-settings';
import { checkPromptFiles, type PromptCheck } from './telephony/prompt-files';
import { systemClock, systemTimers, type Clock } from './time';
import { SupervisionService, type SupervisionPorts } from './supervision/supervision';
import { SupervisorPhones } from './supervision/supervisor-phones';
import { TransferDesk, type TransferStatus } from './flows/transfer';
import type { TransferDirectory } from './http/routes/agent-transfer-routes';

/*
 * Wiring in one place. `composeApp` reads the configuration; `buildApp` builds, in this order, each part
 * from the ones before it:
 *
 *   store      SQLite                                                      close
 *   core       services, callbacks, approvals, metrics, sign-in throttle,  start: retention, push; close
 *              customers' data
 *   queue      the dispatch gate, agents' directory, history sampler        start: sampler; close
 *   telephony  audio fork (AMD), drachtio-server, FreeSWITCH, the IVR,      close; health
 *              the callback dialer
 *   dispatch   the dialer (telephony's, simulated or none), the approval    start: scheduler; close
 *              steps in front of it, the scheduler
 *   http       Fastify plugins, each a factory given its dependencies       listen; closes itself
 *
 * `App.listen()` starts them in this order, `App.close()` closes them in reverse (HTTP first); a part
 * that fails to build closes the ones built before it. The one object made ahead of its part is the
 * QueueService (from the configuration alone), because the core's time slots read its staffing. The
 * callback service tells the scheduler what falls due through its `notices`, which the scheduler listens
 * to: the service exists before any dialer, the scheduler only after.
 */

/** each target's line and agents now, for the queue history */
export const queueSnapshot = (queue: QueueService): TargetSnapshot[] =>
  queue.targetNames().map((target) => {
    const s = queue.targetStats(target);
    return {
      target,
      waiting: s.waiting,
      ewtSec: s.ewtSec[queue.targetConfig(target).ewtMethod],
      agentsReady: s.agents.READY,
      agentsBusy: s.agents.RESERVED + s.agents.BUSY + s.agents.AFTER_CALL_WORK,
      staffed: s.staffed,
    };
  });

/**
 * A DID routes its calls to a service and a target; the service's callbacks go to its `_target`. They must
 * agree, or a caller would wait in one line and be called back from another: the first disagreement, named
 * by its config key, or undefined. Services the registry does not know, and `$token$` targets, pass.
 */
export function didTargetMismatch(dids: TelephonyConfig['dids'], serviceTarget: (service: string) => string | undefined): string | undefined {
  for (const [number, route] of Object.entries(dids)) {
    const target = serviceTarget(route.service);
    if (target === undefined || target.includes('$') || target === route.target) continue;
    return `telephony.dids.${number}.target: "${route.target}" does not match the _target "${target}" of its service "${route.service}" (callbacks of the service go to "${target}")`;
  }
  return undefined;
}

/** what the wait-time statistic reads of the queue */
export const waitStatisticQueue = (queue: QueueService): WaitStatisticQueue => ({
  hasTarget: (t) => queue.hasTarget(t),
  targetMethod: (t) => queue.targetConfig(t).ewtMethod,
  estimatedWaitSeconds: (t, m) => queue.estimatedWaitSeconds(t, m),
  waiting: (t) => queue.queueLength(t),
  readyAgents: (t) => queue.listAgents().filter((a) => a.state === 'READY' && a.targets.includes(t)).length,
});

/**
 * The queue's agents as the agent page sees them; `supervisor` (the mode) while a supervisor is on the
 * agent's call, when the config tells agents (`supervision.tellAgent`).
 */
export const agentDirectory = (
  queue: QueueService,
  passwordOf: (id: string) => string | undefined,
  supervised: (id: string) => { mode: string } | undefined = () => undefined,
  /** the transfer status of the agent's call (the page shows its consultation) */
  transferOf: (id: string) => TransferStatus | undefined = () => undefined,
): AgentDirectory & AgentCredentials => ({
  hasAgent: (id) => queue.hasAgent(id),
  getAgent: (id) => {
    const view = queue.getAgent(id);
    const notice = supervised(id);
    const transfer = transferOf(id);
    return { ...view, ...(notice ? { supervisor: notice } : {}), ...(transfer ? { transfer } : {}) };
  },
  wrappedUp: (id, disposition) => queue.wrappedUp(id, disposition),
  login: (id) => queue.login(id),
  logout: (id) => queue.logout(id),
  setReady: (id) => queue.setReady(id),
  setNotReady: (id) => queue.setNotReady(id),
  passwordOf,
});

/** whom an agent can transfer to: the queue's agents and targets */
const transferDirectory = (queue: QueueService): TransferDirectory => ({
  hasAgent: (id) => queue.hasAgent(id),
  listAgents: () => queue.listAgents().map((a) => ({ agentId: a.id, name: a.name, state: a.state })),
  targetNames: () => queue.targetNames(),
});

const asConfigError = (err: unknown): never => {
  if (err instanceof QueueOptionsError || err instanceof Error) throw new ConfigError(`invalid configuration: ${err.message}`);
  throw err;
};

/** The parts `buildApp` adds to the callback core; each absent part is left out. */
export interface Layers {
  clock?: Clock;
  /**
   * the queue (targets, agents, EWT): the scheduler's dispatch gate, approval steps before the dial, the
   * agent page, its REST routes and history. Absent: callbacks are dialed as they fall due (tests).
   */
  queue?: QueueService;
  /** the agent page's directory when no queue runs (tests) */
  agents?: AgentDirectory & AgentCredentials;
  /** with `dialer.kind: telephony` and no telephony part: the dialer to use (tests: a stand-in) */
  dialer?: Dialer;
  /** telephony.*: the IVR's thresholds (the wait statistic), and drachtio-server + FreeSWITCH when `enabled` (needs the queue) */
  telephony?: TelephonyConfig;
  /** deployment warnings for /health (already logged) */
  warnings?: () => string[];
  /** each interaction the IVR records, also handed here (e2e tests) */
  onInteraction?: (i: InteractionRecord) => void;
  /** supervisors on agents' calls; by default built over the queue and telephony (tests: over fakes) */
  supervision?: SupervisionService;
  /** where agents' transfer requests meet their calls; by default a new one (tests: one they drive) */
  transfers?: TransferDesk;
}

/**
 * The whole service from its configuration: the callback core; the queue (targets, agents, EWT) as the
 * scheduler's dispatch gate, the agent page's directory and its REST routes; telephony (drachtio-server,
 * FreeSWITCH, the IVR, the dialer, AMD over the audio fork) unless `telephony.enabled` is false.
 */
export async function composeApp(config: AppConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<App> {
  let queueOptions;
  let telephonyConfig: TelephonyConfig;
  try {
    queueOptions = parseQueueOptions({ targets: config.targets, agents: config.agents }, '');
    telephonyConfig = parseTelephonyConfig(config.telephony, 'telephony', env);
  } catch (err) {
    return asConfigError(err);
  }
  const envErrors = deploymentEnvErrors(env);
  if (envErrors.length > 0) throw new ConfigError(`invalid environment: ${envErrors.join('; ')}`);
  let deploymentWarnings: string[] = [];
  if (telephonyConfig.enabled) {
    const check = checkDeploymentFromFiles(env, telephonyConfig.trunk);
    deploymentWarnings = check.warnings;
    logger.info({ vars: check.source, ...check.addresses }, 'media addresses FreeSWITCH advertises');
    for (const w of check.warnings) logger.warn({ mediaIp: check.addresses?.mediaIp, trunk: telephonyConfig.trunk.proxy ?? telephonyConfig.trunk.uriTemplate }, w);
  }
  const queue = new QueueService(queueOptions, { logger });
  return buildApp(config, logger, { queue, telephony: telephonyConfig, warnings: () => deploymentWarnings });
}

/** an agent of the config whose `uri` the service may not call (telephony.access.agentHosts), named by its key */
export function agentUriRefusal(agents: readonly { id: string; uri?: string }[], policy: DestinationPolicy): string | undefined {
  for (const [i, a] of agents.entries()) {
    if (!a.uri) continue;
    const v = policy.check(a.uri);
    if (!v.ok) return `agents[${i}].uri: "${a.uri}" may not be called (${v.reason}; see telephony.access.agentHosts)`;
  }
  return undefined;
}

/** store → core → queue → telephony → dispatch → http (see the top of this file) */
export async function buildApp(config: AppConfig, logger: Logger, layers: Layers = {}): Promise<App> {
  const clock = layers.clock ?? systemClock;
  const built: Component[] = [];
  try {
    const store = await openStore(config.store);
    built.push(storeComponent(store));

    const core = await buildCore(config, logger, clock, store, layers.queue);
    built.push(core.component);

    // supervisors' phones and sessions: built below, read by the agents' directory and telephony when they run
    const supervisorPhones = new SupervisorPhones(
      config.supervision.supervisors.map((s) => ({ id: s.id, name: s.name ?? s.id, password: s.password })),
      clock,
    );
    const clash = layers.queue && config.supervision.supervisors.find((s) => layers.queue!.hasAgent(s.id));
    if (clash) throw new ConfigError(`invalid configuration: supervision.supervisors: "${clash.id}" is also an agent's id (their softphones register by id)`);
    let supervision: SupervisionService | undefined = layers.supervision;
    // agents' calls being transferred: their flows (telephony) and the agent page's routes meet here
    const transfers = layers.transfers ?? new TransferDesk();
    const queue = layers.queue ? queueLayer(layers.queue, config, logger, clock, store, core.metrics, (id) => supervision?.noticeFor(id), transfers) : undefined;
    if (queue) {
      built.push(queue.component);
      // before anything can change it (telephony's registrar, the scheduler, the REST API)
      await queue.restore();
    }
    await core.approvals.restore();
    const agents = queue?.agents ?? layers.agents;

    const telephonyConfig = layers.telephony;
    if (telephonyConfig) {
      const mismatch = didTargetMismatch(telephonyConfig.dids, (name) => core.services.get(name)?.settings.target);
      if (mismatch) throw new ConfigError(`invalid configuration: ${mismatch}`);
      const badUri = telephonyConfig.enabled && layers.queue ? agentUriRefusal(layers.queue.agentConfigs(), destinationPolicy(telephonyConfig)) : undefined;
      if (badUri) throw new ConfigError(`invalid configuration: ${badUri}`);
    }
    let telephony: TelephonyLayer | undefined;
    if (telephonyConfig?.enabled) {
      if (!layers.queue) throw new Error('telephony needs the queue');
      telephony = await telephonyLayer(telephonyConfig, { logger, store, core, queue: layers.queue, onInteraction: layers.onInteraction, supervisors: supervisorPhones, transfers });
      built.push(telephony.component);
    }
    if (!supervision && layers.queue) {
      const live = telephony?.telephony;
      supervision = new SupervisionService(supervisionPorts(layers.queue, supervisorPhones, live), clock, logger.child({ component: 'supervision' }), config.supervision.tellAgent);
      const s = supervision;
      built.push({ name: 'supervision', close: () => s.close() });
    }

    const dispatch = dispatchLayer(config, logger, clock, { store, core, queue: layers.queue, gate: queue?.gate, dialer: telephony?.telephony.dialer ?? layers.dialer, reserveTimeoutSec: telephonyConfig?.connect.reserveTimeoutSec });
    built.push(dispatch.component);
    // closed before the dispatch (which aborts the attempts): what is pending stays in the store for the next start
    built.push({ name: 'approvals', close: () => core.approvals.close() });

    const health = async (): Promise<Record<string, DependencyStatus>> =>
      Object.assign({}, ...(await Promise.all(built.map((c) => c.health?.() ?? {})))) as Record<string, DependencyStatus>;
    const ivrConfig = telephonyConfig ?? defaultTelephonyConfig();
    const http = await buildHttpApp({
      logger,
      store,
      services: core.services,
      callbacks: core.callbacks,
      metrics: core.metrics,
      health,
      warnings: layers.warnings,
      clients: config.auth.clients,
      clock,
      throttle: core.throttle,
      trustProxy: config.server.trustProxy,
      tls: config.server.tls,
      agentSessionTtlMs: config.security.agentSessionHours * 3600_000,
      customers: core.customers,
      approvals: core.approvals,
      agents: agents ? { directory: agents, credentials: agents, softphone: config.softphone } : undefined,
      transfers: layers.queue ? { transfers, directory: transferDirectory(layers.queue) } : undefined,
      queue: layers.queue
        ? {
            queue: layers.queue,
            statistic: {
              services: core.services,
              queue: waitStatisticQueue(layers.queue),
              availability: (service, q) => core.callbacks.availability(service, q),
              // the built-in IVR's threshold rule, so an outside IVR decides as it would
              threshold: (service) => {
                const s = ivrSettingsFor(ivrConfig, service, core.callbacks.serviceIvrOptions(service));
                return { sec: s.ewtThresholdSec, from: s.ewtThresholdFrom ?? 'telephony.ivr.ewtThresholdSec' };
              },
              clock,
            },
          }
        : undefined,
      supervision: supervision
        ? {
            supervision,
            softphone: () => ({ wsUrl: config.softphone.wsUrl, domain: config.softphone.domain, iceServers: config.softphone.iceServers ?? [], supervisors: supervisorPhones.list() }),
          }
        : undefined,
    });

    let closed = false;
    return {
      http,
      store,
      services: core.services,
      callbacks: core.callbacks,
      scheduler: dispatch.scheduler,
      metrics: core.metrics,
      dialer: dispatch.dialer,
      approvals: core.approvals,
      throttle: core.throttle,
      customers: core.customers,
      ...(telephony ? { telephony: telephony.telephony } : {}),
      async listen() {
        for (const c of built) await c.start?.();
        const address = await http.listen({ host: config.server.host, port: config.server.port });
        logger.info({ address }, 'REST API listening');
        return address;
      },
      async close() {
        if (closed) return;
        closed = true;
        await http.close();
        await closeAll(built);
      },
    };
  } catch (err) {
    await closeAll(built);
    if (layers.queue && !built.some((c) => c.name === 'queue')) layers.queue.close();
    throw err;
  }
}

/** close in reverse build order; one part failing to close does not keep the others open */
async function closeAll(built: Component[]): Promise<void> {
  for (const c of [...built].reverse()) {
    try {
      await c.close();
    } catch {
      /* closing anyway */
    }
  }
}

function storeComponent(store: Store): Component {
  return {
    name: 'store',
    close: () => store.close(),
    health: async () => {
      try {
        return { store: (await store.ping()) ? { state: 'up', detail: store.kind } : { state: 'down' } };
      } catch (err) {
        return { store: { state: 'down', detail: messageOf(err) } };
      }
    },
  };
}

interface Core {
  services: ServiceRegistry;
  callbacks: CallbackService;
  metrics: Metrics;
  approvals: ApprovalBoard;
  throttle: SignInThrottle;
  customers: CustomerData;
  component: Component;
}

/** the callback core over the store: services (seeded from the config), requests, approvals, metrics, throttle */
async function buildCore(config: AppConfig, logger: Logger, clock: Clock, store: Store, queue: QueueService | undefined): Promise<Core> {
  const targetNames = config.targets.flatMap((t) => (t && typeof t === 'object' && typeof (t as { name?: unknown }).name === 'string' ? [(t as { name: string }).name] : []));
  const services = await ServiceRegistry.open(store, targetNames);
  for (const [i, s] of config.services.entries()) {
    try {
      if (await services.seed(s.name, s.template, s.options, clock.now())) logger.info({ service: s.name }, 'service created from the config file');
    } catch (err) {
      if (err instanceof ServiceDefinitionError) throw new ConfigError(`invalid configuration: services[${i}].${err.message}`);
      throw err;
    }
  }
  const callbacks = new CallbackService(store, services, clock, logger, {
    ...(queue ? { slotCapacity: (target: string, slotStartMs: number, minutes: number) => (queue.hasTarget(target) ? queue.bucketCapacity(target, slotStartMs, minutes) : undefined) } : {}),
  });
  const metrics = new Metrics();
  const approvals = new ApprovalBoard(clock, systemTimers, { store, logger: logger.child({ module: 'approvals' }) });
  approvals.onEvent((e) => {
    if (e.outcome) metrics.approvalAnswered(e.approval.kind, e.outcome);
  });
  const throttle = new SignInThrottle(throttlePolicyFrom(config.security.throttle), clock, observedThrottleEvents(metrics, logger));
  const customers = new CustomerData(store, clock, config.retention, logger);
  let stopRetention = (): void => undefined;
  let stopPush = (): void => undefined;
  return {
    services,
    callbacks,
    metrics,
    approvals,
    throttle,
    customers,
    component: {
      name: 'core',
      start: () => {
        stopRetention = customers.start();
        stopPush = startPushNotifier({
          approvals,
          urlFor: async (_serviceName, callbackId) => {
            const c = await store.getCallback(callbackId);
            return (c && callbacks.settingsFor(c)?.pushNotificationUrl) || '';
          },
          publicBaseUrl: config.server.publicUrl ?? `http://localhost:${config.server.port}`,
          logger,
        });
      },
      close: () => {
        stopPush();
        stopRetention();
      },
    },
  };
}

/** the queue's part beyond its rules: the scheduler's gate, the agents' directory, metrics and history */
function queueLayer(queue: QueueService, config: AppConfig, logger: Logger, clock: Clock, store: Store, metrics: Metrics, supervised: (id: string) => { mode: string } | undefined, transfers: TransferDesk) {
  const passwordOf = (id: string) => queue.agentConfigs().find((a) => a.id === id)?.password;
  metrics.trackQueues(() => queue.targetNames().map((target) => ({ target, waiting: queue.queueLength(target), accuracy: queue.ewtAccuracy(target) })));
  const sampler = new QueueSampler({ store, snapshot: () => queueSnapshot(queue), everySec: config.history.sampleSec, retainHours: config.history.retainHours, logger });
  // the queue's state written through to the store, and taken back at start (a restart finds it again)
  const persistence = queue.persistTo({ store, owner: config.scheduler.instanceName ?? hostname(), logger });
  const restore = async (): Promise<void> => {
    const report = await persistence.restore(async (ids) => {
      const waiting = await Promise.all(ids.map(async (id) => ((await store.getCallback(id))?.state === 'QUEUED' ? id : undefined)));
      return new Set(waiting.filter((id): id is string => id !== undefined));
    });
    // a caller who waited in line when the service stopped: its call died with the process, recorded FAILED
    // (ended at this start: when the process died is not known)
    const now = clock.now();
    for (const c of report.droppedCallers) {
      await store.recordInteraction({ interactionId: c.contactId, target: c.target, startedAt: c.enqueuedAt, endedAt: Math.max(now, c.enqueuedAt), outcome: 'FAILED', attached: { endedBy: 'service-restart' } });
    }
    // several instances on one PostgreSQL: the agents' changes made on the others are taken in here
    await persistence.follow();
  };
  const component: Component = {
    name: 'queue',
    start: () => sampler.start(),
    close: async () => {
      sampler.stop();
      queue.close();
      await persistence.close();
    },
  };
  return { gate: new QueueDispatchGate(queue), agents: agentDirectory(queue, passwordOf, supervised, (id) => transfers.status(id)), component, restore };
}

interface TelephonyLayer {
  telephony: Telephony;
  component: Component;
}

/** the AMD audio-fork server, then drachtio-server and FreeSWITCH with the IVR and the callback dialer */
async function telephonyLayer(
  config: TelephonyConfig,
  deps: { logger: Logger; store: Store; core: Core; queue: QueueService; onInteraction: ((i: InteractionRecord) => void) | undefined; supervisors: SupervisorPhones; transfers: TransferDesk },
): Promise<TelephonyLayer> {
  const { logger, store, core, queue } = deps;
  // the prompt files, looked at again at most every 30 s (an install of the prompts shows without a restart)
  let prompts: { at: number; check: PromptCheck } | undefined;
  const promptHealth = (): PromptCheck => {
    if (!prompts || Date.now() - prompts.at > 30_000) prompts = { at: Date.now(), check: checkPromptFiles(config, existsSync) };
    return prompts.check;
  };
  const amd = new AudioForkServer({ port: config.audioFork.port, host: config.audioFork.host, speechDetector: config.audioFork.speechDetector, logger });
  await amd.listen();
  const recorder = new StoreInteractionRecorder(store, logger);
  const onInteraction = deps.onInteraction;
  const telephony = startTelephony({
    config,
    logger,
    callbacks: core.callbacks,
    interactions: onInteraction ? { record: async (i) => (onInteraction(i), recorder.record(i)) } : recorder,
    queue,
    amd,
    passwordOf: (id) => queue.agentConfigs().find((a) => a.id === id)?.password,
    throttle: core.throttle,
    sipEvents: core.metrics.sipEvents,
    supervisors: deps.supervisors,
    transfers: deps.transfers,
    targetEwtMethod: (target) => (queue.hasTarget(target) ? queue.targetConfig(target).ewtMethod : undefined),
  });
  return {
    telephony,
    component: {
      name: 'telephony',
      close: async () => {
        await telephony.close();
        await amd.close();
      },
      health: () => ({ ...telephony.health(), prompts: promptHealth() }),
    },
  };
}

/**
 * What supervision needs of the queue (which agent a call went to), the supervisors' phones and telephony
 * (the live calls, the supervisor's leg); without telephony there are no calls to join.
 */
function supervisionPorts(queue: QueueService, phones: SupervisorPhones, telephony: Telephony | undefined): SupervisionPorts {
  const agentIdOf = (uri: string) => queue.listAgents().find((a) => a.uri === uri || a.registration?.contactUri === uri)?.id;
  return {
    isSupervisor: (id) => phones.has(id),
    phoneOf: (id) => phones.contactOf(id),
    liveCalls: () =>
      (telephony?.liveCalls.list() ?? []).flatMap((c) => {
        const agentId = agentIdOf(c.agentUri);
        return agentId ? [{ agentId, callId: c.callId, customerCallId: c.customerCallId, since: c.since }] : [];
      }),
    listenIn: async (req) => (telephony ? telephony.supervision.listenIn({ ...req, callId: req.call.callId }) : { kind: 'failed', detail: 'telephony is off' }),
  };
}

/**
 * The dialer the configuration asks for (simulated, or telephony's; none that is never ready without it), the
 * approval steps in front of it when the queue runs (agent preview, customer confirmation reserve the
 * agent before the customer is called), and the scheduler that dials through them.
 */
function dispatchLayer(
  config: AppConfig,
  logger: Logger,
  clock: Clock,
  deps: { store: Store; core: Core; queue: QueueService | undefined; gate: QueueDispatchGate | undefined; dialer: Dialer | undefined; reserveTimeoutSec: number | undefined },
): { dialer: Dialer; scheduler: Scheduler; component: Component } {
  const { core, queue } = deps;
  let dialer: Dialer;
  if (config.dialer.kind === 'simulated') {
    // an attempt handed a reservation ends it as a real call would (and, with agentTalkMs, waits for an agent)
    dialer = new SimulatedDialer({ ...config.dialer.simulated, ...(queue ? { reservations: queue } : {}) });
  } else if (deps.dialer) {
    dialer = deps.dialer;
  } else {
    logger.warn('no telephony dialer is available: callbacks wait QUEUED until one is');
    dialer = { isReady: () => false, dial: async () => ({ outcome: 'FAILED', detail: 'no dialer' }) };
  }
  const steps = queue
    ? new ApprovingDialer({ inner: dialer, queue, approvals: core.approvals, reserveTimeoutMs: (deps.reserveTimeoutSec ?? 120) * 1000, clock, logger })
    : dialer;
  const scheduler = new Scheduler({
    store: deps.store,
    callbacks: core.callbacks,
    dialer: steps,
    clock,
    logger,
    gate: deps.gate,
    metrics: core.metrics,
    maxConcurrentAttempts: config.scheduler.maxConcurrentAttempts,
    holdRetryMs: config.scheduler.holdRetryMs,
    ...(config.scheduler.instanceName !== undefined ? { instanceName: config.scheduler.instanceName } : {}),
  });
  core.metrics.trackActiveAttempts(() => scheduler.activeAttempts);
  return { dialer, scheduler, component: { name: 'dispatch', start: () => scheduler.start(), close: () => scheduler.close() } };
}
