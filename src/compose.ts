import type { Logger } from 'pino';
import { createApp, type App } from './app';
import { QueueDispatchGate } from './callback/queue-gate';
import { ConfigError, type AppConfig } from './config/app-config';
import { QueueService } from './queue/queue-service';
import { parseQueueOptions, QueueOptionsError } from './queue/types';

/**
 * The whole service from its configuration: the callback core, the queue (targets, agents, EWT) as its
 * dispatch gate and the agent page's directory, and telephony when it is configured.
 */
export async function composeApp(config: AppConfig, logger: Logger): Promise<App> {
  let queueOptions;
  try {
    queueOptions = parseQueueOptions({ targets: config.targets, agents: config.agents }, '');
  } catch (err) {
    if (err instanceof QueueOptionsError) throw new ConfigError(`invalid configuration: ${err.message}`);
    throw err;
  }
  const queue = new QueueService(queueOptions, { logger });
  const agents = Object.assign(Object.create(queue) as QueueService, {
    passwordOf: (id: string) => queue.agentConfigs().find((a) => a.id === id)?.password,
  });
  return createApp({
    config,
    logger,
    extend: () => {
      return {
        gate: new QueueDispatchGate(queue),
        agents,
        close: async () => queue.close(),
      };
    },
  });
}
