import { setMaxListeners } from 'node:events';

/**
 * A connection's loss as an AbortSignal, looked up by the object that is the connection (a drachtio-fsmrf
 * MediaServer, a drachtio-srf Srf). The owner of the connection tracks it each time it connects and aborts
 * it when it gives the connection up; every call leg using it listens, and ends its call as a failure.
 */
const controllers = new WeakMap<object, AbortController>();
const never = new AbortController().signal;

/** a new loss signal for `connection` (replacing the one of an earlier connection); abort it on loss */
export function trackLoss(connection: object): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal); // one listener per call leg
  controllers.set(connection, c);
  return c;
}

/** aborted (reason: an Error saying why) once `connection` is lost; never, for an untracked one */
export function lossOf(connection: object | undefined): AbortSignal {
  return (connection && controllers.get(connection)?.signal) || never;
}
