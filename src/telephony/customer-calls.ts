import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { CustomerCallResult, CustomerCalls, CustomerDialOptions } from '../flows/call';
import { FsCallLeg, type AudioForkLike } from './call-leg';
import type { TrunkSettings } from './config';
import type { MediaServerPool } from './media-servers';
import { placeOutboundLeg } from './outbound-leg';
import { noSipEvents, type SipEvents } from './sip-events';

/** what a customer number may look like in the trunk's URI: E.164 digits, nothing that could change the URI */
const DIALABLE = /^\+?[0-9]{3,20}$/;
/** the Expires of a customer INVITE is its ring timeout plus this: our CANCEL at the ring timeout normally comes first */
const EXPIRES_MARGIN_SEC = 5;

/** Customer legs through the configured trunk, media on the least loaded FreeSWITCH. */
export class TrunkCustomerCalls implements CustomerCalls {
  constructor(
    private readonly srf: Srf,
    private readonly media: MediaServerPool,
    private readonly trunk: TrunkSettings,
    private readonly amd: AudioForkLike,
    private readonly logger: Logger,
    private readonly events: SipEvents = noSipEvents,
  ) {}

  async dial(o: CustomerDialOptions): Promise<CustomerCallResult> {
    // the REST API's rules (E.164, allowed countries) let only numbers through; this is the last line before the trunk
    if (!DIALABLE.test(o.number)) {
      this.events.refused('customer_number_not_allowed');
      this.logger.warn({ number: o.number.slice(0, 40) }, 'customer number refused before the trunk: not E.164 digits');
      return { kind: 'failed', sipStatus: 403, earlyMedia: false, detail: 'the number is not E.164 digits; not dialed' };
    }
    const ms = this.media.pick();
    if (!ms) return { kind: 'failed', earlyMedia: false, detail: 'no media server is up' };
    const uri = this.trunk.uriTemplate.replace('{number}', o.number);
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.pAssertedIdentity) headers['P-Asserted-Identity'] = o.pAssertedIdentity;
    // RFC 3261 13.3.1: the invitation ends by itself a little after our ring timeout, even if we are not there to CANCEL it
    headers.Expires = String(o.ringTimeoutSec + EXPIRES_MARGIN_SEC);
    const r = await placeOutboundLeg(
      this.srf,
      ms,
      {
        uri,
        headers,
        ...(o.callerId ? { callingNumber: o.callerId } : {}),
        ...(this.trunk.proxy ? { proxy: this.trunk.proxy } : {}),
        ...(this.trunk.auth ? { auth: this.trunk.auth } : {}),
        ringTimeoutMs: o.ringTimeoutSec * 1000,
        signal: o.signal,
      },
      this.trunk.codecs,
    );
    if (r.kind === 'failed') return r;
    const log = this.logger.child({ callId: r.dialog.sip.callId, leg: 'customer', ...(o.headers?.['X-Callback-Id'] ? { callbackId: o.headers['X-Callback-Id'] } : {}) });
    return { kind: 'answered', leg: new FsCallLeg(r.dialog, r.endpoint, ms, log, this.amd, { events: this.events, ...(r.rejectedBefore ? { rejectedBefore: r.rejectedBefore } : {}) }) };
  }
}
