const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('agentToken');
let sip = JSON.parse(sessionStorage.getItem('agentSip') || 'null');
let ua, session, held = false, live, stats;

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
const showAgent = (a) => { $('state').textContent = a.state; $('state').className = 'pill ' + a.state; $('who').textContent = a.name || a.id; };

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
  live.onerror = () => refresh();
}

/** a callback offered for preview (_agent_preview): its data, Accept / Reject until it lapses */
let previewId = null;
function showPreview(p) {
  $('preview').hidden = !p;
  previewId = p ? p._id : null;
  if (!p) return;
  $('preview').dataset.id = p._id;
  const rows = [['Callback', p._id], ['Customer', p._customer_number], ['Service', p._service_name], ...Object.entries(p.userData || {})];
  $('preview-data').replaceChildren(...rows.flatMap(([k, v]) => { const dt = document.createElement('dt'); dt.textContent = k; const dd = document.createElement('dd'); dd.textContent = v; return [dt, dd]; }));
  $('preview-expires').textContent = 'at ' + new Date(p.expiresAt).toLocaleTimeString();
  $('preview-reject').hidden = !p.allowReject;
}
const answerPreview = (action) => previewId && api('POST', `/api/v1/agent/callbacks/${encodeURIComponent(previewId)}/preview`, { action }).then(() => { showPreview(null); refresh(); }, fail);
$('preview-accept').onclick = () => answerPreview('accept');
$('preview-reject').onclick = () => answerPreview('reject');

function signedOut() {
  token = null; sessionStorage.removeItem('agentToken'); if (live) live.close();
  $('panel').hidden = true; $('signin').hidden = false; $('state').textContent = 'signed out'; $('state').className = 'pill';
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
    delegate: { onInvite: offered },
    logLevel: 'error',
  });
  try {
    await ua.start();
    const registerer = new Registerer(ua);
    registerer.stateChange.addListener((s) => { $('sip').textContent = s === 'Registered' ? 'registered' : 'not registered (' + s + ')'; });
    await registerer.register();
  } catch (e) {
    $('sip').textContent = 'not registered: cannot reach ' + sip.wsUrl;
  }
}

async function offered(invitation) {
  session = invitation;
  $('call').hidden = false;
  // before any await: a CANCEL or an answer must not slip past while the callback's data loads
  invitation.stateChange.addListener((s) => {
    if (s === 'Established') {
      const pc = invitation.sessionDescriptionHandler.peerConnection;
      const stream = new MediaStream();
      pc.getReceivers().forEach((r) => r.track && stream.addTrack(r.track));
      $('remote').srcObject = stream;
      $('call-title').textContent = 'On call';
      stats = setInterval(() => showMedia(pc), 1000);
    }
    if (s === 'Terminated') { clearInterval(stats); $('call').hidden = true; session = undefined; refresh(); }
  });
  const h = (name) => invitation.request.getHeader(name);
  const id = h('X-Callback-Id');
  $('call-title').textContent = id ? 'Incoming callback' : 'Incoming call'; $('media').textContent = '';
  const rows = [['Customer', h('X-Customer-Number') || invitation.remoteIdentity.uri.user]];
  if (id) {
    // the call's own headers first (the attempt and the AMD decision are known only to the call until it ends)
    rows.push(['Callback', id], ['Customer number', h('X-Customer-Number') || ''], ['Attempt', h('X-Callback-Attempt') || ''], ['Detected', h('X-Amd-Result') || 'n/a']);
    try {
      const cb = await api('GET', '/api/v1/agent/callbacks/' + encodeURIComponent(id));
      const set = (k, v) => { const r = rows.find((x) => x[0] === k); if (r && !r[1] && v != null) r[1] = v; };
      set('Customer number', cb._customer_number); set('Attempt', cb._attempt);
      for (const [k, v] of Object.entries(cb)) if (!k.startsWith('_')) rows.push([k, v]);
    } catch (e) { fail(e); }
  }
  $('call-data').replaceChildren(...rows.flatMap(([k, v]) => { const dt = document.createElement('dt'); dt.textContent = k; const dd = document.createElement('dd'); dd.textContent = v; return [dt, dd]; }));
}

/** audio both ways, from WebRTC stats: what the agent hears (inbound) and what the customer gets (outbound) */
async function showMedia(pc) {
  const reports = [...(await pc.getStats()).values()];
  const inb = reports.find((r) => r.type === 'inbound-rtp' && r.kind === 'audio');
  const out = reports.find((r) => r.type === 'outbound-rtp' && r.kind === 'audio');
  const codec = inb && reports.find((r) => r.id === inb.codecId)?.mimeType;
  const m = $('media');
  m.dataset.packetsReceived = inb ? inb.packetsReceived : 0;
  m.dataset.packetsSent = out ? out.packetsSent : 0;
  m.textContent = `audio in ${m.dataset.packetsReceived} packets, out ${m.dataset.packetsSent} packets` + (codec ? ` (${codec})` : '');
}

$('signin-form').onsubmit = async (ev) => {
  ev.preventDefault();
  try {
    token = null;
    const r = await api('POST', '/api/v1/agent/sessions', { agentId: $('agent-id').value.trim(), password: $('password').value });
    token = r.token; sip = r.sip;
    sessionStorage.setItem('agentToken', token); sessionStorage.setItem('agentSip', JSON.stringify(sip));
    $('signin').hidden = true; $('panel').hidden = false; $('error').textContent = '';
    showAgent(r.agent);
    watch();
    startPhone($('password').value);
  } catch (e) { fail(e); }
};
$('ready').onclick = () => api('PUT', '/api/v1/agent/me/state', { state: 'READY' }).then(showAgent, fail);
$('not-ready').onclick = () => api('PUT', '/api/v1/agent/me/state', { state: 'NOT_READY' }).then(showAgent, fail);
$('logout').onclick = () => api('PUT', '/api/v1/agent/me/state', { state: 'LOGGED_OUT' }).then(signedOut, fail);
$('answer').onclick = () => session && session.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } }).catch(fail);
$('hangup').onclick = () => { if (!session) return; (session.state === 'Established' ? session.bye() : session.reject()).catch(fail); };
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
if (token) { $('signin').hidden = true; $('panel').hidden = false; refresh(); watch(); }
