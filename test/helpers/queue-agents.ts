import { parseQueueOptions } from '../../src/queue/parse-options';
import { agentDirectory } from '../../src/compose';
import { QueueService } from '../../src/queue/queue-service';

/** a real QueueService with one target and agents who have softphone passwords, as the agent page sees it */
export function queueWithAgents(agents: { id: string; password: string }[]) {
  const queue = new QueueService(
    parseQueueOptions(
      { targets: [{ name: 'support' }], agents: agents.map((a) => ({ id: a.id, name: a.id, targets: ['support'], password: a.password, uri: `sip:${a.id}@127.0.0.1` })) },
      'test',
    ),
  );
  const passwordOf = (id: string) => queue.agentConfigs().find((a) => a.id === id)?.password;
  return { queue, agents: agentDirectory(queue, passwordOf) };
}
