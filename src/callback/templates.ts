/**
 * Service templates, like the GMS Admin UI's "Common Default Configuration" choices. A template fills
 * every option but `_connect_mode`, the IVR's `_ewt_threshold` and `_ewt_method` and `_wrap_up_time` (unset =
 * the telephony config's and the target's own); a configured service overrides what it sets.
 */
export const TEMPLATE_NAMES = [
  'user-terminated-immediate',
  'user-terminated-delayed',
  'user-terminated-preview',
  'user-originated-immediate',
  'user-originated-delayed',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** what an agent may record after a call when the service lists no codes of its own (`_disposition_codes`) */
export const DEFAULT_DISPOSITION_CODES = ['Resolved', 'Follow-up needed', 'Call back later', 'Not interested', 'Wrong number', 'Other'] as const;

const common: Record<string, unknown> = {
  _call_direction: 'USERTERMINATED',
  _wait_for_agent: false,
  _wait_for_user_confirm: false,
  _agent_preview: false,
  _agent_preview_timeout: 30,
  _agent_preview_allow_reject: true,
  _agent_preview_timeout_set_notready: true,
  _user_confirm_timeout: 30,
  _push_notification_url: '',
  _allow_scheduling: false,
  _target: 'default',
  _max_number_of_attempts: 3,
  _max_time_to_reach_customer: 86_400,
  _request_time_bucket: 5,
  _max_request_by_time_bucket: 100,
  _business_hours: null,
  _retry: {},
  _overwritable_options: [],
  _default_country: 'US',
  _allowed_countries: [],
  _allowed_number_patterns: [],
  // NANP premium (900, 976) and UK premium/shared-cost ranges, on top of the type check below.
  _denied_number_prefixes: ['+1900', '+1976', '+4487', '+4490', '+4491', '+4498'],
  _denied_number_types: ['PREMIUM_RATE', 'SHARED_COST'],
  _reuse_active_callback: true,
  _rate_limit_per_number: 5,
  _rate_limit_per_client: 6000,
  _caller_id: '',
  _ring_timeout: 30,
  _disposition_codes: [...DEFAULT_DISPOSITION_CODES],
  _amd: {},
  // _ewt_threshold and _ewt_method are left unset: the IVR then uses telephony.ivr.ewtThresholdSec (or
  // telephony.services.<name>.ewtThresholdSec) and the target's own ewtMethod (docs/telephony.md).
  // _connect_mode too: unset, IVR callers and callbacks are connected with telephony.connect.mode (default
  // bridge). A default here would count as the service's own choice and leave telephony.connect.mode unused.
};

export const TEMPLATES: Record<TemplateName, Record<string, unknown>> = {
  'user-terminated-immediate': { ...common },
  'user-terminated-delayed': { ...common, _allow_scheduling: true },
  'user-terminated-preview': { ...common, _allow_scheduling: true, _wait_for_agent: true, _agent_preview: true },
  'user-originated-immediate': { ...common, _call_direction: 'USERORIGINATED', _wait_for_agent: true },
  'user-originated-delayed': { ...common, _call_direction: 'USERORIGINATED', _wait_for_agent: true, _allow_scheduling: true },
};

export const isTemplateName = (s: string): s is TemplateName => (TEMPLATE_NAMES as readonly string[]).includes(s);

/** the names the GMS Admin UI shows ("Common Default Configuration") */
export const TEMPLATE_DISPLAY_NAMES: Readonly<Record<TemplateName, string>> = {
  'user-terminated-immediate': 'User Terminated Immediate',
  'user-terminated-delayed': 'User Terminated Delayed',
  'user-terminated-preview': 'User Terminated Preview',
  'user-originated-immediate': 'User Originated Immediate',
  'user-originated-delayed': 'User Originated Delayed',
};

/**
 * A template by its id or its display name, in any case, with spaces, dashes or underscores between the
 * words ("User Terminated Immediate", "user_terminated_immediate"); undefined when there is none.
 */
export function templateIdOf(name: string): TemplateName | undefined {
  const id = name.trim().toLowerCase().replace(/[\s_-]+/g, '-');
  return isTemplateName(id) ? id : undefined;
}
