/**
 * Transfer on the call card: pick another agent (with their state) or a target, then "Transfer" (blind: the
 * agent leaves into wrap-up at once) or "Consult" (the customer hears hold music while the agents talk; then
 * "Complete transfer" or "Back to customer"). The server's status of the call (the agent view's `transfer`,
 * pushed on the page's stream) drives what is shown: talking, consult-ringing, consulting.
 */
export function transferPanel({ $, api, fail }) {
  let status = null;

  async function open() {
    $('transfer').hidden = false;
    $('transfer-open').setAttribute('aria-expanded', 'true');
    try {
      const t = await api('GET', '/api/v1/agent/transfer-targets');
      const sel = $('transfer-to');
      const agents = document.createElement('optgroup');
      agents.label = 'Agents';
      for (const a of t.agents) {
        const o = new Option(`${a.name} (${STATE[a.state] || a.state})`, 'agent:' + a.agentId);
        o.disabled = a.state !== 'READY';
        agents.append(o);
      }
      const targets = document.createElement('optgroup');
      targets.label = 'Queues';
      for (const name of t.targets) targets.append(new Option(name, 'target:' + name));
      sel.replaceChildren(agents, targets);
      const first = [...sel.options].find((o) => !o.disabled);
      if (first) sel.value = first.value;
    } catch (e) { fail(e); }
  }
  function close() {
    $('transfer').hidden = true;
    $('transfer-open').setAttribute('aria-expanded', 'false');
  }
  const chosen = () => {
    const [kind, ...rest] = $('transfer-to').value.split(':');
    const id = rest.join(':');
    return kind === 'agent' ? { agentId: id } : { target: id };
  };
  const toText = (to) => (!to ? '' : to.agentId ? to.agentId : `queue ${to.target}`);

  async function ask(path, body) {
    $('transfer-last').textContent = '';
    try { show(await api('POST', path, body), true); } catch (e) { fail(e); }
  }

  /** the call's transfer status (undefined: no call, or none to show); `onCall`: the agent is talking now */
  function show(s, onCall) {
    status = s || null;
    $('transfer-open').disabled = !onCall || !status || status.phase !== 'talking';
    const consulting = !!status && status.phase !== 'talking';
    $('consult').hidden = !consulting;
    $('transfer-pick').hidden = consulting;
    if (consulting) {
      $('transfer').hidden = false;
      const who = status.toAgentId || toText(status.to);
      $('consult-status').textContent = status.phase === 'consulting' ? `Talking to ${who} — the customer is on hold` : `Calling ${who || toText(status.to)}… the customer is on hold`;
      $('transfer-complete').disabled = status.phase !== 'consulting';
    } else if (status && status.phase === 'talking' && $('consult').dataset.was === 'true') {
      close();
    }
    $('consult').dataset.was = String(consulting);
    $('transfer').dataset.phase = status ? status.phase : '';
    if (status && status.last) $('transfer-last').textContent = status.last;
    if (!status) { close(); $('transfer-last').textContent = ''; }
  }

  $('transfer-open').onclick = () => ($('transfer').hidden ? open() : close());
  $('transfer-blind').onclick = () => ask('/api/v1/agent/me/transfer', { mode: 'blind', to: chosen() });
  $('transfer-consult').onclick = () => ask('/api/v1/agent/me/transfer', { mode: 'consult', to: chosen() });
  $('transfer-complete').onclick = () => ask('/api/v1/agent/me/transfer/complete');
  $('transfer-cancel').onclick = () => ask('/api/v1/agent/me/transfer/cancel');
  return { show, close };
}

const STATE = { READY: 'ready', NOT_READY: 'not ready', RESERVED: 'call offered', BUSY: 'on a call', AFTER_CALL_WORK: 'wrap-up' };
