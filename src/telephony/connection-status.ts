/** The up/down state of one connection, as /health and the metrics show it. */
export interface ConnectionStatus {
  state: 'up' | 'down';
  /** epoch ms of the last change */
  since: number;
  detail?: string;
}

/** capped exponential backoff: 250 ms, 500 ms, 1 s ... up to `maxMs` */
export const backoffMs = (attempt: number, maxMs: number): number => Math.min(maxMs, 250 * 2 ** Math.min(attempt, 16));
