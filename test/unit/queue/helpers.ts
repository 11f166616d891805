import { targetConfig } from '../../../src/queue/parse-options';
import { QueueService } from '../../../src/queue/queue-service';
import { VirtualTime } from '../../../src/time';
import type { AgentConfig, TargetConfig } from '../../../src/queue/types';
import type { ContactKind, QueuedContact } from '../../../src/ports/queue';

export const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);

export interface Bench {
  q: QueueService;
  vt: VirtualTime;
}

/** a queue on virtual time; agents get static URIs unless `uri: undefined` is given */
export function bench(targets: TargetConfig[], agents: Partial<AgentConfig>[]): Bench {
  const vt = new VirtualTime(T0);
  let n = 0;
  const q = new QueueService(
    {
      targets,
      agents: agents.map((a, i) => ({ id: a.id ?? `a${i + 1}`, name: a.name ?? `Agent ${i + 1}`, targets: a.targets ?? [targets[0]!.name], ...('uri' in a ? (a.uri ? { uri: a.uri } : {}) : { uri: `sip:${a.id ?? `a${i + 1}`}@pbx` }) })),
    },
    { clock: vt, timers: vt, newId: () => `r${++n}` },
  );
  return { q, vt };
}

export const sales = (o: Partial<Omit<TargetConfig, 'name'>> = {}) => targetConfig('sales', o);

export const contact = (contactId: string, kind: ContactKind, enqueuedAt: number, extra: Partial<QueuedContact> = {}): QueuedContact => ({
  contactId,
  kind,
  target: 'sales',
  enqueuedAt,
  ...extra,
});

/** let promise continuations run */
export const settle = () => new Promise<void>((r) => setImmediate(r));

/** follow a promise without awaiting it: `w.settled`, `w.value` */
export function watch<T>(p: Promise<T>): { settled: boolean; value: T | undefined } {
  const w: { settled: boolean; value: T | undefined } = { settled: false, value: undefined };
  void p.then((v) => {
    w.settled = true;
    w.value = v;
  });
  return w;
}
