import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { RegistrarSettings } from './config';
import { systemClock, type Clock } from '../time';
import { challenge, NonceIssuer, verifyDigest } from './digest';
import type { SignInAttempt, SignInThrottle } from '../security/sign-in-throttle';
import { requestFacts } from './inbound';
import type { DestinationPolicy } from './sip-access';
import { noSipEvents, type SipEvents } from './sip-events';
import type { SipGuard } from './sip-guard';

/** the registrar's defences (issue 15): all optional, so a bare registrar still works in tests */
export interface RegistrarGuards {
  /** rate limit per source, size; records the sources softphones register from */
  guard?: SipGuard;
  /** a Contact the service may not call (telephony.access.agentHosts) is refused 403 */
  destinations?: DestinationPolicy;
  events?: SipEvents;
}

/** what the queue offers for softphone registrations (src/queue QueueService) */
export interface RegistrationSink {
  setRegistration(agentId: string, contactUri: string, expiresAtMs: number): void;
  clearRegistration(agentId: string): void;
}

/**
 * Agents' softphones REGISTER here with digest auth (user = agentId; password from `registrar.users`, else the
 * queue's agent config). The expiry is
 * clamped to [minExpiresSec, maxExpiresSec] (423 below the minimum) and handed to the queue, which lets the
 * registration lapse by itself: an agent whose registration lapsed is not reserved.
 * Wrong passwords count in the sign-in throttle the agent page uses (same account: `agent:<user>`, source: the
 * sender's address); while it refuses, REGISTERs with credentials get 403 with Retry-After, unchecked.
 * Before that, `guards.guard` rate limits each source (503 + Retry-After) and refuses oversized messages (413);
 * after it, a Contact outside `telephony.access.agentHosts` is refused 403 (an agent's password must not let
 * its holder make the service call a number of their choosing).
 */
export function handleRegister(
  srf: Srf,
  settings: RegistrarSettings,
  passwordOf: ((agentId: string) => string | undefined) | undefined,
  sink: RegistrationSink, logger: Logger, clock: Clock = systemClock, throttle?: SignInThrottle, guards: RegistrarGuards = {}): void {
  const nonces = new NonceIssuer(300_000, clock);
  const events = guards.events ?? noSipEvents;
  srf.use('register', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
    const log = logger.child({ callId: req.get('Call-ID'), method: 'REGISTER' });
    if (guards.guard) {
      const facts = requestFacts(req);
      const g = guards.guard.register(facts);
      if (!g.ok) {
        if (g.kind) events.refused(g.kind);
        log.info({ source: facts.source, port: facts.port, status: g.status, kind: g.kind, why: g.why }, 'REGISTER refused');
        res.send(g.status, { headers: g.headers ?? {} });
        return;
      }
    }
    const authorization = req.get('Authorization') || undefined;
    const user = authorization ? /username\s*=\s*"([^"]*)"/i.exec(authorization)?.[1] : undefined;
    const attempt: SignInAttempt | undefined = user === undefined ? undefined : { kind: 'sip-register', account: `agent:${user}`, source: req.source_address };
    const refusal = attempt && throttle?.refusal(attempt);
    if (refusal) {
      events.refused('register_locked_out');
      res.send(403, 'Too Many Failed Attempts', { headers: { 'Retry-After': String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))) } });
      return;
    }
    const v = verifyDigest(authorization, 'REGISTER', settings.realm, (u) => settings.users[u] ?? passwordOf?.(u), nonces);
    // only a wrong secret counts: a first REGISTER without credentials, a stale or foreign nonce are not guesses
    if (attempt && v.ok) throttle?.succeeded(attempt);
    else if (attempt && !v.ok && (v.reason === 'wrong password' || v.reason.startsWith('unknown user'))) throttle?.failed(attempt);
    if (!v.ok) {
      if (v.reason !== 'no credentials' && !v.stale && v.reason !== 'nonce not ours') events.refused('register_bad_credentials');
      if (v.reason !== 'no credentials') log.info({ reason: v.reason, source: req.source_address }, 'REGISTER refused');
      res.send(401, { headers: { 'WWW-Authenticate': challenge(settings.realm, nonces.issue(), v.stale) } });
      return;
    }
    const agentId = v.username;
    const contacts = req.getParsedHeader('Contact') as unknown as { uri: string; params?: Record<string, string> }[] | undefined;
    const contactRaw = req.has('Contact') ? req.get('Contact').trim() : '';
    const contact = contacts?.[0];
    const headerExpires = req.has('Expires') ? Number(req.get('Expires')) : undefined;
    const requested = Number(contact?.params?.expires ?? headerExpires ?? settings.maxExpiresSec);
    if (contactRaw === '*' || requested === 0) {
      sink.clearRegistration(agentId);
      guards.guard?.softphones.remove(req.source_address, req.source_port);
      log.info({ agentId }, 'agent unregistered');
      res.send(200);
      return;
    }
    if (!contact?.uri) {
      // a query: nothing to change
      res.send(200);
      return;
    }
    const allowed = guards.destinations?.check(contact.uri);
    if (allowed && !allowed.ok) {
      events.refused('contact_not_allowed');
      log.warn({ agentId, contact: contact.uri, reason: allowed.reason }, 'REGISTER refused: the service may not call this contact');
      res.send(403, 'Contact Not Allowed', {});
      return;
    }
    if (requested < settings.minExpiresSec) {
      res.send(423, { headers: { 'Min-Expires': String(settings.minExpiresSec) } });
      return;
    }
    const expires = Math.min(requested, settings.maxExpiresSec);
    try {
      sink.setRegistration(agentId, contact.uri, clock.now() + expires * 1000);
    } catch (err) {
      log.warn({ agentId, err }, 'registration refused by the queue');
      res.send(404);
      return;
    }
    guards.guard?.softphones.add(req.source_address, req.source_port, clock.now() + expires * 1000);
    log.info({ agentId, contact: contact.uri, expires }, 'agent registered');
    res.send(200, { headers: { Contact: `<${contact.uri}>;expires=${expires}`, Expires: String(expires) } });
  });
}
