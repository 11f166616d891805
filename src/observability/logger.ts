import pino, { type Logger } from 'pino';

/** One structured JSON line per event; callbackId / callId are set by the code that knows them. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { app: 'sip-callback' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
