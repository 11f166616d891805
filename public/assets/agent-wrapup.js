import { clock, formatNumber, when } from '/assets/agent-format.js';

/**
 * After a call: the agent is in after-call work (the service's wrap-up time, counted down) and records the
 * call's outcome (one of the service's disposition codes) and a note; "Done" sends them and makes the agent
 * READY (or NOT_READY). When the wrap-up time runs out the server makes the agent READY by itself; the form
 * stays until the outcome is recorded.
 */
export function wrapUp({ $, api, fail, showAgent, onCustomer }) {
  let contactId = null;
  let acwEndsAt = null;
  let state = null;

  async function load(call) {
    contactId = call.contactId;
    $('wrapup').dataset.contactId = call.contactId;
    $('wrapup-note').value = '';
    $('wrapup-codes').replaceChildren($('wrapup-codes').firstElementChild);
    $('wrapup-about').textContent = '';
    try {
      const w = await api('GET', '/api/v1/agent/me/wrap-up');
      if (!w.call || w.call.contactId !== contactId) return;
      const who = w.call.customerNumber ? formatNumber(w.call.customerNumber).text : 'the customer';
      if (w.call.customerNumber) onCustomer(w.call.customerNumber, w.call.kind === 'callback' ? w.call.contactId : null);
      $('wrapup-about').textContent = `Call with ${who}` + (w.call.serviceName ? ` (${w.call.serviceName})` : '') + `, ended ${when(w.call.endedAt)}`;
      w.codes.forEach((code, i) => {
        const label = document.createElement('label');
        const input = document.createElement('input');
        input.type = 'radio';
        input.name = 'disposition';
        input.value = code;
        input.required = true;
        if (i === 0) input.autofocus = true;
        label.append(input, ' ' + code);
        $('wrapup-codes').append(label);
      });
    } catch (e) { fail(e); }
  }

  /** the agent's view changed: show the wrap-up of its last call until it is recorded (not during a call) */
  function show(agent, onCall) {
    const call = agent && agent.lastCall;
    const open = !!call && !call.wrappedUp && !onCall;
    $('wrapup').hidden = !open;
    state = agent ? agent.state : null;
    acwEndsAt = agent && agent.acwEndsAt ? Date.parse(agent.acwEndsAt) : null;
    if (!open) { contactId = null; return; }
    if (call.contactId !== contactId) load(call);
    tick();
  }

  function tick() {
    if ($('wrapup').hidden) return;
    const t = $('wrapup-timer');
    if (state === 'AFTER_CALL_WORK' && acwEndsAt) {
      t.textContent = `ready by itself in ${clock((acwEndsAt - Date.now()) / 1000)}`;
      t.dataset.counting = 'true';
    } else {
      t.textContent = state === 'READY' ? 'wrap-up time over: you are Ready' : '';
      t.dataset.counting = 'false';
    }
  }

  $('wrapup-form').onsubmit = async (ev) => {
    ev.preventDefault();
    const picked = $('wrapup-form').querySelector('input[name="disposition"]:checked');
    if (!picked) { fail(new Error('pick the outcome of the call')); return; }
    const then = ev.submitter && ev.submitter.value === 'NOT_READY' ? 'NOT_READY' : 'READY';
    try {
      const r = await api('POST', '/api/v1/agent/me/wrap-up', { disposition: picked.value, note: $('wrapup-note').value, then });
      $('error').textContent = '';
      showAgent(r.agent);
    } catch (e) { fail(e); }
  };

  return { show, tick };
}
