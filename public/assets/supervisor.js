'use strict';
const $ = (id) => document.getElementById(id);
const ACTIVE = ['SCHEDULED', 'QUEUED', 'ROUTING', 'PROCESSING'];
let key = sessionStorage.getItem('cbKey') || '';
let source;
let refreshTimer;
$('key').value = key;

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: Object.assign({ 'x-api-key': key }, body ? { 'content-type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error((data && data.message) || res.statusText);
  return data;
}

function tiles(el, counts) {
  el.replaceChildren(...Object.entries(counts).sort().map(([name, n]) => {
    const d = document.createElement('div');
    d.className = 'tile';
    d.dataset.name = name;
    d.innerHTML = '<b></b><span></span>';
    d.querySelector('b').textContent = n;
    d.querySelector('span').textContent = name;
    return d;
  }));
  if (!el.children.length) el.textContent = 'none yet';
}

const count = (rows, f) => rows.reduce((acc, r) => { const k = f(r); if (k) acc[k] = (acc[k] || 0) + 1; return acc; }, {});

async function refresh() {
  const from = new Date(); from.setHours(0, 0, 0, 0);
  const today = await api('GET', '/api/v1/reports/callbacks?from=' + from.toISOString());
  const active = await api('GET', '/api/v1/reports/callbacks?state=' + ACTIVE.join(','));
  const attempts = await api('GET', '/api/v1/reports/events?type=ATTEMPT_ENDED&from=' + from.toISOString());
  tiles($('states'), count(today, (r) => r.state));
  tiles($('reasons'), count(today.filter((r) => r.state === 'COMPLETED'), (r) => r.reason));
  tiles($('amd'), count(attempts, (e) => e.amd));
  const body = $('active').tBodies[0];
  body.replaceChildren(...active.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.id = r.id;
    for (const v of [r.service, r.customer_number, r.state, r.service_start, r.attempts, r.id]) {
      const td = document.createElement('td'); td.textContent = v; tr.appendChild(td);
    }
    const td = document.createElement('td');
    if (r.state === 'SCHEDULED' || r.state === 'QUEUED') {
      const resched = document.createElement('button');
      resched.textContent = 'Reschedule';
      resched.onclick = () => act(() => {
        const when = prompt('New time (ISO 8601, e.g. 2026-12-01T15:00:00Z)', r.service_start);
        return when && api('PUT', `/genesys/1/service/callback/${r.service}/${r.id}`, { _new_desired_time: when });
      });
      td.appendChild(resched);
    }
    const cancel = document.createElement('button');
    cancel.textContent = 'Cancel';
    cancel.className = 'cancel';
    cancel.onclick = () => act(() => api('DELETE', `/genesys/1/service/callback/${r.service}/${r.id}`));
    td.appendChild(cancel);
    tr.appendChild(td);
    return tr;
  }));
}

const cell = (tag, text) => { const e = document.createElement(tag); e.textContent = text; return e; };
const row = (values) => { const tr = document.createElement('tr'); for (const v of values) tr.appendChild(cell('td', v)); return tr; };
const table = (head, rows) => {
  const t = document.createElement('table');
  const hr = document.createElement('tr'); for (const h of head) hr.appendChild(cell('th', h));
  t.createTHead().appendChild(hr);
  const b = t.createTBody(); for (const r of rows) b.appendChild(row(r));
  return t;
};

/** each target: waiting callers and callbacks with position and age, EWT, agents and their states (pushed) */
function renderQueues(snapshot) {
  const parts = [];
  for (const d of snapshot.targets) {
    const box = document.createElement('div');
    box.className = 'target';
    box.dataset.target = d.name;
    const ewt = d.stats.ewtSec[d.ewtMethod];
    box.appendChild(cell('h3', `${d.name} — ${d.stats.waiting} waiting, EWT ${Math.round(ewt)} s (${d.ewtMethod}), service level ${d.stats.serviceLevel === null ? 'n/a' : Math.round(d.stats.serviceLevel * 100) + ' %'}`));
    const acc = d.stats.ewtAccuracy;
    if (acc) {
      const p = cell('p', `EWT error, last hour (${acc.callers} callers who reached an agent, mean wait ${Math.round(acc.meanWaitSec)} s): ` + Object.entries(acc.maeSec).map(([m, v]) => `${m} ${Math.round(v)} s`).join(', '));
      p.className = 'ewt-accuracy';
      box.appendChild(p);
    }
    box.appendChild(table(['Position', 'Kind', 'Contact', 'Waited', 'EWT'], d.waiting.map((w) => [w.position + 1, w.kind, w.contactId, Math.round(w.waitedSec) + ' s', Math.round(w.ewtSec[d.ewtMethod]) + ' s'])));
    box.appendChild(table(['Agent', 'State', 'Since', 'Reserved for'], d.agents.map((a) => [a.name || a.id, a.state, new Date(a.since).toLocaleTimeString(), a.reservation ? a.reservation.contactId || '' : ''])));
    parts.push(box);
  }
  if (parts.length) $('queues').replaceChildren(...parts);
  renderAgents(snapshot.targets.flatMap((t) => t.agents));
  const select = $('history-target');
  const names = snapshot.targets.map((t) => t.name);
  if (select.options.length !== names.length) {
    select.replaceChildren(...names.map((n) => { const o = document.createElement('option'); o.textContent = n; return o; }));
    refreshHistory().catch(() => {});
  }
}

const duration = (sec) => (sec === null || sec === undefined ? '—' : sec < 60 ? `${Math.round(sec)} s` : `${Math.floor(sec / 60)} min ${String(Math.round(sec % 60)).padStart(2, '0')} s`);

/**
 * One row per agent (an agent of several targets once): today's calls, average handle time (talk + after-call
 * work per call), talk and after-call work in all, dispositions; Not ready and Log out (POST /api/v1/agents/...,
 * audited), after which the next push shows the change.
 */
function renderAgents(agents) {
  const seen = new Set();
  const rows = [];
  for (const a of agents) {
    if (seen.has(a.id)) continue;
    seen.add(a.id);
    const d = a.today || { calls: 0, talkSec: 0, afterCallWorkSec: 0, avgHandleSec: null, dispositions: {} };
    const state = a.state + (a.state === 'NOT_READY' && a.notReadyReason ? ` (${a.notReadyReason})` : '') + (a.afterCall ? ` → ${a.afterCall}` : '');
    const tr = row([a.name || a.id, state, d.calls, duration(d.avgHandleSec), duration(d.talkSec), duration(d.afterCallWorkSec), Object.entries(d.dispositions).map(([k, n]) => `${k} ${n}`).join(', ') || '—']);
    tr.dataset.agent = a.id;
    const td = document.createElement('td');
    const act = (label, action, disabled) => {
      const b = document.createElement('button');
      b.textContent = label;
      b.disabled = disabled;
      b.onclick = () => api('POST', `/api/v1/agents/${encodeURIComponent(a.id)}/${action}`).then(() => { $('error').textContent = ''; }, (e) => { $('error').textContent = e.message; });
      td.appendChild(b);
    };
    act('Not ready', 'not-ready', a.state === 'NOT_READY' || a.afterCall === 'not-ready' || a.afterCall === 'logout');
    act('Log out', 'logout', !a.loggedIn || a.afterCall === 'logout');
    tr.appendChild(td);
    rows.push(tr);
  }
  rows.sort((x, y) => x.dataset.agent.localeCompare(y.dataset.agent));
  $('agents').tBodies[0].replaceChildren(...rows);
}

/** the target's samples (GET /api/v1/reports/queue-history) as a chart: waiting contacts and EWT over time */
let chart;
async function refreshHistory() {
  const target = $('history-target').value;
  if (!target) return;
  const hours = Number($('history-hours').value);
  const from = new Date(Date.now() - hours * 3600_000).toISOString();
  const rows = await api('GET', `/api/v1/reports/queue-history?target=${encodeURIComponent(target)}&from=${from}`);
  const data = [
    rows.map((r) => Date.parse(r.at) / 1000),
    rows.map((r) => r.waiting),
    rows.map((r) => r.ewt_sec / 60),
    rows.map((r) => r.agents_ready),
  ];
  $('history-note').textContent = rows.length ? `${rows.length} samples` : 'no samples yet';
  $('history').dataset.samples = String(rows.length);
  const width = Math.max(320, $('history').clientWidth || 800);
  if (chart) chart.destroy();
  chart = new uPlot({
    width, height: 220,
    series: [
      {},
      { label: 'waiting', stroke: '#1d6fd8', width: 2, scale: 'n' },
      { label: 'EWT (min)', stroke: '#d8731d', width: 2, scale: 'min' },
      { label: 'agents ready', stroke: '#2a7', width: 1, scale: 'n' },
    ],
    axes: [{}, { scale: 'n', label: 'contacts / agents' }, { scale: 'min', side: 1, label: 'EWT (min)', grid: { show: false } }],
  }, data, $('history'));
}
$('history-target').onchange = () => refreshHistory().catch((e) => { $('error').textContent = e.message; });
$('history-hours').onchange = $('history-target').onchange;

let queueSource;
function watchQueues() {
  if (queueSource) queueSource.close();
  queueSource = new EventSource('/api/v1/stream/queues?api_key=' + encodeURIComponent(key));
  queueSource.addEventListener('queues', (e) => renderQueues(JSON.parse(e.data)));
}

async function act(fn) {
  try { await fn(); $('error').textContent = ''; await refresh(); } catch (e) { $('error').textContent = e.message; }
}

function onEvent(e) {
  const ev = JSON.parse(e.data);
  const tr = document.createElement('tr');
  const detail = ev.data && (ev.data.outcome || ev.data.to || ev.reason || '');
  for (const v of [new Date(ev.at).toLocaleTimeString(), ev.callbackId.slice(-8), ev.type, ev.state, detail]) {
    const td = document.createElement('td'); td.textContent = v; tr.appendChild(td);
  }
  const body = $('events').tBodies[0];
  body.prepend(tr);
  while (body.children.length > 50) body.lastChild.remove();
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => refresh().catch(() => {}), 300);
}

/** previews offered to agents and confirmations asked of customers (not stored: live only) */
function onApproval(e) {
  const ev = JSON.parse(e.data);
  const who = ev.type.startsWith('PREVIEW') ? 'agent ' + ev.agentId : 'customer (agent ' + ev.agentId + ' ready)';
  const tr = document.createElement('tr');
  tr.className = 'approval';
  for (const v of [new Date(ev.at).toLocaleTimeString(), ev._id.slice(-8), ev.type, who, ev.outcome || '']) {
    const td = document.createElement('td'); td.textContent = v; tr.appendChild(td);
  }
  const body = $('events').tBodies[0];
  body.prepend(tr);
  while (body.children.length > 50) body.lastChild.remove();
}

async function connect() {
  key = $('key').value.trim();
  sessionStorage.setItem('cbKey', key);
  if (source) source.close();
  try {
    await refresh();
    $('error').textContent = '';
  } catch (e) {
    $('error').textContent = e.message;
    return;
  }
  watchQueues();
  clearInterval(window.historyPoll);
  window.historyPoll = setInterval(() => refreshHistory().catch(() => {}), 60_000);
  source = new EventSource('/api/v1/stream?api_key=' + encodeURIComponent(key));
  source.addEventListener('callback', onEvent);
  source.addEventListener('approval', onApproval);
  source.onopen = () => { $('live').textContent = 'live'; $('live').className = 'on'; };
  source.onerror = () => { $('live').textContent = 'reconnecting'; $('live').className = ''; };
}

$('connect').onclick = connect;
if (key) connect();
