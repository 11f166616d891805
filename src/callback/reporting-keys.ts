import type { CallbackRecord } from '../ports/callback-records';

/** The GMS Callback reporting keys for the originating interaction (epoch seconds). */
export interface ReportingKeys {
  _CB_SERVICE_ID: string;
  _CB_T_SERVICE_START: number;
  _CB_T_CALLBACK_ACCEPTED: number;
}

export const reportingKeys = (c: Pick<CallbackRecord, 'id' | 'serviceStart' | 'acceptedAt'>): ReportingKeys => ({
  _CB_SERVICE_ID: c.id,
  _CB_T_SERVICE_START: Math.floor(c.serviceStart / 1000),
  _CB_T_CALLBACK_ACCEPTED: Math.floor(c.acceptedAt / 1000),
});
