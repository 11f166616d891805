import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { OutboundOptions, OutboundResult } from './outbound-leg';
import { drop, internalsOf, offerToMediaServer, type OfferedMedia } from './offer-endpoint';
import { RingGuard } from './ring-guard';
import { messageOf } from '../errors';

/**
 * A softphone registered over SIP-over-WebSocket (RFC 7118: sip.js, JsSIP, ...): its contact says
 * `;transport=ws` or `;transport=wss`. drachtio-server sends requests for such a contact back over the
 * WebSocket connection the REGISTER came on (it caches user@host of the contact when the registrar's 200
 * carries an expiry), so the app only has to use the contact as the request URI.
 */
export const isWebrtcContact = (uri: string): boolean => /;transport=wss?(;|$|>)/i.test(uri);

/** the sofia profile for browsers' media, when the media server has it RUNNING (freeswitch-conf/sip_profiles) */
export const WEBRTC_PROFILE = 'drachtio_webrtc';
const PROFILE_RECHECK_MS = 60_000;
const profileAddress = new WeakMap<Mrf.MediaServer, { address: string | null; at: number }>();

/** host:port of a RUNNING sofia profile in `sofia status` output, or null */
export function runningProfileAddress(sofiaStatus: string, profile: string): string | null {
  return new RegExp(`^\\s*${profile}\\s+profile\\s+sip:mod_sofia@((?:\\d{1,3}\\.){3}\\d{1,3}:\\d+)\\s+RUNNING`, 'm').exec(sofiaStatus)?.[1] ?? null;
}

/**
 * Where to send the browser's offer: the drachtio_webrtc profile when it runs on this media server (its own
 * ext-rtp-ip for browsers), else the profile fsmrf uses (any profile answers WebRTC). Looked up with
 * `sofia status` and remembered for a minute.
 */
async function answeringAddress(ms: Mrf.MediaServer, fallback: string, log: Logger): Promise<string> {
  const known = profileAddress.get(ms);
  if (known && Date.now() - known.at < PROFILE_RECHECK_MS) return known.address ?? fallback;
  let address: string | null = null;
  try {
    const status = await (ms as unknown as { api(cmd: string): Promise<string> }).api('sofia status');
    address = runningProfileAddress(status, WEBRTC_PROFILE);
  } catch (err) {
    log.warn({ err }, 'sofia status failed; WebRTC media on the fsmrf profile');
  }
  if (known?.address !== address) log.info({ profile: address ? WEBRTC_PROFILE : 'fsmrf', address: address ?? fallback }, 'WebRTC legs answered here');
  profileAddress.set(ms, { address, at: Date.now() });
  return address ?? fallback;
}

/** how long FreeSWITCH may take after its answer to finish ICE + DTLS with the browser and connect to us */
const DTLS_READY_TIMEOUT_MS = 15_000;

/**
 * An agent leg to a WebRTC softphone, by late offer (RFC 3261 §13.2.1: INVITE without SDP):
 *   1. INVITE to the softphone with no body; the browser rings, the agent answers, and its 200 OK carries the
 *      browser's WebRTC offer (UDP/TLS/RTP/SAVPF, ICE candidates, DTLS fingerprint, rtcp-mux);
 *   2. that offer goes to FreeSWITCH in an fsmrf-style INVITE, to the drachtio_webrtc profile when it runs
 *      (else the fsmrf profile); FreeSWITCH answers it as any WebRTC offer (DTLS-SRTP negotiated by
 *      FreeSWITCH itself, whatever rtp_secure_media says, which only concerns SDES);
 *   3. FreeSWITCH's answer goes to the browser in the ACK; ICE and the DTLS handshake run between the browser
 *      and FreeSWITCH; only then does FreeSWITCH's `answer` return and its dialplan open the outbound event
 *      socket, which gives the fsmrf Endpoint.
 * Why not fsmrf's createEndpoint: it refuses an offer needing a DTLS handshake (the endpoint would only appear
 * after the browser got the answer, which createEndpoint does not return until the endpoint exists). Why not
 * a 3pcc offer from FreeSWITCH: sofia builds it before any channel variable can ask for WebRTC (media_webrtc
 * is set only for outbound channels to ws/wss contacts), so it would be plain or SDES, which browsers refuse.
 * Ring timeout and abort CANCEL the INVITE (487); failures are values, never throws.
 */
export async function placeWebrtcLeg(srf: Srf, ms: Mrf.MediaServer, o: OutboundOptions, logger: Logger): Promise<OutboundResult> {
  if (o.signal.aborted) return { kind: 'failed', earlyMedia: false, detail: 'aborted before dialing' };
  let log = logger;
  const ring = new RingGuard(o.ringTimeoutMs, o.signal);

  let uac: { sdp: string; ack: (sdp: string) => Promise<Srf.Dialog>; destroy: () => Promise<void> };
  try {
    const opts = {
      noAck: true,
      headers: o.headers,
      ...(o.callingNumber ? { callingNumber: o.callingNumber } : {}),
    } as unknown as Srf.CreateUACOptions;
    uac = (await srf.createUAC(o.uri, opts, {
      cbRequest: ring.onRequest,
    })) as unknown as typeof uac;
  } catch (err) {
    const status = (err as { status?: number }).status;
    return { kind: 'failed', ...(typeof status === 'number' ? { sipStatus: status } : {}), earlyMedia: false, detail: ring.reason ?? (messageOf(err)) };
  } finally {
    ring.dispose();
  }
  if (ring.reason || !uac.sdp) {
    await uac.destroy().catch(() => undefined);
    return { kind: 'failed', sipStatus: 487, earlyMedia: false, detail: ring.reason ?? 'the softphone answered without an SDP offer' };
  }
  log = log.child({ callId: ring.callId() });
  log.info('softphone answered with its WebRTC offer; handing it to FreeSWITCH');

  const fsmrfAddress = internalsOf(ms).sip.ipv4.udp.address;
  if (!fsmrfAddress) {
    await uac.destroy().catch(() => undefined);
    return { kind: 'failed', earlyMedia: false, detail: 'media server not ready (no SIP address yet)' };
  }
  const address = await answeringAddress(ms, fsmrfAddress, log);
  let offered: OfferedMedia;
  try {
    // the endpoint appears once FreeSWITCH has finished ICE + DTLS with the browser and connected to us
    offered = await offerToMediaServer(ms, address, uac.sdp, DTLS_READY_TIMEOUT_MS, 'ICE/DTLS between the browser and FreeSWITCH did not complete');
  } catch (err) {
    await uac.destroy().catch(() => undefined);
    const status = (err as { status?: number }).status;
    return { kind: 'failed', earlyMedia: false, detail: `FreeSWITCH refused the WebRTC offer${typeof status === 'number' ? ` (${status})` : ''}: ${messageOf(err)}` };
  }
  const { fsDialog, ready, forget } = offered;

  let dialog: Srf.Dialog;
  try {
    dialog = await uac.ack(fsDialog.remote.sdp);
  } catch (err) {
    forget();
    drop(fsDialog);
    return { kind: 'failed', earlyMedia: false, detail: `ACK to the softphone failed: ${messageOf(err)}` };
  }
  try {
    const endpoint = await Promise.race([
      ready,
      new Promise<never>((_, reject) => dialog.once('destroy', () => reject(new Error('softphone hung up before media was up')))),
      new Promise<never>((_, reject) => fsDialog.once('destroy', () => reject(new Error('FreeSWITCH ended the WebRTC leg before media was up (ICE/DTLS failed?)')))),
    ]);
    log.info({ endpoint: endpoint.uuid }, 'WebRTC media up (ICE + DTLS-SRTP done)');
    relayReinvites(dialog, endpoint, log);
    return { kind: 'answered', dialog, endpoint };
  } catch (err) {
    forget();
    drop(dialog);
    drop(fsDialog);
    return { kind: 'failed', earlyMedia: false, detail: messageOf(err) };
  }
}

/**
 * The softphone's re-INVITEs (hold = a=sendonly, resume, ICE restart) go to FreeSWITCH, whose answer goes
 * back: the browser's media is negotiated with FreeSWITCH, not with the app (drachtio-srf would otherwise
 * answer with the first answer again, and FreeSWITCH would not know the call is on hold).
 */
function relayReinvites(dialog: Srf.Dialog, endpoint: Mrf.Endpoint, log: Logger): void {
  dialog.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
    const hold = /a=(sendonly|inactive)/.test(req.body ?? '');
    endpoint.modify(req.body).then(
      (answer) => {
        dialog.local.sdp = String(answer);
        res.send(200, { body: String(answer), headers: { 'Content-Type': 'application/sdp' } });
        log.info({ hold }, hold ? 'agent put the call on hold' : 'agent re-INVITE relayed (resume)');
      },
      (err: unknown) => {
        log.warn({ err }, 'FreeSWITCH refused the softphone re-INVITE');
        res.send(488);
      },
    );
  });
}
