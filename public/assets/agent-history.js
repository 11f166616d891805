import { label, when } from '/assets/agent-format.js';

/** outcomes in words (callbacks' reasons and states, attempts' outcomes, IVR calls' outcomes) */
const WORDS = {
  CONNECTED_TO_AGENT: 'talked to an agent',
  CANCELLED: 'cancelled',
  MAX_ATTEMPTS_REACHED: 'not reached (all attempts made)',
  EXPIRED: 'expired before reaching them',
  REJECTED: 'call rejected',
  FAX_DETECTED: 'a fax answered',
  CUSTOMER_HANGUP: 'hung up before an agent',
  USER_DECLINED: 'declined the callback',
  USER_ORIGINATED_FAILED: 'did not call in',
  BUSY: 'busy',
  NO_ANSWER: 'no answer',
  UNREACHABLE: 'unreachable',
  MACHINE: 'answering machine',
  FAX: 'fax',
  NO_SPEECH: 'nobody spoke',
  NOTSURE: 'unclear who answered',
  AGENT_UNAVAILABLE: 'no agent was free',
  NO_CONFIRMATION: 'did not confirm',
  FAILED: 'failed',
  CALLBACK: 'asked to be called back',
  ABANDONED_IN_QUEUE: 'hung up while waiting',
  HUNG_UP_IN_IVR: 'hung up in the menu',
  SCHEDULED: 'scheduled',
  QUEUED: 'waiting',
  ROUTING: 'being dialed',
  PROCESSING: 'on a call',
};
const words = (code) => (code ? WORDS[code] || label(code).toLowerCase() : '');

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
};

/** "fay · Sale: two seats" */
function wrapUpLine(who, disposition, note) {
  if (!disposition && !who) return null;
  const p = el('p', 'wrapped');
  if (who) p.append(el('span', 'agent', who));
  if (disposition) p.append(el('span', 'disposition', disposition));
  if (note) p.append(el('q', 'note', note));
  return p;
}

/**
 * The customer's earlier contacts beside the call and its wrap-up: callbacks (each attempt with its outcome and
 * the agent's disposition and note) and calls to the IVR, newest first.
 */
export function customerHistory({ $, api, fail }) {
  let number = null;

  async function show(raw, currentCallbackId) {
    if (!raw || raw === number) return;
    number = raw;
    $('history').hidden = false;
    $('history-list').replaceChildren();
    $('history-empty').hidden = true;
    let h;
    try {
      h = await api('GET', '/api/v1/agent/customer-history?number=' + encodeURIComponent(raw));
    } catch (e) {
      if (number === raw) { $('history').hidden = true; fail(e); }
      return;
    }
    if (number !== raw) return;
    const items = [
      ...h.callbacks.map((c) => ({ at: c.acceptedAt, node: callbackItem(c, c.id === currentCallbackId) })),
      ...h.interactions.map((i) => ({ at: i.startedAt, node: interactionItem(i) })),
    ].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    $('history-list').replaceChildren(...items.map((x) => x.node));
    $('history-empty').hidden = items.length > 0;
    $('history').dataset.number = h.number;
  }

  function callbackItem(c, current) {
    const li = el('li', 'contact callback');
    li.dataset.id = c.id;
    const head = el('p', 'head');
    head.append(el('strong', null, current ? 'This callback' : 'Callback'), ` · ${c.service} · ${when(c.acceptedAt)}`);
    head.append(el('span', 'outcome', c.state === 'COMPLETED' ? words(c.reason) : words(c.state)));
    li.append(head);
    if (c.requestReason) li.append(el('p', 'muted', `Reason: ${c.requestReason}`));
    for (const a of c.attempts) {
      const p = el('p', 'attempt', `Attempt ${a.number}, ${when(a.startedAt)}: ${a.outcome ? words(a.outcome) : 'in progress'}`);
      li.append(p);
      const w = wrapUpLine(a.agentId, a.disposition, a.dispositionNote);
      if (w) li.append(w);
    }
    return li;
  }

  function interactionItem(i) {
    const li = el('li', 'contact call');
    li.dataset.id = i.interactionId;
    const head = el('p', 'head');
    head.append(el('strong', null, 'Called in'), (i.service ? ` · ${i.service}` : '') + ` · ${when(i.startedAt)}`);
    head.append(el('span', 'outcome', words(i.outcome)));
    li.append(head);
    const w = wrapUpLine(i.agentId, i.disposition, i.dispositionNote);
    if (w) li.append(w);
    return li;
  }

  function hide() {
    number = null;
    $('history').hidden = true;
  }

  return { show, hide };
}
