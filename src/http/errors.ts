import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError, type ErrorCode } from '../errors';
import { TooManyAttemptsError } from '../security/sign-in-throttle';

/** The one place a meaning becomes an HTTP status. */
const STATUS: Record<ErrorCode, number> = {
  INVALID: 400,
  NUMBER_REFUSED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  SLOT_FULL: 503,
};

/** the HTTP status a domain error answers with */
export const statusOf = (err: DomainError): number => STATUS[err.code];

/** An error the HTTP layer itself raises (bad query, no access): a domain error like any other. */
export class HttpError extends DomainError {
  constructor(code: ErrorCode, message: string, parameter?: string) {
    super(code, message, parameter);
    this.name = 'HttpError';
  }
}

/** Every error answers `{ statusCode, error, message, parameter? }`; 5xx are logged, never leak stacks. */
export function installErrorHandler(app: FastifyInstance, onReject?: (status: number) => void): void {
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    let status = 500;
    let parameter: string | undefined;
    let message = 'internal error';
    let retryAfterSec = 60;
    if (err instanceof DomainError) {
      status = statusOf(err);
      parameter = err.parameter;
      message = err.message;
      if (err instanceof TooManyAttemptsError) retryAfterSec = err.retryAfterSec;
    } else if ('validation' in err && err.validation) {
      status = 400;
      const v = err.validation[0];
      const p = v?.params as { missingProperty?: string; additionalProperty?: string } | undefined;
      const at = v?.instancePath ? v.instancePath.replace(/^\//, '').replace(/\//g, '.') : undefined;
      parameter = p?.additionalProperty ?? p?.missingProperty ?? at;
      const what = p?.additionalProperty ? `unknown key "${p.additionalProperty}"` : (v?.message ?? err.message);
      message = `${err.validationContext ?? 'request'}${at ? `.${at}` : ''}: ${what}`;
    } else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode < 500) {
      status = err.statusCode;
      message = err.message;
    }
    if (status >= 500) req.log.error({ err }, 'request failed');
    onReject?.(status);
    // a limiter that set its own Retry-After (per-key rate limits) keeps it
    if (status === 429 && !reply.hasHeader('retry-after')) void reply.header('retry-after', String(retryAfterSec));
    void reply.status(status).send({ statusCode: status, error: httpReason(status), message, ...(parameter ? { parameter } : {}) });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
}

const httpReason = (s: number): string =>
  ({ 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests', 503: 'Service Unavailable' })[s] ??
  (s >= 500 ? 'Internal Server Error' : 'Error');
