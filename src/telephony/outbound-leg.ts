import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import { RingGuard } from './ring-guard';
import { answerForFreeswitch, plainOffer } from './sdp';
import { messageOf } from '../errors';

export type OutboundResult =
  | { kind: 'answered'; dialog: Srf.Dialog; endpoint: Mrf.Endpoint; rejectedBefore?: number }
  | { kind: 'failed'; sipStatus?: number; earlyMedia: boolean; detail: string };

export interface OutboundOptions {
  uri: string;
  headers: Record<string, string>;
  callingNumber?: string;
  proxy?: string;
  auth?: { username: string; password: string };
  ringTimeoutMs: number;
  signal: AbortSignal;
}

/**
 * A new outbound leg through drachtio-server with its media on `ms`: a 3pcc endpoint offers the SDP,
 * the INVITE goes out, the answer is given to the endpoint. Ring timeout and abort CANCEL the INVITE
 * (the result is then 487); a failure is a value with the SIP status, never a throw.
 */
export async function placeOutboundLeg(srf: Srf, ms: Mrf.MediaServer, o: OutboundOptions, codecs: string[]): Promise<OutboundResult> {
  if (o.signal.aborted) return { kind: 'failed', earlyMedia: false, detail: 'aborted before dialing' };
  let endpoint: Mrf.Endpoint;
  try {
    endpoint = await ms.createEndpoint({ codecs });
  } catch (err) {
    return { kind: 'failed', earlyMedia: false, detail: `no media endpoint: ${messageOf(err)}` };
  }
  let earlyMedia = false;
  const ring = new RingGuard(o.ringTimeoutMs, o.signal);
  const { offer, rejectedBefore } = plainOffer(endpoint.local.sdp);
  try {
    const opts = {
      localSdp: offer,
      headers: o.headers,
      ...(o.callingNumber ? { callingNumber: o.callingNumber } : {}),
      ...(o.proxy ? { proxy: o.proxy } : {}),
      ...(o.auth ? { auth: o.auth } : {}),
    } as Srf.CreateUACOptions;
    const dialog = await srf.createUAC(o.uri, opts, {
      cbRequest: ring.onRequest,
      cbProvisional: (res) => {
        if (res.status === 183 && res.body) earlyMedia = true;
      },
    });
    ring.dispose();
    if (ring.reason) {
      // answered just as we cancelled: hang it up
      dialog.destroy();
      await endpoint.destroy().catch(() => undefined);
      return { kind: 'failed', sipStatus: 487, earlyMedia, detail: ring.reason };
    }
    await endpoint.modify(answerForFreeswitch(dialog.remote.sdp, endpoint.local.sdp, rejectedBefore));
    return { kind: 'answered', dialog, endpoint, rejectedBefore };
  } catch (err) {
    await endpoint.destroy().catch(() => undefined);
    const status = (err as { status?: number }).status;
    return {
      kind: 'failed',
      ...(typeof status === 'number' ? { sipStatus: status } : {}),
      earlyMedia,
      detail: ring.reason ?? (messageOf(err)),
    };
  } finally {
    ring.dispose();
  }
}
