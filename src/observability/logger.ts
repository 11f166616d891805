import pino, { type Logger } from 'pino';

/** '+14155552671' -> '+*******2671': every digit but the last four hidden */
export function maskNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const digits = value.replace(/\D/g, '').length;
  let seen = 0;
  return value.replace(/\d/g, (d) => (++seen > digits - 4 ? d : '*'));
}

/** the fields that carry a customer's phone number, at the top of a line or one level down */
const NUMBER_FIELDS = ['customerNumber', 'ani', '_customer_number', 'customer_number'];

export interface LoggerOptions {
  /** customers' numbers shown by their last four digits only (default true) */
  maskNumbers?: boolean;
}

/** One structured JSON line per event; callbackId / callId are set by the code that knows them. */
export function createLogger(level: string, destination?: pino.DestinationStream, opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level,
      base: { app: 'sip-callback' },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(opts.maskNumbers === false ? {} : { redact: { paths: NUMBER_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: maskNumber } }),
    },
    destination,
  );
}
