// The supervisor's live calls: listen in, whisper to the agent, barge in, from this page's own softphone
// (sip.js over drachtio-server's WebSocket, WebRTC audio through FreeSWITCH's eavesdrop on the agent's call).
const $ = (id) => document.getElementById(id);
const MODES = { listen: 'Listen', whisper: 'Whisper', barge: 'Barge' };
const DOING = { listen: 'listening', whisper: 'whispering to the agent', barge: 'in the call (barged in)' };

let me = '';            // the supervisor id whose phone is signed in here
let ua;
let registered = false;
let joining = false;    // a Listen/Whisper/Barge is in flight: the INVITE it causes is answered at once
let poll;

const key = () => $('key').value.trim() || sessionStorage.getItem('cbKey') || '';

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: Object.assign({ 'x-api-key': key() }, body ? { 'content-type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) { const e = new Error((data && data.message) || res.statusText); e.status = res.status; throw e; }
  return data;
}

const note = (text) => { $('calls-note').textContent = text; $('calls-note').hidden = !text; };

function phoneState(text, on) {
  $('sup-phone-state').textContent = text;
  $('sup-phone-state').className = on ? 'pill on' : 'pill';
}

async function loadSoftphone() {
  const sp = await api('GET', '/api/v1/supervision/softphone');
  const select = $('sup-id');
  if (select.options.length !== sp.supervisors.length) {
    select.replaceChildren(...sp.supervisors.map((s) => { const o = document.createElement('option'); o.value = s.id; o.textContent = s.name; return o; }));
  }
  if (!sp.supervisors.length) note('No supervisor is configured (supervision.supervisors).');
  return sp;
}

async function signInPhone() {
  let sp;
  try { sp = await loadSoftphone(); } catch (e) { note(e.message); return; }
  const id = $('sup-id').value;
  const password = $('sup-pass').value;
  if (!id || !password) { note('Choose the supervisor and type the phone password.'); return; }
  if (ua) await ua.stop().catch(() => {});
  const { UserAgent, Registerer } = await import('/vendor/sip.js/index.js');
  me = id;
  ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${id}@${sp.domain}`),
    transportOptions: { server: sp.wsUrl, connectionTimeout: 5 },
    sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: sp.iceServers || [] }, iceGatheringTimeout: 2000 },
    authorizationUsername: id,
    authorizationPassword: password,
    delegate: { onInvite: offered },
    logLevel: 'error',
  });
  phoneState('connecting', false);
  try {
    await ua.start();
    const registerer = new Registerer(ua);
    registerer.stateChange.addListener((s) => {
      registered = s === 'Registered';
      phoneState(registered ? 'phone ready' : 'phone off (' + s.toLowerCase() + ')', registered);
      refreshCalls().catch(() => {});
    });
    await registerer.register();
  } catch (e) {
    phoneState('phone off: cannot reach ' + sp.wsUrl, false);
  }
}

let session;
/** the app rings this phone only because we asked (joining); anything else is refused */
function offered(invitation) {
  if (!joining || !invitation.request.getHeader('X-Supervision-Id')) {
    invitation.reject({ statusCode: 486 }).catch(() => {});
    return;
  }
  session = invitation;
  invitation.stateChange.addListener((s) => {
    if (s === 'Established') {
      const pc = invitation.sessionDescriptionHandler.peerConnection;
      const stream = new MediaStream();
      pc.getReceivers().forEach((r) => r.track && stream.addTrack(r.track));
      $('sup-audio').srcObject = stream;
    }
    if (s === 'Terminated') { session = undefined; $('sup-audio').srcObject = null; refreshCalls().catch(() => {}); }
  });
  invitation.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } }).catch((e) => note('could not answer: ' + e.message));
}

async function act(fn) {
  try { await fn(); note(''); } catch (e) { note(e.message); }
  await refreshCalls().catch(() => {});
}

function button(label, onClick, pressed) {
  const b = document.createElement('button');
  b.textContent = label;
  if (pressed !== undefined) b.setAttribute('aria-pressed', String(pressed));
  b.onclick = onClick;
  return b;
}

function render(calls) {
  const rows = calls.map((c) => {
    const tr = document.createElement('tr');
    tr.dataset.agent = c.agentId;
    const mine = c.supervision.find((s) => s.supervisorId === me);
    const others = c.supervision.filter((s) => s.supervisorId !== me);
    if (mine) tr.dataset.mode = mine.mode;
    const since = new Date(c.since);
    const cells = [c.agentId, since.toLocaleTimeString()];
    for (const v of cells) { const td = document.createElement('td'); td.textContent = v; tr.appendChild(td); }
    const state = document.createElement('td');
    state.className = 'mode';
    const words = [];
    if (mine) words.push('you: ' + (mine.state === 'active' ? DOING[mine.mode] : 'your phone is ringing'));
    for (const o of others) words.push(o.supervisorId + ': ' + DOING[o.mode]);
    state.textContent = words.join('; ') || 'not supervised';
    tr.appendChild(state);
    const actions = document.createElement('td');
    for (const [mode, label] of Object.entries(MODES)) {
      actions.appendChild(button(label, () => act(async () => {
        if (mine) return api('PATCH', '/api/v1/supervision/sessions/' + mine.id, { mode });
        if (!registered) throw new Error('Sign in your phone first: the call comes to it.');
        joining = true;
        try { return await api('POST', '/api/v1/supervision/sessions', { supervisorId: me, agentId: c.agentId, mode }); } finally { joining = false; }
      }), mine ? mine.mode === mode : false));
    }
    if (mine) actions.appendChild(button('Leave', () => act(() => api('DELETE', '/api/v1/supervision/sessions/' + mine.id))));
    tr.appendChild(actions);
    return tr;
  });
  $('calls').tBodies[0].replaceChildren(...rows);
  if (!calls.length) {
    const tr = document.createElement('tr');
    const td = document.createElement('td'); td.colSpan = 4; td.textContent = 'no agent is on a call'; tr.appendChild(td);
    $('calls').tBodies[0].appendChild(tr);
  }
}

async function refreshCalls() {
  if (!key()) return;
  try {
    render(await api('GET', '/api/v1/supervision/calls'));
    if ($('calls-note').textContent.startsWith('Connect with')) note('');
  } catch (e) {
    note(e.status === 403 ? 'This key may not listen in on calls (it needs the calls:supervise scope).' : e.message);
  }
}

function start() {
  clearInterval(poll);
  loadSoftphone().catch(() => {});
  refreshCalls();
  poll = setInterval(() => refreshCalls().catch(() => {}), 2000);
}

$('sup-phone').onclick = () => signInPhone();
$('connect').addEventListener('click', start);
if (key()) start();
