import { newId } from './ids';
import type { Logger } from 'pino';
import {
  CallbackRequestError,
  type CallbackRequester,
  type ServiceIvrOptions,
  type StartCallbackResult,
  type UserOriginatedMatch,
} from '../ports/callbacks';
import type { InteractionAttachment, Store } from '../store/store';
import type { Clock } from '../time';
import { checkCustomerNumber } from './customer-number';
import { WindowRateLimiter } from './rate-limiter';
import { reportingKeys } from './reporting-keys';
import { OptionError, REQUEST_PARAMETERS, SPEC_BY_GMS, toSettings, validateOption, type ServiceSettings } from './service-options';
import type { ConfiguredService, ServiceRegistry } from './service-registry';
import type { CallbackRecord, CallbackState, CompletionReason } from '../ports/callback-records';
import { BusinessHours } from './business-hours';
import { GroupCommit } from './group-commit';
import { DispatchNotices } from './dispatch-notices';

export type { SchedulerHooks } from './dispatch-notices';

/**
 * Scheduled callbacks a target's planned agents can take in a time slot (the queue's staffing: planned agents ×
 * slot length ÷ mean handle time); undefined when the target has no staffing configured.
 */
export type SlotCapacity = (target: string, slotStartMs: number, minutes: number) => number | undefined;

export interface Availability {
  /** slot start (ISO 8601 UTC) -> remaining capacity */
  slots: Record<string, number>;
  bucketMinutes: number;
  timezone: string;
}

interface ValidatedStart {
  service: ConfiguredService;
  settings: ServiceSettings;
  customerNumber: string;
  desiredTime: number | null;
  request: Partial<Record<(typeof REQUEST_PARAMETERS)[number], string>>;
  userData: Record<string, string>;
  overrides: Record<string, unknown>;
  clientId: string;
  now: number;
  /** the originating interaction is a call of this service's own IVR, which records its end itself */
  ownInteraction: boolean;
}

/** How a callback was requested, beyond its GMS parameters. */
export interface StartOptions {
  /**
   * true for this service's own IVR: its call goes on (thank-you prompt, BYE) and the flow records how it
   * ended. Otherwise (an outside IVR over REST) the originating interaction ends as CALLBACK on acceptance.
   */
  ownInteraction?: boolean;
}

const MAX_USER_DATA_KEYS = 64;
const MAX_USER_DATA_LENGTH = 1024;
const USER_KEY_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const PAST_GRACE_MS = 60_000;
/** `$name$` in a service option: replaced by the request's `name` parameter (GMS token variables) */
const TOKEN_RE = /\$([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\$/g;
const DAY_MS = 86_400_000;

/**
 * The callback application service: every way a callback is requested, read or changed goes through here
 * (REST API and IVR alike), so validation and safety rules are the same for all.
 */
export class CallbackService implements CallbackRequester {
  private readonly perClient = new WindowRateLimiter(60_000);
  /** a callback fell due, left the line, must stop: what the scheduler listens to (`notices.listen`) */
  readonly notices = new DispatchNotices();
  /** time slots also hold no more scheduled callbacks per target than its staffing can take (the queue's) */
  private readonly slotCapacity: SlotCapacity | undefined;

  constructor(
    private readonly store: Store,
    private readonly services: ServiceRegistry,
    private readonly clock: Clock,
    private readonly logger: Logger,
    opts: { slotCapacity?: SlotCapacity } = {},
  ) {
    this.slotCapacity = opts.slotCapacity;
    this.writer = new GroupCommit<ValidatedStart, StartCallbackResult>({
      transaction: (fn) => this.store.transaction(fn),
      apply: (v) => this.commitStart(v),
      // batches commit side by side where the store can (PostgreSQL); those touching the same number or slots wait for each other
      lock: (items) => this.store.lockKeys(items.flatMap((v) => startLocks(v))),
      concurrency: store.concurrentTransactions,
    });
  }

  service(name: string): ConfiguredService {
    const s = this.services.get(name);
    if (!s) throw new CallbackRequestError('NOT_FOUND', undefined, `unknown callback service "${name}"`);
    return s;
  }

  startCallback(serviceName: string, params: Record<string, string>, clientId: string, opts: StartOptions = {}): Promise<StartCallbackResult> {
    return this.start(serviceName, params, clientId, opts);
  }

  /**
   * Validate a request, then store it. Resolves only once the callback is durable. Checks that depend on
   * what is stored (an active callback for the number, the per-number limit, the slot's capacity) run
   * inside the commit, so concurrent requests for the same number cannot both get in.
   */
  start(serviceName: string, params: Record<string, unknown>, clientId: string, opts: StartOptions = {}): Promise<StartCallbackResult> {
    try {
      return this.writer.submit({ ...this.validateStart(serviceName, params, clientId), ownInteraction: opts.ownInteraction === true });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private readonly writer: GroupCommit<ValidatedStart, StartCallbackResult>;

  private validateStart(serviceName: string, params: Record<string, unknown>, clientId: string): Omit<ValidatedStart, 'ownInteraction'> {
    const service = this.service(serviceName);
    const now = this.clock.now();
    const { overrides, userData, request } = this.splitParams(service, params);
    const settings = Object.keys(overrides).length ? this.settingsWith(service, overrides) : service.settings;
    const businessHours = overrides._business_hours !== undefined ? BusinessHours.from(settings.businessHours) : service.businessHours;

    const rawNumber = request._customer_number;
    if (rawNumber === undefined || rawNumber === '') {
      throw new CallbackRequestError('INVALID', '_customer_number', '_customer_number: missing (the number to call back is required)');
    }
    const verdict = checkCustomerNumber(rawNumber, settings);
    if (!verdict.ok) throw new CallbackRequestError('NUMBER_REFUSED', '_customer_number', `_customer_number: "${rawNumber}" ${verdict.reason}`);

    let desiredTime: number | null = null;
    if (request._desired_time !== undefined) {
      if (!settings.allowScheduling) {
        throw new CallbackRequestError('INVALID', '_desired_time', `_desired_time: service "${service.name}" takes immediate callbacks only (template ${service.template})`);
      }
      desiredTime = this.parseDesiredTime('_desired_time', request._desired_time, service, businessHours, now);
    } else if (!businessHours.isOpen(now)) {
      throw new CallbackRequestError('INVALID', '_desired_time', `_desired_time: the service is outside business hours now (${businessHours.timezone}); request a time inside them`);
    }

    if (!this.perClient.tryHit(clientId, settings.rateLimitPerClientPerMinute, now)) {
      throw new CallbackRequestError('RATE_LIMITED', undefined, `rate limit: client "${clientId}" sent more than ${settings.rateLimitPerClientPerMinute} requests this minute`);
    }
    return { service, settings, customerNumber: verdict.e164, desiredTime, request, userData, overrides, clientId, now };
  }

  private async commitStart(v: ValidatedStart): Promise<StartCallbackResult> {
    const { service, settings, customerNumber, desiredTime, request, now } = v;
    const { active, requestsSince: perNumber } = await this.store.numberStatus(service.name, customerNumber, now - DAY_MS);
    if (settings.reuseActiveCallback) {
      if (active) {
        const keys = reportingKeys(active);
        // the new originating call is reported like the first: it led to this callback
        const attach = this.originatingAttachment(request._originating_interaction_id, active, v, now);
        if (attach) await this.store.attachToInteraction(attach);
        this.logger.info(
          { callbackId: active.id, service: service.name, originatingInteractionId: request._originating_interaction_id },
          'callback request matched an active callback',
        );
        return { id: active.id, reporting: keys, existing: true };
      }
    }
    if (perNumber >= settings.rateLimitPerNumberPerDay) {
      throw new CallbackRequestError('RATE_LIMITED', '_customer_number', `rate limit: ${customerNumber} already has ${perNumber} callback requests in the last 24 hours`);
    }
    if (desiredTime !== null) await this.checkSlotCapacity(v.request._desired_time !== undefined ? '_desired_time' : '_new_desired_time', desiredTime, service, settings);

    const serviceStart = desiredTime ?? now;
    const state: CallbackState = desiredTime !== null && desiredTime > now ? 'SCHEDULED' : 'QUEUED';
    const callback: CallbackRecord = {
      id: newId(now),
      serviceName: service.name,
      customerNumber,
      state,
      reason: request._callback_reason ?? null,
      requestReason: request._callback_reason ?? null,
      direction: settings.callDirection,
      target: settings.target,
      desiredTime,
      acceptedAt: now,
      serviceStart,
      expirationTime: serviceStart + settings.maxTimeToReachCustomerSec * 1000,
      nextAttemptAt: serviceStart,
      attempts: 0,
      originatingInteractionId: request._originating_interaction_id ?? null,
      clientId: v.clientId,
      userData: v.userData,
      overrides: v.overrides,
      updatedAt: now,
    };
    const keys = reportingKeys(callback);
    await this.store.insertCallback(
      callback,
      [{ type: 'CREATED', at: now, data: { clientId: v.clientId, desiredTime, state } }],
      this.originatingAttachment(callback.originatingInteractionId ?? undefined, callback, v, now),
    );
    this.logger.info(
      { callbackId: callback.id, service: service.name, state, desiredTime, originatingInteractionId: callback.originatingInteractionId },
      'callback accepted',
    );
    this.notices.due(serviceStart);
    return { id: callback.id, reporting: keys, existing: false };
  }

  /** the reporting keys for the originating interaction; an outside IVR's interaction ends as CALLBACK now */
  private originatingAttachment(interactionId: string | undefined, c: CallbackRecord, v: ValidatedStart, now: number): InteractionAttachment | undefined {
    if (!interactionId) return undefined;
    return {
      interactionId,
      callbackId: c.id,
      attached: { ...reportingKeys(c) },
      ...(v.ownInteraction ? {} : { endAsCallback: { at: now, serviceName: v.service.name, target: c.target } }),
    };
  }

  async get(serviceName: string, id: string): Promise<CallbackRecord> {
    this.service(serviceName);
    const c = await this.store.getCallback(id);
    if (!c || c.serviceName !== serviceName) {
      throw new CallbackRequestError('NOT_FOUND', '_id', `no callback "${id}" in service "${serviceName}"`);
    }
    return c;
  }

  async cancel(serviceName: string, id: string): Promise<CallbackRecord> {
    const c = await this.get(serviceName, id);
    if (c.state === 'COMPLETED') {
      throw new CallbackRequestError('CONFLICT', '_id', `callback "${id}" is already COMPLETED (${c.reason ?? 'no reason'}) and cannot be cancelled`);
    }
    if (c.state === 'ROUTING' || c.state === 'PROCESSING') {
      // the running attempt ends as CANCELLED through the scheduler, which records the attempt too
      await this.notices.cancelRunning(id);
      const after = await this.store.getCallback(id);
      if (after && after.state === 'COMPLETED') return after;
    }
    return this.complete(id, 'CANCELLED', ['SCHEDULED', 'QUEUED', 'ROUTING', 'PROCESSING'], 'CANCELLED');
  }

  /** the capacity check and the change commit together: two reschedules cannot both take a slot's last place */
  async reschedule(serviceName: string, id: string, params: Record<string, unknown>): Promise<CallbackRecord> {
    const service = this.service(serviceName);
    const { updated, from } = await this.store.transaction(() => this.rescheduleInStore(service, id, params));
    if (from === 'QUEUED') this.notices.left(updated);
    this.notices.due(updated.nextAttemptAt ?? updated.serviceStart);
    return updated;
  }

  private async rescheduleInStore(service: ConfiguredService, id: string, params: Record<string, unknown>): Promise<{ updated: CallbackRecord; from: CallbackState }> {
    const serviceName = service.name;
    const c = await this.get(serviceName, id);
    const raw = params._new_desired_time;
    for (const key of Object.keys(params)) {
      if (key !== '_new_desired_time') throw new CallbackRequestError('INVALID', key, `${key}: not accepted by reschedule (only _new_desired_time)`);
    }
    if (raw === undefined || raw === '') throw new CallbackRequestError('INVALID', '_new_desired_time', '_new_desired_time: missing');
    if (c.state !== 'SCHEDULED' && c.state !== 'QUEUED') {
      throw new CallbackRequestError('CONFLICT', '_id', `callback "${id}" is ${c.state} and can no longer be rescheduled`);
    }
    const settings = Object.keys(c.overrides).length ? this.settingsWith(service, c.overrides) : service.settings;
    if (!settings.allowScheduling) {
      throw new CallbackRequestError('INVALID', '_new_desired_time', `_new_desired_time: service "${service.name}" takes immediate callbacks only`);
    }
    const now = this.clock.now();
    const desiredTime = this.parseDesiredTime('_new_desired_time', raw, service, service.businessHours, now);
    await this.store.lockKeys(slotLocks(service.name, settings.target));
    await this.checkSlotCapacity('_new_desired_time', desiredTime, service, settings, c.id);
    const updated: CallbackRecord = {
      ...c,
      state: 'SCHEDULED',
      desiredTime,
      serviceStart: desiredTime,
      expirationTime: desiredTime + settings.maxTimeToReachCustomerSec * 1000,
      nextAttemptAt: desiredTime,
      updatedAt: now,
    };
    const ok = await this.store.applyChange({
      callback: updated,
      expectStates: ['SCHEDULED', 'QUEUED'],
      events: [{ type: 'RESCHEDULED', at: now, data: { from: c.desiredTime, to: desiredTime } }],
    });
    if (!ok) throw new CallbackRequestError('CONFLICT', '_id', `callback "${id}" moved on while being rescheduled; try again`);
    // the originating interactions' keys follow the callback (GMS: _CB_T_SERVICE_START is the scheduled time)
    const relinked = await this.store.updateCallbackInteractions(id, { _CB_T_SERVICE_START: reportingKeys(updated)._CB_T_SERVICE_START });
    this.logger.info({ callbackId: id, service: serviceName, desiredTime, interactionsUpdated: relinked }, 'callback rescheduled');
    return { updated, from: c.state };
  }

  async search(serviceName: string, filter: { customerNumber?: string; states?: CallbackState[]; from?: number; to?: number; limit: number; offset?: number }): Promise<CallbackRecord[]> {
    const service = this.service(serviceName);
    let customerNumber = filter.customerNumber;
    if (customerNumber !== undefined) {
      const v = checkCustomerNumber(customerNumber, { ...service.settings, allowedCountries: [], allowedNumberPatterns: [], deniedNumberPrefixes: [], deniedNumberTypes: [] });
      if (!v.ok) throw new CallbackRequestError('NUMBER_REFUSED', '_customer_number', `_customer_number: "${customerNumber}" ${v.reason}`);
      customerNumber = v.e164;
    }
    return this.store.searchCallbacks({ ...filter, serviceName, customerNumber });
  }

  async availability(serviceName: string, q: { start?: number; end?: number; maxSlots: number }): Promise<Availability> {
    const service = this.service(serviceName);
    const { settings, businessHours } = service;
    const bucketMs = settings.requestTimeBucketMin * 60_000;
    const now = this.clock.now();
    const start = Math.max(q.start ?? now, now);
    const end = q.end ?? start + DAY_MS;
    if (end <= start) throw new CallbackRequestError('INVALID', '_end', '_end: must be after _start (and after now)');
    if (end - start > 31 * DAY_MS) throw new CallbackRequestError('INVALID', '_end', '_end: at most 31 days after _start');
    const first = Math.ceil(start / bucketMs) * bucketMs;
    const counts = await this.store.bucketCounts(service.name, bucketMs, first, end);
    const byTarget = this.slotCapacity ? await this.store.bucketCountsByTarget(settings.target, bucketMs, first, end) : undefined;
    const slots: Record<string, number> = {};
    let n = 0;
    for (let t = first; t < end && n < q.maxSlots; t += bucketMs) {
      if (!businessHours.isOpen(t)) continue;
      let remaining = settings.maxRequestByTimeBucket - (counts.get(t) ?? 0);
      const staffed = this.slotCapacity?.(settings.target, t, settings.requestTimeBucketMin);
      if (staffed !== undefined) remaining = Math.min(remaining, staffed - (byTarget?.get(t) ?? 0));
      if (remaining <= 0) continue;
      slots[new Date(t).toISOString()] = remaining;
      n++;
    }
    return { slots, bucketMinutes: settings.requestTimeBucketMin, timezone: businessHours.timezone };
  }

  /** the service's `_ewt_threshold`, `_ewt_method` and `_connect_mode` as set now (the registry's cache: admin changes included) */
  serviceIvrOptions(serviceName: string): ServiceIvrOptions | undefined {
    const service = this.services.get(serviceName);
    if (!service) return undefined;
    const { ewtThresholdSec, ewtMethod, connectMode } = service.settings;
    return {
      ...(ewtThresholdSec !== undefined ? { ewtThresholdSec } : {}),
      ...(ewtMethod ? { ewtMethod } : {}),
      ...(connectMode ? { connectMode } : {}),
    };
  }

  /** settings of the service as overridden by the callback's request (for the scheduler) */
  settingsFor(c: CallbackRecord): ServiceSettings | undefined {
    const service = this.services.get(c.serviceName);
    if (!service) return undefined;
    return Object.keys(c.overrides).length ? this.settingsWith(service, c.overrides) : service.settings;
  }

  async findUserOriginatedCallback(callerId: string, dialed: { number: string; service: string }): Promise<UserOriginatedMatch | null> {
    // the caller's number AND the number dialed: only the service that number routes to
    const service = this.services.get(dialed.service);
    if (!service || service.settings.callDirection !== 'USERORIGINATED') return null;
    const v = checkCustomerNumber(callerId, { ...service.settings, allowedCountries: [], allowedNumberPatterns: [], deniedNumberPrefixes: [], deniedNumberTypes: [] });
    if (!v.ok) return null;
    const c = await this.store.findActiveCallback(service.name, v.e164);
    if (!c || c.state !== 'QUEUED') return null;
    return { callbackId: c.id, serviceName: c.serviceName, target: c.target, enqueuedAt: c.acceptedAt, userData: c.userData };
  }

  async completeUserOriginatedCallback(callbackId: string, outcome: 'CONNECTED_TO_AGENT' | 'CUSTOMER_HANGUP' | 'FAILED', interactionId: string): Promise<void> {
    const reason: CompletionReason = outcome === 'CONNECTED_TO_AGENT' ? 'CONNECTED_TO_AGENT' : outcome === 'CUSTOMER_HANGUP' ? 'CUSTOMER_HANGUP' : 'USER_ORIGINATED_FAILED';
    await this.complete(callbackId, reason, ['QUEUED', 'ROUTING', 'PROCESSING'], 'STATE_CHANGED', { interactionId });
  }

  private async complete(id: string, reason: CompletionReason, from: CallbackState[], eventType: 'CANCELLED' | 'STATE_CHANGED', data: Record<string, unknown> = {}): Promise<CallbackRecord> {
    const c = await this.store.getCallback(id);
    if (!c) throw new CallbackRequestError('NOT_FOUND', '_id', `no callback "${id}"`);
    const now = this.clock.now();
    const updated: CallbackRecord = { ...c, state: 'COMPLETED', reason, nextAttemptAt: null, updatedAt: now };
    const ok = await this.store.applyChange({ callback: updated, expectStates: from, events: [{ type: eventType, at: now, reason, data: { from: c.state, ...data } }] });
    if (!ok) throw new CallbackRequestError('CONFLICT', '_id', `callback "${id}" moved on meanwhile; query it again`);
    this.notices.left(c);
    this.logger.info({ callbackId: id, service: c.serviceName, reason }, 'callback completed');
    return updated;
  }

  private splitParams(service: ConfiguredService, params: Record<string, unknown>) {
    const overrides: Record<string, unknown> = {};
    const userData: Record<string, string> = {};
    const request: Partial<Record<(typeof REQUEST_PARAMETERS)[number], string>> = {};
    for (const [key, value] of Object.entries(params)) {
      if (key.startsWith('_')) {
        if ((REQUEST_PARAMETERS as readonly string[]).includes(key)) {
          if (typeof value !== 'string' && typeof value !== 'number') {
            throw new CallbackRequestError('INVALID', key, `${key}: must be a string`);
          }
          request[key as (typeof REQUEST_PARAMETERS)[number]] = String(value);
          continue;
        }
        if (!SPEC_BY_GMS.has(key)) throw new CallbackRequestError('INVALID', key, `${key}: unknown option`);
        if (!service.settings.overwritableOptions.includes(key)) {
          throw new CallbackRequestError('INVALID', key, `${key}: service "${service.name}" does not allow requests to override it (_overwritable_options)`);
        }
        try {
          overrides[key] = validateOption(key, value, key);
        } catch (err) {
          if (err instanceof OptionError) throw new CallbackRequestError('INVALID', key, err.message);
          throw err;
        }
        continue;
      }
      if (!USER_KEY_RE.test(key)) throw new CallbackRequestError('INVALID', key, `${key}: user data keys are 1-64 letters, digits, dot, dash or underscore`);
      if (value !== null && typeof value === 'object') throw new CallbackRequestError('INVALID', key, `${key}: user data values must be strings, numbers or booleans`);
      const s = String(value ?? '');
      if (s.length > MAX_USER_DATA_LENGTH) throw new CallbackRequestError('INVALID', key, `${key}: longer than ${MAX_USER_DATA_LENGTH} characters`);
      userData[key] = s;
      if (Object.keys(userData).length > MAX_USER_DATA_KEYS) throw new CallbackRequestError('INVALID', key, `more than ${MAX_USER_DATA_KEYS} user data keys`);
    }
    this.resolveTokens(service, params, overrides);
    return { overrides, userData, request };
  }

  /**
   * GMS token variables: a service option whose value holds `$name$` takes the request's `name` parameter
   * there (e.g. `_target: "$queue$"` with `queue=billing` in the request). The result is validated like any
   * override; a request that leaves a token unresolved is refused, naming the parameter it lacks.
   */
  private resolveTokens(service: ConfiguredService, params: Record<string, unknown>, overrides: Record<string, unknown>): void {
    for (const [gms, value] of Object.entries(service.effectiveOptions)) {
      if (typeof value !== 'string' || !value.includes('$') || gms in overrides) continue;
      const resolved = value.replace(TOKEN_RE, (_, name: string) => {
        const given = params[name];
        if (given === undefined || given === null || given === '') {
          throw new CallbackRequestError('INVALID', name, `${name}: missing (service "${service.name}" sets ${gms} to "${value}")`);
        }
        return String(given);
      });
      if (resolved === value) continue;
      try {
        overrides[gms] = validateOption(gms, resolved, gms);
      } catch (err) {
        if (err instanceof OptionError) throw new CallbackRequestError('INVALID', gms, err.message);
        throw err;
      }
      if (gms === '_target' && !this.services.isKnownTarget(resolved)) throw new CallbackRequestError('INVALID', '_target', this.services.unknownTargetMessage(resolved));
    }
  }

  private settingsWith(service: ConfiguredService, overrides: Record<string, unknown>): ServiceSettings {
    try {
      return toSettings({ ...service.effectiveOptions, ...overrides });
    } catch (err) {
      if (err instanceof OptionError) throw new CallbackRequestError('INVALID', err.parameter, err.message);
      throw err;
    }
  }

  private parseDesiredTime(param: string, raw: unknown, service: ConfiguredService, businessHours: BusinessHours, now: number): number {
    if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/.test(raw)) {
      throw new CallbackRequestError('INVALID', param, `${param}: "${String(raw)}" is not an ISO 8601 date-time with a time zone (e.g. 2026-12-01T15:30:00.000Z)`);
    }
    const t = Date.parse(raw);
    if (Number.isNaN(t)) throw new CallbackRequestError('INVALID', param, `${param}: "${raw}" is not a valid date-time`);
    if (t < now - PAST_GRACE_MS) throw new CallbackRequestError('INVALID', param, `${param}: ${raw} is in the past`);
    if (!businessHours.isOpen(t)) {
      throw new CallbackRequestError('INVALID', param, `${param}: ${raw} is outside the business hours of service "${service.name}" (${businessHours.timezone})`);
    }
    return t;
  }

  /** 503 when the time slot of `t` is full (not counting `excludeId`, a callback moving within its own slot) */
  private async checkSlotCapacity(param: string, t: number, service: ConfiguredService, settings: ServiceSettings, excludeId?: string): Promise<void> {
    const bucketMs = settings.requestTimeBucketMin * 60_000;
    const bucket = Math.floor(t / bucketMs) * bucketMs;
    const taken = (await this.store.bucketCounts(service.name, bucketMs, bucket, bucket + bucketMs)).get(bucket) ?? 0;
    const mine = excludeId ? await this.store.getCallback(excludeId) : undefined;
    const alreadyInBucket = mine?.desiredTime != null && Math.floor(mine.desiredTime / bucketMs) * bucketMs === bucket ? 1 : 0;
    if (taken - alreadyInBucket >= settings.maxRequestByTimeBucket) {
      throw new CallbackRequestError('SLOT_FULL', param, `${param}: the ${settings.requestTimeBucketMin}-minute slot at ${new Date(bucket).toISOString()} is full (${settings.maxRequestByTimeBucket} callbacks); see /availability`);
    }
    const staffed = this.slotCapacity?.(settings.target, bucket, settings.requestTimeBucketMin);
    if (staffed === undefined) return;
    const takenByTarget = (await this.store.bucketCountsByTarget(settings.target, bucketMs, bucket, bucket + bucketMs)).get(bucket) ?? 0;
    const mineInTarget = alreadyInBucket && mine?.target === settings.target ? 1 : 0;
    if (takenByTarget - mineInTarget >= staffed) {
      throw new CallbackRequestError(
        'SLOT_FULL',
        param,
        `${param}: the ${settings.requestTimeBucketMin}-minute slot at ${new Date(bucket).toISOString()} is full for target "${settings.target}" (its planned staffing takes ${staffed} callbacks); see /availability`,
      );
    }
  }
}

/** what a start request's checks read: the number's callbacks (reuse, per-number limit), and the slots when scheduled */
function startLocks(v: ValidatedStart): string[] {
  return [`number:${v.customerNumber}`, ...(v.desiredTime !== null ? slotLocks(v.service.name, v.settings.target) : [])];
}

/** a scheduled time's capacity checks: the service's slots and its target's */
const slotLocks = (service: string, target: string): string[] => [`slots:service:${service}`, `slots:target:${target}`];
