import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { AudioForkServer } from './amd/live/audio-fork-server';
import { createApp, type App } from './app';
import { ApprovingDialer } from './callback/approving-dialer';
import { StoreInteractionRecorder } from './callback/interaction-recorder';
import { SimulatedDialer } from './callback/simulated-dialer';
import { QueueDispatchGate } from './callback/queue-gate';
import { ConfigError, type AppConfig } from './config/app-config';
import type { AgentCredentials } from './http/agent-sessions';
import type { AgentDirectory } from './http/routes/agent-routes';
import { registerQueueRoutes } from './http/routes/queue-routes';
import { waitStatisticRoutes, type WaitStatisticQueue } from './http/routes/statistic-routes';
import { QueueService } from './queue/queue-service';
import { QueueSampler, type TargetSnapshot } from './reporting/queue-sampler';
import { parseQueueOptions, QueueOptionsError } from './queue/parse-options';
import { startTelephony, type Telephony } from './telephony';
import { deploymentEnvErrors } from './telephony/advertised-addresses';
import { parseTelephonyConfig, type TelephonyConfig } from './telephony/config';
import { checkDeploymentFromFiles } from './telephony/deployment-check';
import { ivrSettingsFor } from './telephony/ivr-settings';
import { checkPromptFiles, type PromptCheck } from './telephony/prompt-files';
import { systemClock } from './time';

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

/** the queue's agents as the agent page sees them */
export const agentDirectory = (queue: QueueService, passwordOf: (id: string) => string | undefined): AgentDirectory & AgentCredentials => ({
  hasAgent: (id) => queue.hasAgent(id),
  getAgent: (id) => queue.getAgent(id),
  login: (id) => queue.login(id),
  logout: (id) => queue.logout(id),
  setReady: (id) => queue.setReady(id),
  setNotReady: (id) => queue.setNotReady(id),
  passwordOf,
});

const asConfigError = (err: unknown): never => {
  if (err instanceof QueueOptionsError || err instanceof Error) throw new ConfigError(`invalid configuration: ${err.message}`);
  throw err;
};

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
  // the prompt files, looked at again at most every 30 s (an install of the prompts shows without a restart)
  let prompts: { at: number; check: PromptCheck } | undefined;
  const promptHealth = (): PromptCheck => {
    if (!prompts || Date.now() - prompts.at > 30_000) prompts = { at: Date.now(), check: checkPromptFiles(telephonyConfig, existsSync) };
    return prompts.check;
  };
  if (telephonyConfig.enabled) {
    const check = checkDeploymentFromFiles(env, telephonyConfig.trunk);
    deploymentWarnings = check.warnings;
    logger.info({ vars: check.source, ...check.addresses }, 'media addresses FreeSWITCH advertises');
    for (const w of check.warnings) logger.warn({ mediaIp: check.addresses?.mediaIp, trunk: telephonyConfig.trunk.proxy ?? telephonyConfig.trunk.uriTemplate }, w);
  }
  const queue = new QueueService(queueOptions, { logger });
  const passwordOf = (id: string) => queue.agentConfigs().find((a) => a.id === id)?.password;
  const agents = agentDirectory(queue, passwordOf);

  let sampler: QueueSampler | undefined;
  let amd: AudioForkServer | undefined;
  let telephony: Telephony | undefined;
  if (telephonyConfig.enabled) {
    amd = new AudioForkServer({ port: telephonyConfig.audioFork.port, host: telephonyConfig.audioFork.host, logger });
    await amd.listen();
  }
  return createApp({
    config,
    logger,
    extend: async ({ store, callbacks, services, approvals, metrics, throttle }) => {
      const mismatch = didTargetMismatch(telephonyConfig.dids, (name) => services.get(name)?.settings.target);
      if (mismatch) {
        await amd?.close();
        throw new ConfigError(`invalid configuration: ${mismatch}`);
      }
      callbacks.attachSlotCapacity((target, slotStartMs, minutes) => (queue.hasTarget(target) ? queue.bucketCapacity(target, slotStartMs, minutes) : undefined));
      metrics.trackQueues(() => queue.targetNames().map((target) => ({ target, waiting: queue.queueLength(target), accuracy: queue.ewtAccuracy(target) })));
      sampler = new QueueSampler({ store, snapshot: () => queueSnapshot(queue), everySec: config.history.sampleSec, retainHours: config.history.retainHours, logger });
      sampler.start();
      if (amd && telephonyConfig) {
        telephony = startTelephony({
          config: telephonyConfig,
          logger,
          callbacks,
          interactions: new StoreInteractionRecorder(store, logger),
          queue,
          amd,
          passwordOf,
          throttle,
          targetEwtMethod: (target) => (queue.hasTarget(target) ? queue.targetConfig(target).ewtMethod : undefined),
        });
      }
      return {
        dialer: telephony?.dialer,
        gate: new QueueDispatchGate(queue),
        // agent preview and customer confirmation reserve the agent before the dialer calls the customer
        wrapDialer: (inner) => {
          if (inner instanceof SimulatedDialer) inner.reservations = queue;
          return new ApprovingDialer({
            inner,
            queue,
            approvals,
            reserveTimeoutMs: (telephonyConfig?.connect.reserveTimeoutSec ?? 120) * 1000,
            clock: systemClock,
            logger,
          });
        },
        agents,
        health: telephony ? () => ({ ...telephony!.health(), prompts: promptHealth() }) : undefined,
        warnings: () => deploymentWarnings,
        extraRoutes: async (app, { audit }) => {
          registerQueueRoutes(app, queue, audit);
          await app.register(
            waitStatisticRoutes({
              services,
              queue: waitStatisticQueue(queue),
              availability: (service, q) => callbacks.availability(service, q),
              // the built-in IVR's threshold rule, so an outside IVR decides as it would
              threshold: (service) => {
                const s = ivrSettingsFor(telephonyConfig, service, callbacks.serviceIvrOptions(service));
                return { sec: s.ewtThresholdSec, from: s.ewtThresholdFrom ?? 'telephony.ivr.ewtThresholdSec' };
              },
              clock: systemClock,
            }),
          );
        },
        close: async () => {
          sampler?.stop();
          await telephony?.close();
          await amd?.close();
          queue.close();
        },
      };
    },
  });
}
