/**
 * Errors by meaning. A refused operation throws a `DomainError` whose `code` says what went wrong; the
 * HTTP edge (src/http/errors.ts) alone turns a code into a status, and in-process callers (the IVR)
 * branch on the code.
 */
export type ErrorCode =
  /** the input is wrong; `parameter` names it */
  | 'INVALID'
  /** the customer number is not one the service may call (format, allow/deny lists, premium rate) */
  | 'NUMBER_REFUSED'
  /** who is asking is not known (no or wrong credentials, expired session) */
  | 'UNAUTHENTICATED'
  /** who is asking is known but may not do this */
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  /** the thing exists but is in a state that refuses the operation (completed, revoked, taken...) */
  | 'CONFLICT'
  /** too many requests from one client or for one number; try later */
  | 'RATE_LIMITED'
  /** the requested time slot has no room left */
  | 'SLOT_FULL';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** the request parameter the error is about, when there is one */
    readonly parameter?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The message of anything thrown, for a detail stored or shown to a person (logs keep `{ err }` itself). */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
