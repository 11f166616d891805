import { amdText, clock, formatNumber, label, rows, span, when } from '/assets/agent-format.js';
import { audioCounters, quality } from '/assets/agent-quality.js';
import { wrapUp } from '/assets/agent-wrapup.js';
import { customerHistory } from '/assets/agent-history.js';
import { ringer } from '/assets/agent-ring.js';
import { transferPanel } from '/assets/agent-transfer.js';

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('agentToken');
let sip = JSON.parse(sessionStorage.getItem('agentSip') || 'null');
let ua, session, held = false, muted = false, live, stats;
/** epoch ms the current call was answered (the call timer), and the agent's last view (the state timer) */
let talkingSince = null;
let agent = null;

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: Object.assign(token ? { authorization: 'Bearer ' + token } : {}, body ? { 'content-type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error((data && data.message) || res.statusText);
  return data;
}
const fail = (e) => { $('error').textContent = e.message || String(e); };
const SUPERVISED = { listen: 'A supervisor is listening', whisper: 'A supervisor is talking to you (the customer does not hear them)', barge: 'A supervisor has joined the call' };
const STATE_TEXT = { READY: 'Ready', NOT_READY: 'Not ready', RESERVED: 'Call offered', BUSY: 'On a call', AFTER_CALL_WORK: 'Wrap-up' };
function showAgent(a) {
  // a supervisor set this agent Not ready or logged them out (REST /api/v1/agents/...): say so
  if (agent && token) {
    if (agent.loggedIn && !a.loggedIn) say('A supervisor logged you out. Press Ready to take calls again.');
    else if (a.notReadyReason === 'supervisor' && agent.notReadyReason !== 'supervisor') say('A supervisor set you Not ready.');
    else if (agent.afterCall !== a.afterCall && a.afterCall && !mine) say(a.afterCall === 'logout' ? 'A supervisor logs you out after this call.' : 'A supervisor set you Not ready after this call.');
  }
  mine = false;
  agent = a;
  $('state').textContent = a.state;
  $('state').title = STATE_TEXT[a.state] || a.state;
  $('state').className = 'pill ' + a.state;
  $('who').textContent = a.name || a.id;
  wrap.show(a, !!session);
  transfer.show(a.transfer, !!session && session.state === 'Established');
  // only when the service tells agents (supervision.tellAgent): whisper and barge are heard anyway
  $('supervised').hidden = !a.supervisor;
  $('supervised').textContent = a.supervisor ? SUPERVISED[a.supervisor.mode] || 'A supervisor is on the call' : '';
  // the customer's earlier contacts stay beside the call and its wrap-up
  if (!session && $('wrapup').hidden) history.hide();
  tick();
}

/** a message from the service (not an error), shown until the next one */
function say(text) {
  const n = $('notice');
  n.textContent = text;
  n.className = 'info';
  n.hidden = false;
}
/** the agent's own request is under way (its echo on the stream is not a supervisor's doing) */
let mine = false;

const wrap = wrapUp({ $, api, fail, showAgent, onCustomer: (n, callbackId) => history.show(n, callbackId) });
const history = customerHistory({ $, api, fail });
const ring = ringer();
const transfer = transferPanel({ $, api, fail });

/** what is down and being reconnected: the phone's WebSocket (sip.js) and the page's event stream */
const down = { phone: false, server: false };
let recovered = null;
function showConnection() {
  const n = $('notice');
  const what = [down.phone && 'the phone server', down.server && 'the service'].filter(Boolean);
  clearTimeout(recovered);
  if (what.length) {
    n.textContent = `Connection to ${what.join(' and ')} lost: reconnecting by itself…`;
    n.className = '';
    n.hidden = false;
  } else if (!n.hidden && n.className !== 'ok') {
    n.textContent = 'Reconnected.';
    n.className = 'ok';
    recovered = setTimeout(() => { n.hidden = true; }, 5000);
  }
}

async function refresh() {
  try { showAgent(await api('GET', '/api/v1/agent/me')); } catch (e) { if (/sign in/.test(e.message)) signedOut(); else fail(e); return; }
  showPreview(await api('GET', '/api/v1/agent/me/preview').catch(() => null));
}

/** state and previews pushed by the server (no polling); on a dropped stream, check the session is still valid */
function watch() {
  if (live) live.close();
  live = new EventSource('/api/v1/agent/stream?access_token=' + encodeURIComponent(token));
  live.addEventListener('agent', (e) => showAgent(JSON.parse(e.data)));
  live.addEventListener('preview', (e) => showPreview(JSON.parse(e.data)));
  live.onopen = () => { if (down.server) { down.server = false; showConnection(); refresh(); } };
  // a dropped connection: EventSource reconnects by itself, the page says so meanwhile; a refused one (the
  // session ended, the service answered an error) is closed for good: check the session, and watch again if it holds
  live.onerror = () => {
    if (live.readyState === EventSource.CLOSED) refresh().then(() => { if (token) setTimeout(() => token && watch(), 3000); });
    else { down.server = true; showConnection(); }
  };
}

/** a callback offered for preview (_agent_preview): its data, Accept / Reject until it lapses */
let previewId = null;
function showPreview(p) {
  $('preview').hidden = !p;
  previewId = p ? p._id : null;
  if (!p) return;
  $('preview').dataset.id = p._id;
  const n = formatNumber(p._customer_number);
  $('preview-data').replaceChildren(...rows([['Customer', n.text], ['Service', p._service_name], ...Object.entries(p.userData || {}).map(([k, v]) => [label(k), v]), ['Reference', p._id, 'ref']]));
  $('preview-expires').textContent = 'at ' + new Date(p.expiresAt).toLocaleTimeString();
  $('preview-reject').hidden = !p.allowReject;
}
const answerPreview = (action) => previewId && api('POST', `/api/v1/agent/callbacks/${encodeURIComponent(previewId)}/preview`, { action }).then(() => { showPreview(null); refresh(); }, fail);
$('preview-accept').onclick = () => answerPreview('accept');
$('preview-reject').onclick = () => answerPreview('reject');

function signedOut() {
  token = null; sessionStorage.removeItem('agentToken'); if (live) live.close();
  down.phone = down.server = false; $('notice').hidden = true; releaseDesk();
  $('panel').hidden = true; $('signin').hidden = false; $('shortcuts').hidden = true;
  $('state').textContent = 'signed out'; $('state').className = 'pill'; $('state-timer').hidden = true; agent = null;
  if (ua) ua.stop().catch(() => {});
}

async function startPhone(password) {
  const { UserAgent, Registerer } = await import('/vendor/sip.js/index.js');
  ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${sip.username}@${sip.domain}`),
    transportOptions: { server: sip.wsUrl, connectionTimeout: 5 },
    // STUN/TURN servers from the config (softphone.iceServers); none by default: on a LAN the host
    // candidates reach FreeSWITCH, and an unreachable STUN server would only delay every answer
    sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: sip.iceServers || [] }, iceGatheringTimeout: 2000 },
    authorizationUsername: sip.username,
    authorizationPassword: password,
    delegate: { onInvite: offered, onDisconnect: lostPhone, onConnect: phoneBack },
    logLevel: 'error',
  });
  try {
    await ua.start();
    registerer = new Registerer(ua);
    registerer.stateChange.addListener((s) => { $('sip').textContent = s === 'Registered' ? 'registered' : 'not registered (' + s + ')'; });
    await registerer.register();
  } catch (e) {
    $('sip').textContent = 'not registered: cannot reach ' + sip.wsUrl;
  }
}

/**
 * The phone's WebSocket dropped (a network change, a server restart): say so and reconnect by itself, sooner
 * when the browser says it is online again; once connected, register again.
 */
let registerer, retry = null, retryDelay = 1000;
function lostPhone(error) {
  if (!error || !token) return; // a stop() we asked for
  down.phone = true; showConnection();
  $('sip').textContent = 'reconnecting…';
  scheduleReconnect();
}
function scheduleReconnect(now) {
  clearTimeout(retry);
  retry = setTimeout(async () => {
    retry = null;
    try { await ua.reconnect(); } catch { retryDelay = Math.min(retryDelay * 2, 30_000); scheduleReconnect(); }
  }, now ? 0 : retryDelay);
}
function phoneBack() {
  if (!down.phone) return;
  clearTimeout(retry); retry = null; retryDelay = 1000;
  down.phone = false; showConnection();
  registerer.register().catch((e) => { $('sip').textContent = 'not registered: ' + (e.message || e); });
}
window.addEventListener('online', () => { if (down.phone) scheduleReconnect(true); });

// ------------------------------------------------------------------ a call

function resetCall() {
  held = false; muted = false; talkingSince = null;
  $('hold').textContent = 'Hold'; $('hold').disabled = true;
  showMuted(); $('mute').disabled = true;
  $('answer').hidden = false; $('call-timer').hidden = true;
  $('quality').hidden = true; $('quality-details').hidden = true; $('quality').setAttribute('aria-expanded', 'false');
  $('quality').className = 'quality'; $('quality-label').textContent = 'call quality';
  $('media').textContent = ''; delete $('media').dataset.packetsReceived; delete $('media').dataset.packetsSent;
  $('quality-data').replaceChildren();
}

async function offered(invitation) {
  if (session) { invitation.reject({ statusCode: 486 }).catch(() => {}); return; }
  session = invitation;
  resetCall();
  $('call').hidden = false;
  $('wrapup').hidden = true;
  const caller = formatNumber(invitation.request.getHeader('X-Customer-Number') || invitation.remoteIdentity.uri.user).text;
  ring.start(invitation.request.getHeader('X-Callback-Id') ? 'Incoming callback' : 'Incoming call', caller);
  $('call').dataset.ringing = 'true';
  tick();
  // before any await: a CANCEL or an answer must not slip past while the callback's data loads
  invitation.stateChange.addListener((s) => {
    if (s !== 'Initial') { ring.stop(); $('call').dataset.ringing = 'false'; $('ring-countdown').hidden = true; }
    if (s === 'Established') {
      const pc = invitation.sessionDescriptionHandler.peerConnection;
      const stream = new MediaStream();
      pc.getReceivers().forEach((r) => r.track && stream.addTrack(r.track));
      $('remote').srcObject = stream;
      $('call-title').textContent = 'On call';
      talkingSince = Date.now();
      $('answer').hidden = true; $('hold').disabled = false; $('mute').disabled = false;
      transfer.show(agent && agent.transfer, true);
      $('call-timer').hidden = false; $('quality').hidden = false;
      tick();
      let before = null;
      const sample = () => showMedia(pc, before).then((c) => { before = c; }, () => {});
      sample();
      stats = setInterval(sample, 1000);
    }
    if (s === 'Terminated') { clearInterval(stats); $('call').hidden = true; session = undefined; talkingSince = null; transfer.show(null, false); refresh(); }
  });
  const h = (name) => invitation.request.getHeader(name);
  const id = h('X-Callback-Id');
  $('call').dataset.callbackId = id || '';
  $('call-title').textContent = id ? 'Incoming callback' : 'Incoming call';
  // a call handed over by another agent says so (blind transfer, or their consultation)
  const from = h('X-Consult-From') ? `Consultation from ${h('X-Consult-From')}` : h('X-Transferred-By') ? `Transferred by ${h('X-Transferred-By')}` : '';
  $('call-from').textContent = from;
  $('call-from').hidden = !from;
  showCustomer(h('X-Customer-Number') || invitation.remoteIdentity.uri.user);
  // the call's own headers first (the attempt and the AMD decision are known only to the call until it ends)
  const card = { attempt: h('X-Callback-Attempt'), amd: h('X-Amd-Result') };
  showCard(id, card, null);
  history.hide();
  if (h('X-Customer-Number')) history.show(h('X-Customer-Number'), id);
  if (!id) return;
  try {
    const cb = await api('GET', '/api/v1/agent/callbacks/' + encodeURIComponent(id));
    if (session !== invitation) return;
    if (!h('X-Customer-Number')) { showCustomer(cb._customer_number); history.show(cb._customer_number, id); }
    showCard(id, card, cb);
  } catch (e) { fail(e); }
}

function showCustomer(raw) {
  const n = formatNumber(raw);
  const a = $('customer-number');
  a.textContent = n.text || 'unknown number';
  if (n.e164) a.href = 'tel:' + n.e164; else a.removeAttribute('href');
  a.dataset.e164 = n.e164;
  $('customer-region').textContent = n.region;
}

/** why the customer is called, for people: service, reason, attempt, when they asked, how long they waited, AMD, their data */
function showCard(id, headers, cb) {
  if (!id) { $('call-data').replaceChildren(...rows([['Call', 'a caller waiting in line']])); return; }
  const attempt = (cb && cb._attempt) || Number(headers.attempt) || null;
  const of = cb && cb._max_attempts ? ` of ${cb._max_attempts}` : '';
  const pairs = [];
  if (cb) pairs.push(['Service', cb._service_name]);
  if (cb && cb._request_callback_reason) pairs.push(['Reason', cb._request_callback_reason]);
  if (attempt) pairs.push(['Attempt', `${attempt}${of}`]);
  if (cb) {
    pairs.push(['Asked', when(cb._accepted_time) + (cb._scheduled ? ` · for ${when(cb._desired_time)}` : '')]);
    const since = Date.parse(cb._scheduled ? cb._desired_time : cb._accepted_time);
    if (!Number.isNaN(since)) pairs.push(['Waited', span((Date.now() - since) / 1000)]);
  }
  pairs.push(['Detected', amdText(headers.amd || (cb && cb._amd))]);
  if (cb) for (const [k, v] of Object.entries(cb)) if (!k.startsWith('_')) pairs.push([label(k), v]);
  pairs.push(['Reference', id, 'ref']);
  $('call-data').replaceChildren(...rows(pairs));
}

/**
 * Call quality from WebRTC stats, behind the small indicator: loss and jitter of what the agent hears over the
 * packets since the last sample that had any, the round trip, a MOS estimate; the packet counters stay as data
 * (audio both ways) for the e2e test and support.
 */
async function showMedia(pc, before) {
  const c = audioCounters(await pc.getStats());
  const q = quality(c, before);
  const m = $('media');
  m.dataset.packetsReceived = c.received;
  m.dataset.packetsSent = c.sent;
  m.textContent = `audio in ${c.received} packets, out ${c.sent} packets` + (c.codec ? ` (${c.codec})` : '');
  // no packet since the last sample (on hold, a pause in the stats): the last grade stands
  if (before && c.received + c.lost <= before.received + before.lost) return before;
  const btn = $('quality');
  btn.className = 'quality ' + q.grade;
  btn.dataset.grade = q.grade;
  $('quality-label').textContent = q.grade === 'none' ? 'no audio yet' : q.grade;
  $('quality-data').replaceChildren(...rows([
    ['Packet loss', `${q.lossPct.toFixed(1)} %`],
    ['Jitter', q.jitterMs == null ? 'n/a' : `${Math.round(q.jitterMs)} ms`],
    ['Round trip', q.rttMs == null ? 'n/a' : `${Math.round(q.rttMs)} ms`],
    ['MOS estimate', q.mos.toFixed(1)],
  ]));
  return c;
}
$('quality').onclick = () => {
  const open = $('quality-details').hidden;
  $('quality-details').hidden = !open;
  $('quality').setAttribute('aria-expanded', String(open));
};

function showMuted() {
  $('mute').firstChild.textContent = muted ? 'Unmute ' : 'Mute ';
  $('mute').setAttribute('aria-pressed', String(muted));
  $('call').classList.toggle('muted-call', muted);
}
/** mute: the microphone's track stops sending (silence to the customer), the call goes on */
function toggleMute() {
  if (!session || session.state !== 'Established') return;
  muted = !muted;
  session.sessionDescriptionHandler.peerConnection.getSenders().forEach((s) => { if (s.track && s.track.kind === 'audio') s.track.enabled = !muted; });
  showMuted();
}
const answer = () => session && session.state === 'Initial' && session.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } }).catch(fail);
const hangup = () => { if (!session) return; (session.state === 'Established' ? session.bye() : session.reject()).catch(fail); };
const setState = (state) => { mine = true; return api('PUT', '/api/v1/agent/me/state', { state }).then(showAgent, fail); };

/** one ticker for every clock on the page: the call timer, the offer's countdown, the time in the current state */
function tick() {
  const cd = $('ring-countdown');
  const expires = agent && agent.reservation && !agent.reservation.connectedAt ? Date.parse(agent.reservation.expiresAt) : NaN;
  if (session && session.state === 'Initial' && !Number.isNaN(expires)) {
    cd.textContent = `Answer within ${clock((expires - Date.now()) / 1000)}`;
    cd.hidden = false;
  } else cd.hidden = true;
  if (talkingSince) $('call-timer').textContent = clock((Date.now() - talkingSince) / 1000);
  const st = $('state-timer');
  st.hidden = !agent;
  if (agent) st.textContent = clock((Date.now() - Date.parse(agent.since)) / 1000);
  wrap.tick();
}
setInterval(tick, 1000);

/**
 * One desk per agent in this browser: the page holds a lock named after the agent while it is open (Web Locks),
 * and a second tab for the same agent is refused before it signs in (which would reset the agent's state).
 */
let releaseLock = null;
function takeDesk(agentId) {
  if (!navigator.locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    navigator.locks.request('agent-desk:' + agentId, { ifAvailable: true }, (lock) => {
      if (!lock) { resolve(false); return undefined; }
      resolve(true);
      return new Promise((release) => { releaseLock = release; });
    });
  });
}
function releaseDesk() { if (releaseLock) { releaseLock(); releaseLock = null; } }
const ELSEWHERE = (id) => `Agent ${id} is already signed in in another tab of this browser. Use that tab, or close it and sign in here again.`;

$('signin-form').onsubmit = async (ev) => {
  ev.preventDefault();
  ring.unlock();
  const agentId = $('agent-id').value.trim();
  if (!releaseLock && !(await takeDesk(agentId))) { fail(new Error(ELSEWHERE(agentId))); $('signin').dataset.refused = 'another-tab'; return; }
  delete $('signin').dataset.refused;
  try {
    token = null;
    const r = await api('POST', '/api/v1/agent/sessions', { agentId: $('agent-id').value.trim(), password: $('password').value });
    token = r.token; sip = r.sip;
    sessionStorage.setItem('agentToken', token); sessionStorage.setItem('agentSip', JSON.stringify(sip));
    $('signin').hidden = true; $('panel').hidden = false; $('shortcuts').hidden = false; $('error').textContent = '';
    showAgent(r.agent);
    watch();
    startPhone($('password').value);
  } catch (e) { releaseDesk(); fail(e); }
};

/** keyboard shortcuts (not while typing in a field): A answer, E hang up, M mute, R ready, N not ready */
document.addEventListener('keydown', (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat || !token) return;
  if (ev.target instanceof HTMLElement && ev.target.closest('input, textarea, select, [contenteditable]')) return;
  const act = { a: answer, e: hangup, m: toggleMute, r: () => setState('READY'), n: () => setState('NOT_READY') }[ev.key.toLowerCase()];
  if (!act) return;
  ev.preventDefault();
  act();
});
$('ready').onclick = () => setState('READY');
$('not-ready').onclick = () => setState('NOT_READY');
$('logout').onclick = () => (mine = true) && api('PUT', '/api/v1/agent/me/state', { state: 'LOGGED_OUT' }).then(signedOut, fail);
$('answer').onclick = answer;
$('hangup').onclick = hangup;
$('mute').onclick = toggleMute;
$('hold').onclick = () => {
  if (!session || session.state !== 'Established') return;
  held = !held;
  session.sessionDescriptionHandlerOptionsReInvite = { hold: held };
  session.invite().then(() => { $('hold').textContent = held ? 'Resume' : 'Hold'; }, fail);
};
for (const k of '123456789*0#') {
  const b = document.createElement('button'); b.textContent = k;
  b.onclick = () => session && session.sessionDescriptionHandler && session.sessionDescriptionHandler.sendDtmf(k);
  $('keys').appendChild(b);
}
if (token) {
  // a reload keeps the session (sessionStorage); a duplicated tab carries it too and is refused
  const id = sip ? sip.username : '';
  takeDesk(id).then((mine) => {
    if (!mine) { token = null; sessionStorage.removeItem('agentToken'); fail(new Error(ELSEWHERE(id))); $('signin').dataset.refused = 'another-tab'; return; }
    $('signin').hidden = true; $('panel').hidden = false; $('shortcuts').hidden = false; refresh(); watch();
  });
}
