import type { Logger } from 'pino';
import type { InteractionOutcome, InteractionRecord, InteractionRecorder } from '../ports/callbacks';

/** the inbound call as the flows know it when it arrives */
export interface InboundCall {
  interactionId: string;
  ani?: string;
  dnis?: string;
  startedAt: number;
}

/**
 * How an inbound interaction ended, recorded (so reports tell callbacks from abandons) and logged once.
 * A failed write is logged, never thrown: the call is over either way.
 */
export async function recordInteraction(
  callId: string,
  info: InboundCall,
  end: { serviceName: string; target: string; outcome: InteractionOutcome; attached: Record<string, string | number>; endedAt: number },
  recorder: InteractionRecorder,
  log: Logger,
): Promise<InteractionRecord> {
  const record: InteractionRecord = {
    interactionId: info.interactionId,
    callId,
    ...(info.ani ? { ani: info.ani } : {}),
    ...(info.dnis ? { dnis: info.dnis } : {}),
    serviceName: end.serviceName,
    target: end.target,
    startedAt: info.startedAt,
    endedAt: end.endedAt,
    outcome: end.outcome,
    attached: end.attached,
  };
  await recorder.record(record).catch((err: unknown) => log.error({ err }, 'could not record the interaction'));
  log.info({ outcome: record.outcome }, 'interaction recorded');
  return record;
}
