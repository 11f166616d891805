import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseAmdParams } from '../amd/params';
import type { EwtMethod } from '../ports/queue';
import type { CallDirection } from '../ports/callback-records';
import { messageOf } from '../errors';

/**
 * The catalog of service options: GMS names at the edge (config, admin API, request overrides),
 * camelCase inside. This file is the one place where the two are mapped.
 */

export const RETRYABLE_OUTCOMES = [
  'BUSY',
  'NO_ANSWER',
  'MACHINE',
  'NO_SPEECH',
  'NOTSURE',
  'FAX',
  'REJECTED',
  'UNREACHABLE',
  'AGENT_UNAVAILABLE',
  'CUSTOMER_HANGUP',
  'USER_DECLINED',
  'NO_CONFIRMATION',
  'FAILED',
] as const;
export type RetryableOutcome = (typeof RETRYABLE_OUTCOMES)[number];

const TimeRange = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d-([01]\\d|2[0-4]):[0-5]\\d$' });
const Weekday = Type.Optional(Type.Array(TimeRange));
export const BusinessHoursSchema = Type.Object(
  {
    timezone: Type.String({ minLength: 1 }),
    weekly: Type.Object(
      { mon: Weekday, tue: Weekday, wed: Weekday, thu: Weekday, fri: Weekday, sat: Weekday, sun: Weekday },
      { additionalProperties: false },
    ),
    holidays: Type.Optional(Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }))),
  },
  { additionalProperties: false },
);
export type BusinessHoursConfig = Static<typeof BusinessHoursSchema>;

const retryProps = Object.fromEntries(
  RETRYABLE_OUTCOMES.map((o) => [o.toLowerCase(), Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]))]),
);
const RetrySchema = Type.Object(retryProps, { additionalProperties: false });

interface OptionSpec<K extends string = string> {
  gms: string;
  key: K;
  schema: TSchema;
  description: string;
}

const opt = <K extends string>(gms: string, key: K, schema: TSchema, description: string): OptionSpec<K> => ({
  gms,
  key,
  schema,
  description,
});

export const OPTION_SPECS = [
  opt('_call_direction', 'callDirection', Type.Union([Type.Literal('USERTERMINATED'), Type.Literal('USERORIGINATED')]), 'USERTERMINATED: the service calls the customer; USERORIGINATED: the customer calls in when told.'),
  opt('_wait_for_agent', 'waitForAgent', Type.Boolean(), 'Reserve an agent before calling the customer.'),
  opt('_wait_for_user_confirm', 'waitForUserConfirm', Type.Boolean(), 'Wait for the customer to confirm availability (needs _wait_for_agent).'),
  opt('_agent_preview', 'agentPreview', Type.Boolean(), 'The reserved agent accepts the callback before the customer is dialed (Preview; needs _wait_for_agent).'),
  opt('_agent_preview_timeout', 'agentPreviewTimeoutSec', Type.Integer({ minimum: 5, maximum: 600 }), 'Seconds the agent has to accept or reject a preview.'),
  opt('_agent_preview_allow_reject', 'agentPreviewAllowReject', Type.Boolean(), 'The agent may reject a preview (the next agent gets it).'),
  opt('_agent_preview_timeout_set_notready', 'agentPreviewTimeoutSetNotReady', Type.Boolean(), 'An agent who lets a preview lapse goes NOT_READY.'),
  opt('_user_confirm_timeout', 'userConfirmTimeoutSec', Type.Integer({ minimum: 5, maximum: 600 }), 'Seconds the customer has to confirm once an agent is ready (_wait_for_user_confirm).'),
  opt('_push_notification_url', 'pushNotificationUrl', Type.String({ pattern: '^(https?://.+)?$' }), 'URL the service POSTs the confirmation request to (empty: only the live event stream).'),
  opt('_allow_scheduling', 'allowScheduling', Type.Boolean(), 'Requests may carry _desired_time (Delayed templates).'),
  opt('_target', 'target', Type.String({ minLength: 1 }), 'The queue (target) whose agents handle the callback.'),
  opt('_max_number_of_attempts', 'maxNumberOfAttempts', Type.Integer({ minimum: 1, maximum: 50 }), 'Dial attempts before MAX_ATTEMPTS_REACHED.'),
  opt('_max_time_to_reach_customer', 'maxTimeToReachCustomerSec', Type.Integer({ minimum: 60 }), 'Seconds after the service start after which the callback EXPIRES.'),
  opt('_request_time_bucket', 'requestTimeBucketMin', Type.Union([5, 10, 15, 20, 30, 60, 120].map((n) => Type.Literal(n))), 'Minutes per scheduling time slot.'),
  opt('_max_request_by_time_bucket', 'maxRequestByTimeBucket', Type.Integer({ minimum: 1 }), 'Scheduled callbacks allowed per time slot.'),
  opt('_business_hours', 'businessHours', Type.Union([BusinessHoursSchema, Type.Null()]), 'Opening hours (time zone, weekly ranges, holidays); null = always open.'),
  opt('_retry', 'retry', RetrySchema, 'Per attempt outcome: seconds before the next attempt, or null for no retry.'),
  opt('_overwritable_options', 'overwritableOptions', Type.Array(Type.String({ pattern: '^_' })), 'Options a request may override.'),
  opt('_default_country', 'defaultCountry', Type.String({ pattern: '^[A-Z]{2}$' }), 'Country for numbers given without + (ISO 3166 alpha-2).'),
  opt('_allowed_countries', 'allowedCountries', Type.Array(Type.String({ pattern: '^[A-Z]{2}$' })), 'Countries the service may dial; empty = any.'),
  opt('_allowed_number_patterns', 'allowedNumberPatterns', Type.Array(Type.String()), 'Regular expressions on the E.164 number; empty = any.'),
  opt('_denied_number_prefixes', 'deniedNumberPrefixes', Type.Array(Type.String({ pattern: '^\\+\\d+$' })), 'E.164 prefixes never dialed.'),
  opt('_denied_number_types', 'deniedNumberTypes', Type.Array(Type.String()), 'libphonenumber types never dialed (PREMIUM_RATE, SHARED_COST...).'),
  opt('_reuse_active_callback', 'reuseActiveCallback', Type.Boolean(), 'A request for a number with an active callback returns the existing _id.'),
  opt('_rate_limit_per_number', 'rateLimitPerNumberPerDay', Type.Integer({ minimum: 1 }), 'Requests per customer number per 24 h.'),
  opt('_rate_limit_per_client', 'rateLimitPerClientPerMinute', Type.Integer({ minimum: 1 }), 'Requests per API client per minute.'),
  opt(
    '_connect_mode',
    'connectMode',
    Type.Union([Type.Literal('bridge'), Type.Literal('refer')]),
    'How the customer (a callback\'s, or a caller the IVR queues) is connected to the agent: bridge or refer. Unset: telephony.connect.mode (bridge). A browser (WebRTC) agent is always bridged (docs/telephony.md).',
  ),
  opt(
    '_ewt_threshold',
    'ewtThresholdSec',
    Type.Integer({ minimum: 0 }),
    'IVR: offer a callback when the estimated wait is more than this many seconds (at equal, the caller waits). Unset: telephony.ivr.ewtThresholdSec (120); telephony.services.<service>.ewtThresholdSec, when set, wins (docs/telephony.md).',
  ),
  opt(
    '_ewt_method',
    'ewtMethod',
    Type.Union([Type.Literal(''), Type.Literal('simple'), Type.Literal('erlang'), Type.Literal('erlang-a')]),
    'IVR: how the estimated wait of this service\'s calls is computed: simple, erlang or erlang-a (docs/queue.md). Unset or empty: the target\'s own ewtMethod.',
  ),
  opt('_caller_id', 'callerId', Type.String(), 'Caller ID presented to the customer.'),
  opt('_ring_timeout', 'ringTimeoutSec', Type.Integer({ minimum: 5, maximum: 300 }), 'Seconds to ring the customer.'),
  opt(
    '_disposition_codes',
    'dispositionCodes',
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 50, uniqueItems: true }),
    'Wrap-up: the disposition codes the agent picks from after a call of this service (agent page; stored with the attempt, in the history and reports).',
  ),
  opt(
    '_wrap_up_time',
    'wrapUpTimeSec',
    Type.Integer({ minimum: 0, maximum: 3600 }),
    'Wrap-up: seconds of after-call work after a callback\'s call with an agent, after which the agent goes READY by itself (0: at once). Unset: the target\'s afterCallWorkSec.',
  ),
  opt('_amd', 'amd', Type.Record(Type.String(), Type.Unknown()), 'Answering-machine detection settings and actions (see docs/amd.md).'),
] as const;

type Specs = typeof OPTION_SPECS;
export type OptionKey = Specs[number]['key'];

export type RetryDelays = Record<RetryableOutcome, number | null>;

export interface ServiceSettings {
  callDirection: CallDirection;
  waitForAgent: boolean;
  waitForUserConfirm: boolean;
  agentPreview: boolean;
  agentPreviewTimeoutSec: number;
  agentPreviewAllowReject: boolean;
  agentPreviewTimeoutSetNotReady: boolean;
  userConfirmTimeoutSec: number;
  pushNotificationUrl: string;
  allowScheduling: boolean;
  target: string;
  maxNumberOfAttempts: number;
  maxTimeToReachCustomerSec: number;
  requestTimeBucketMin: number;
  maxRequestByTimeBucket: number;
  businessHours: BusinessHoursConfig | null;
  retry: RetryDelays;
  overwritableOptions: string[];
  defaultCountry: string;
  allowedCountries: string[];
  allowedNumberPatterns: string[];
  deniedNumberPrefixes: string[];
  deniedNumberTypes: string[];
  reuseActiveCallback: boolean;
  rateLimitPerNumberPerDay: number;
  rateLimitPerClientPerMinute: number;
  /** unset: telephony.connect.mode (the dialer's and the IVR's own) */
  connectMode?: 'bridge' | 'refer';
  /** unset: the IVR's own threshold (telephony config) */
  ewtThresholdSec?: number;
  /** unset or '': the target's own EWT method */
  ewtMethod?: EwtMethod | '';
  callerId: string;
  ringTimeoutSec: number;
  dispositionCodes: string[];
  /** unset: the target's afterCallWorkSec */
  wrapUpTimeSec?: number;
  amd: Record<string, unknown>;
}

export const SPEC_BY_GMS: ReadonlyMap<string, OptionSpec> = new Map(OPTION_SPECS.map((s) => [s.gms, s as OptionSpec]));

/** Options that are request parameters rather than service options. */
export const REQUEST_PARAMETERS = [
  '_customer_number',
  '_desired_time',
  '_originating_interaction_id',
  '_callback_reason',
] as const;

export class OptionError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

/** Coerce a form-encoded string to what the option's schema wants (booleans, integers, JSON). */
export function coerceOptionValue(spec: OptionSpec, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (spec.schema.type === 'boolean') {
    if (value === 'true') return true;
    if (value === 'false') return false;
  }
  if (spec.schema.type === 'integer' || spec.schema.anyOf?.every((s: TSchema) => typeof s.const === 'number')) {
    if (/^-?\d+$/.test(value)) return Number(value);
  }
  if (spec.schema.type === 'array' || spec.schema.type === 'object' || spec.schema.anyOf) {
    const t = value.trim();
    if (t.startsWith('[') || t.startsWith('{') || t === 'null') {
      try {
        return JSON.parse(t) as unknown;
      } catch {
        return value;
      }
    }
    if (spec.schema.type === 'array') return t === '' ? [] : t.split(',').map((s) => s.trim());
  }
  return value;
}

/** Validate one GMS-named option value; throws OptionError naming `where`. */
export function validateOption(gmsName: string, value: unknown, where: string): unknown {
  const spec = SPEC_BY_GMS.get(gmsName);
  if (!spec) throw new OptionError(where, `${where}: unknown option ${gmsName}`);
  const v = coerceOptionValue(spec, value);
  const choices = stringChoices(spec.schema);
  if (choices && !Value.Check(spec.schema, v)) {
    const named = choices.filter((c) => c !== '').join(', ');
    throw new OptionError(where, `${where}: ${JSON.stringify(v)} is not one of ${named}${choices.includes('') ? ' (or empty)' : ''}`);
  }
  if (!Value.Check(spec.schema, v)) {
    const first = Value.Errors(spec.schema, v).First();
    const at = first && first.path ? `${where}${first.path.replace(/\//g, '.')}` : where;
    throw new OptionError(where, `${at}: ${first ? first.message.toLowerCase() : 'invalid value'}`);
  }
  if (gmsName === '_allowed_number_patterns') {
    for (const p of v as string[]) {
      try {
        new RegExp(p);
      } catch {
        throw new OptionError(where, `${where}: "${p}" is not a valid regular expression`);
      }
    }
  }
  if (gmsName === '_amd') {
    try {
      parseAmdParams(v, where);
    } catch (err) {
      throw new OptionError(where, messageOf(err));
    }
  }
  if (gmsName === '_overwritable_options') {
    for (const name of v as string[]) {
      if (!SPEC_BY_GMS.has(name)) throw new OptionError(where, `${where}: ${name} is not a known option`);
    }
  }
  return v;
}

/** the allowed values of a union of string literals (`_connect_mode`, `_ewt_method`...), else undefined */
function stringChoices(schema: TSchema): string[] | undefined {
  const any: unknown = schema.anyOf;
  if (!Array.isArray(any) || !any.length) return undefined;
  const out: string[] = [];
  for (const s of any as TSchema[]) {
    if (typeof s.const !== 'string') return undefined;
    out.push(s.const);
  }
  return out;
}

/** Validate a whole GMS-named options object (unknown keys rejected). */
export function validateOptions(options: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) out[name] = validateOption(name, value, `${where}.${name}`);
  return out;
}

/** Turn validated GMS-named options (template defaults already merged in) into settings. */
export function toSettings(options: Record<string, unknown>): ServiceSettings {
  const settings: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) settings[spec.key] = options[spec.gms];
  const s = settings as unknown as ServiceSettings;
  s.retry = { ...DEFAULT_RETRY, ...fromRetryOption(options._retry) };
  if (s.waitForUserConfirm && !s.waitForAgent) {
    throw new OptionError('_wait_for_user_confirm', '_wait_for_user_confirm: needs _wait_for_agent = true');
  }
  if (s.agentPreview && !s.waitForAgent) {
    throw new OptionError('_agent_preview', '_agent_preview: needs _wait_for_agent = true (the previewing agent is reserved before the dial)');
  }
  return s;
}

function fromRetryOption(v: unknown): Partial<RetryDelays> {
  if (!v || typeof v !== 'object') return {};
  const out: Partial<RetryDelays> = {};
  for (const [k, delay] of Object.entries(v as Record<string, number | null>)) out[k.toUpperCase() as RetryableOutcome] = delay;
  return out;
}

/** Seconds before the next attempt per outcome; null = the callback completes. */
export const DEFAULT_RETRY: RetryDelays = {
  BUSY: 120,
  NO_ANSWER: 300,
  MACHINE: 900,
  NO_SPEECH: 300,
  NOTSURE: 300,
  FAX: null,
  REJECTED: null,
  UNREACHABLE: 300,
  AGENT_UNAVAILABLE: 30,
  CUSTOMER_HANGUP: null,
  USER_DECLINED: null,
  NO_CONFIRMATION: 300,
  FAILED: 60,
};
