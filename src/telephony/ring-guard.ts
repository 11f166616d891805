import type Srf from 'drachtio-srf';

/**
 * CANCELs an outgoing INVITE at the ring timeout or when `signal` aborts, once, whether the INVITE has
 * been sent yet or not (`onRequest` is the createUAC `cbRequest`). `reason` says why it was cancelled.
 */
export class RingGuard {
  private invite: Srf.SrfRequest | undefined;
  private why: string | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort = () => this.cancel('aborted');

  constructor(
    ringTimeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    this.timer = setTimeout(() => this.cancel('ring timeout'), ringTimeoutMs);
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** why the INVITE was cancelled, if it was */
  get reason(): string | undefined {
    return this.why;
  }

  /** drachtio-srf 5 calls cbRequest(err, req), whatever its typings say */
  readonly onRequest = ((_err: unknown, req?: Srf.SrfRequest) => {
    this.invite = req;
    if (this.why && req) cancelQuietly(req);
  }) as unknown as (req: Srf.SrfRequest) => void;

  /** the Call-ID of the INVITE, once sent */
  callId(): string | undefined {
    return this.invite?.get('Call-ID');
  }

  cancel(why: string): void {
    if (this.why) return;
    this.why = why;
    if (this.invite) cancelQuietly(this.invite);
  }

  /** the INVITE got its final answer: stop the timer and the abort listener */
  dispose(): void {
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this.onAbort);
  }
}

function cancelQuietly(req: Srf.SrfRequest): void {
  try {
    req.cancel(() => undefined);
  } catch {
    /* already final */
  }
}
