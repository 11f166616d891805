/** why the service refused a SIP request or a call (the `kind` label of sip_requests_refused_total) */
export const SIP_REFUSALS = [
  'source_not_allowed',
  'transport_not_allowed',
  'agent_dial_out',
  'invite_auth_failed',
  'unknown_did',
  'no_sdp',
  'bad_sdp',
  'no_common_codec',
  'oversized',
  'invite_rate_limited',
  'register_rate_limited',
  'register_locked_out',
  'register_bad_credentials',
  'contact_not_allowed',
  'refer_from_peer',
  'bad_dtmf_info',
  'agent_uri_not_allowed',
  'customer_number_not_allowed',
  'no_media_server',
  'media_refused',
  'over_capacity',
  'unknown_dialog',
] as const;
export type SipRefusal = (typeof SIP_REFUSALS)[number];

/** requests within a call the service handled (the `kind` label of sip_dialog_requests_total) */
export const SIP_DIALOG_EVENTS = [
  'reinvite_hold',
  'reinvite_resume',
  'reinvite_media',
  'reinvite_refresh',
  'reinvite_failed',
  'update',
  'info_dtmf',
  'info_other',
  'cancelled_before_answer',
] as const;
export type SipDialogEvent = (typeof SIP_DIALOG_EVENTS)[number];

/** where the telephony layer counts them (the app's /metrics; nothing in tests that do not look) */
export interface SipEvents {
  refused(kind: SipRefusal): void;
  dialog(kind: SipDialogEvent): void;
}

export const noSipEvents: SipEvents = { refused: () => undefined, dialog: () => undefined };
