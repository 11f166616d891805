import { randomUUID } from 'node:crypto';
import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';

/** drachtio-fsmrf 4.1 internals used to build an endpoint the way its own createEndpoint / connectCaller do */
interface PendingConnection {
  dialog?: Srf.Dialog;
  conn?: unknown;
  fn?: (conn: unknown) => void;
  connTimeout?: NodeJS.Timeout;
}
export interface MediaServerInternals {
  srf: Srf;
  pendingConnections: Map<string, PendingConnection>;
  advertisedAddress: string;
  advertisedPort: number;
  sip: { ipv4: { udp: { address?: string } } };
}
type EndpointCtor = new (conn: unknown, dialog: Srf.Dialog, ms: Mrf.MediaServer, opts: Record<string, unknown>) => Mrf.Endpoint;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FsmrfEndpoint = require('drachtio-fsmrf/lib/endpoint') as EndpointCtor;

export const internalsOf = (ms: Mrf.MediaServer): MediaServerInternals => ms as unknown as MediaServerInternals;

/** BYE a dialog, whether or not it is still up */
export const drop = (d: Srf.Dialog): void => {
  void Promise.resolve()
    .then(() => d.destroy())
    .catch(() => undefined);
};

export interface OfferedMedia {
  /** the dialog with FreeSWITCH; its remote SDP is FreeSWITCH's answer to the offer */
  fsDialog: Srf.Dialog;
  /** the Endpoint, once FreeSWITCH has answered and opened its event socket connection to us */
  ready: Promise<Mrf.Endpoint>;
  /** stop waiting for the connection (the caller drops fsDialog) */
  forget: () => void;
}

/**
 * Hands an SDP offer to FreeSWITCH as fsmrf's createEndpoint does (an INVITE to the profile at `address` that
 * names the event socket connection FreeSWITCH opens back, matched by the uuid in User-Agent), but returns
 * FreeSWITCH's answer at once and the Endpoint when the connection comes: for offers createEndpoint refuses.
 * Throws when FreeSWITCH refuses the offer. `ready` rejects after `readyTimeoutMs` without the connection.
 */
export async function offerToMediaServer(ms: Mrf.MediaServer, address: string, offer: string, readyTimeoutMs: number, timeoutReason: string): Promise<OfferedMedia> {
  const m = internalsOf(ms);
  const uuid = randomUUID();
  m.pendingConnections.set(uuid, {});
  let fsDialog: Srf.Dialog;
  try {
    fsDialog = await m.srf.createUAC(`sip:drachtio@${address}`, {
      localSdp: offer,
      headers: { 'User-Agent': `drachtio-fsmrf:${uuid}`, 'X-esl-outbound': `${m.advertisedAddress}:${m.advertisedPort}` },
    } as Srf.CreateUACOptions);
  } catch (err) {
    m.pendingConnections.delete(uuid);
    throw err;
  }
  const ready = new Promise<Mrf.Endpoint>((resolve, reject) => {
    const make = (conn: unknown) => {
      const ep = new FsmrfEndpoint(conn, fsDialog, ms, {});
      ep.once('ready', () => resolve(ep));
    };
    const pending = m.pendingConnections.get(uuid);
    if (!pending) return reject(new Error('pending media connection vanished'));
    pending.dialog = fsDialog;
    if (pending.conn) {
      m.pendingConnections.delete(uuid);
      make(pending.conn);
      return;
    }
    pending.fn = make;
    pending.connTimeout = setTimeout(() => {
      m.pendingConnections.delete(uuid);
      reject(new Error(`no media after ${readyTimeoutMs} ms (${timeoutReason})`));
    }, readyTimeoutMs);
  });
  // a leg abandoned before it awaits `ready` must not leave a rejection nobody handles
  ready.catch(() => undefined);
  const forget = () => {
    clearTimeout(m.pendingConnections.get(uuid)?.connTimeout);
    m.pendingConnections.delete(uuid);
  };
  return { fsDialog, ready, forget };
}

/** an SDES-SRTP offer (RFC 4568: RTP/SAVP with a=crypto), not WebRTC's DTLS (UDP/TLS/RTP/SAVPF) */
export const isSdesOffer = (sdp: string): boolean => /^m=audio \d+ RTP\/SAVP /m.test(sdp);

/** how long FreeSWITCH may take from its answer to its event socket connection (fsmrf's own createEndpoint: 4 s) */
const SDES_READY_TIMEOUT_MS = 4000;

/**
 * An endpoint answering a caller's SDES-SRTP offer. fsmrf 4.1's createEndpoint refuses every RTP/SAVP offer (it
 * takes them for DTLS, which needs a handshake first); SDES needs none: FreeSWITCH answers with its own key
 * (when rtp_secure_media allows it) and connects to us at once.
 */
export async function endpointForSdesOffer(ms: Mrf.MediaServer, offer: string): Promise<Mrf.Endpoint> {
  const address = internalsOf(ms).sip.ipv4.udp.address;
  if (!address) throw new Error('too early: mediaserver is not ready');
  const { fsDialog, ready, forget } = await offerToMediaServer(ms, address, offer, SDES_READY_TIMEOUT_MS, 'FreeSWITCH did not connect after answering the SRTP offer');
  try {
    return await ready;
  } catch (err) {
    forget();
    drop(fsDialog);
    throw err;
  }
}
