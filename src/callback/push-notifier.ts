import type { Logger } from 'pino';
import type { ApprovalBoard, ApprovalEvent, PendingConfirm } from './approvals';

export interface PushNotifierDeps {
  approvals: ApprovalBoard;
  /** the service's `_push_notification_url` ('' = none) */
  urlFor: (serviceName: string, callbackId: string) => Promise<string>;
  /** base URL clients reach this service at, for the confirm link in the notification */
  publicBaseUrl: string;
  logger: Logger;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

/**
 * The "push notification" of `_wait_for_user_confirm`: when the customer is asked to confirm, POST
 * `{ _id, _action: "ConfirmationDialog", _service_name, _customer_number, _confirm_url, _expires_at }` to the
 * service's `_push_notification_url` (the customer's application backend, which reaches the device). The URL
 * is a service option set by an admin, never a request parameter, so API clients cannot make the service
 * call arbitrary hosts. A failed POST is logged; the customer can still confirm until the timeout (the
 * request is also on the live stream, /api/v1/stream).
 */
export function startPushNotifier(d: PushNotifierDeps): () => void {
  const send = d.fetchImpl ?? fetch;
  return d.approvals.onEvent((e: ApprovalEvent) => {
    if (e.type !== 'CONFIRM_REQUESTED' || e.approval.kind !== 'user_confirm') return;
    const p = e.approval;
    const log = d.logger.child({ callbackId: p.callbackId, attemptId: p.attemptId, service: p.serviceName });
    void d.urlFor(p.serviceName, p.callbackId).then(
      (url) => {
        if (url) push(url, p, log);
      },
      (err: unknown) => log.warn({ err }, 'confirmation push: could not read the service'),
    );
  });

  function push(url: string, p: PendingConfirm, log: Logger): void {
    const body = {
      _id: p.callbackId,
      _action: 'ConfirmationDialog',
      _service_name: p.serviceName,
      _customer_number: p.customerNumber,
      _confirm_url: `${d.publicBaseUrl.replace(/\/$/, '')}/genesys/1/service/callback/${encodeURIComponent(p.serviceName)}/${encodeURIComponent(p.callbackId)}/user-confirm`,
      _expires_at: new Date(p.expiresAt).toISOString(),
    };
    void send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(d.timeoutMs ?? 5000),
    })
      .then((res) => {
        if (res.ok) log.info({ status: res.status }, 'confirmation request pushed');
        else log.warn({ status: res.status }, 'confirmation push refused by the receiver');
      })
      .catch((err: unknown) => log.warn({ err }, 'confirmation push failed'));
  }
}
