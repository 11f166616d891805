// The admin page's API keys and audit log sections (/admin): keys listed with their scopes, networks and
// limit (never their secrets), created with a form (the key is shown once), rotated and revoked; the latest
// audit entries. Every call is the REST API (/admin/v1/keys, /admin/v1/audit) with the page's admin key.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const SCOPES = ['callbacks:write', 'callbacks:read', 'reports:read', 'queue:agent', 'admin'];
  const key = () => $('key').value.trim() || sessionStorage.getItem('cbAdminKey') || '';

  async function api(method, path, body) {
    const res = await fetch(path, { method, headers: Object.assign({ 'x-api-key': key() }, body ? { 'content-type': 'application/json' } : {}), body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new Error((data && data.message) || `HTTP ${res.status}`);
    return data;
  }
  const cell = (text, className) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  };
  const button = (text, onClick, className) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    if (className) b.className = className;
    b.addEventListener('click', onClick);
    return b;
  };
  const keysError = (m) => { $('keys-error').textContent = m || ''; };

  function showNewKey(k) {
    $('new-key-value').textContent = k.key;
    $('new-key-name').textContent = k.name;
    $('new-key').hidden = false;
  }

  async function loadKeys() {
    const { keys } = await api('GET', '/admin/v1/keys');
    const body = $('keys').tBodies[0];
    body.replaceChildren(
      ...keys.map((k) => {
        const tr = document.createElement('tr');
        tr.dataset.id = k.id;
        tr.dataset.name = k.name;
        tr.append(
          cell(k.name, 'key-name'),
          cell(k.id),
          cell(k.scopes.join(' '), 'key-scopes'),
          cell(k.allowedNetworks.join(' ') || 'anywhere'),
          cell(k.rateLimitPerMinute === null ? 'none' : `${k.rateLimitPerMinute}/min`),
          cell(`${k.createdAt.slice(0, 16).replace('T', ' ')} by ${k.createdBy}`),
          cell(k.active ? (k.revokedAt ? `until ${k.revokedAt.slice(0, 16).replace('T', ' ')}` : 'active') : 'revoked', 'key-state'),
        );
        const actions = document.createElement('td');
        if (k.active) {
          actions.append(
            button('Rotate', () => api('POST', `/admin/v1/keys/${k.id}/rotate`, {}).then((r) => { showNewKey(r); return refresh(); }).catch((e) => keysError(e.message)), 'rotate'),
            ' ',
            button('Revoke', () => api('DELETE', `/admin/v1/keys/${k.id}`).then(refresh).catch((e) => keysError(e.message)), 'revoke danger'),
          );
        }
        tr.append(actions);
        return tr;
      }),
    );
  }

  async function loadAudit() {
    const { entries } = await api('GET', '/admin/v1/audit?limit=50');
    $('audit').tBodies[0].replaceChildren(
      ...entries.map((e) => {
        const tr = document.createElement('tr');
        tr.dataset.action = e.action;
        const change = (v) => (v === null || v === undefined ? '' : JSON.stringify(v));
        tr.append(cell(e.at.slice(0, 19).replace('T', ' ')), cell(e.actor), cell(e.source), cell(e.action, 'audit-action'), cell(e.subject), cell(`${change(e.before)} → ${change(e.after)}`, 'audit-change'));
        return tr;
      }),
    );
  }

  async function refresh() {
    keysError('');
    await loadKeys();
    await loadAudit();
  }

  async function createKey(ev) {
    ev.preventDefault();
    const scopes = SCOPES.filter((s) => $(`scope-${s}`).checked);
    const networks = $('k-networks').value.split(/[\s,]+/).filter(Boolean);
    const limit = $('k-limit').value.trim();
    const body = { name: $('k-name').value.trim(), scopes, ...(networks.length ? { allowedNetworks: networks } : {}), ...(limit ? { rateLimitPerMinute: Number(limit) } : {}) };
    try {
      showNewKey(await api('POST', '/admin/v1/keys', body));
      $('key-form').reset();
      await refresh();
    } catch (e) {
      keysError(e.message);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('key-form').addEventListener('submit', createKey);
    $('hide-new-key').addEventListener('click', () => { $('new-key').hidden = true; $('new-key-value').textContent = ''; });
    $('refresh-audit').addEventListener('click', () => loadAudit().catch((e) => keysError(e.message)));
    $('connect').addEventListener('click', () => refresh().catch((e) => keysError(e.message)));
    if (key()) refresh().catch((e) => keysError(e.message));
  });
})();
