// The services admin page (/admin): services with their template and options (defaults and overrides apart),
// create from a template with a form built from the option schema, edit, delete (confirmed, refused while
// callbacks are pending), and each service's figures today. Pushed: callback events refresh the figures,
// service changes the list (/api/v1/stream). Every call is the REST API, with the admin key; its errors
// are shown where they belong (the field its `parameter` names). No inline script or style: CSP 'self'.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const ACTIVE = ['SCHEDULED', 'QUEUED', 'ROUTING', 'PROCESSING'];
  const STATE_ORDER = ['SCHEDULED', 'QUEUED', 'ROUTING', 'PROCESSING', 'COMPLETED'];
  const state = { key: sessionStorage.getItem('cbAdminKey') || '', services: [], templates: [], options: [], figures: {}, editing: null, source: null };

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.parameter = body && body.parameter;
    }
  }

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      headers: Object.assign({ 'x-api-key': state.key }, body ? { 'content-type': 'application/json' } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let data;
    try { data = text ? JSON.parse(text) : undefined; } catch { data = undefined; }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'className') e.className = v;
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  };
  const show = (value) => (value === undefined ? '' : typeof value === 'string' ? (value === '' ? '""' : value) : JSON.stringify(value));
  const chips = (counts, order) => {
    const keys = Object.keys(counts).sort((a, b) => (order ? order.indexOf(a) - order.indexOf(b) : a.localeCompare(b)));
    if (!keys.length) return el('span', { className: 'muted', text: 'none' });
    return el('div', { className: 'chips' }, ...keys.map((k) => el('span', { className: 'chip', dataset: { name: k } }, el('b', { text: String(counts[k]) }), k)));
  };
  const templateOf = (id) => state.templates.find((t) => t.id === id);
  const specOf = (name) => state.options.find((o) => o.name === name);

  function setError(message) {
    $('error').textContent = message || '';
  }

  // ---- services list and figures ----

  function renderServices() {
    const body = $('services').tBodies[0];
    body.replaceChildren(
      ...state.services.map((s) => {
        const f = state.figures[s.name] || { byState: {}, amd: {}, completed: 0, connected: 0, connectRate: null };
        const overrides = Object.keys(s.options);
        const rate = f.connectRate === null ? el('span', { className: 'muted', text: 'n/a' }) : `${Math.round(f.connectRate * 100)} % (${f.connected}/${f.completed})`;
        const open = el('button', { type: 'button', className: 'link open', text: s.name });
        open.addEventListener('click', () => showDetail(s.name));
        const edit = el('button', { type: 'button', className: 'edit', text: 'Edit' });
        edit.addEventListener('click', () => openForm(s));
        const del = el('button', { type: 'button', className: 'delete danger', text: 'Delete' });
        del.addEventListener('click', () => confirmDelete(s.name));
        return el(
          'tr',
          { dataset: { service: s.name } },
          el('td', {}, open),
          el('td', { className: 'template', text: s.templateName }),
          el('td', { className: 'target', text: String(s.effectiveOptions._target) }),
          el('td', { className: 'overrides' }, overrides.length ? el('div', { className: 'chips' }, ...overrides.map((k) => el('span', { className: 'chip override', text: `${k} = ${show(s.options[k])}` }))) : el('span', { className: 'muted', text: 'template defaults' })),
          el('td', { className: 'states' }, chips(f.byState, STATE_ORDER)),
          el('td', { className: 'amd' }, chips(f.amd)),
          el('td', { className: 'connect-rate' }, rate),
          el('td', {}, el('div', { className: 'row-actions' }, edit, del)),
        );
      }),
    );
    if (!state.services.length) body.append(el('tr', {}, el('td', { colspan: 8, className: 'muted', text: 'no service yet: New service creates one from a template' })));
    if (state.detail) showDetail(state.detail);
  }

  async function loadServices() {
    state.services = await api('GET', '/admin/v1/services');
    renderServices();
  }

  async function loadFigures() {
    const from = new Date();
    from.setHours(0, 0, 0, 0);
    const to = new Date(from.getTime() + 86_400_000);
    const r = await api('GET', `/admin/v1/figures?from=${from.toISOString()}&to=${to.toISOString()}`);
    state.figures = r.services;
    renderServices();
  }

  async function loadTemplates() {
    const r = await api('GET', '/admin/v1/templates');
    state.templates = r.list;
    state.options = r.options;
    $('f-template').replaceChildren(...state.templates.map((t) => el('option', { value: t.id, text: t.name })));
  }

  // ---- one service's effective options: template default | override | effective ----

  function showDetail(name) {
    const s = state.services.find((x) => x.name === name);
    if (!s) {
      state.detail = null;
      $('service-detail-section').hidden = true;
      return;
    }
    state.detail = name;
    const defaults = (templateOf(s.template) || { defaults: {} }).defaults;
    $('detail-title').textContent = `${s.name} — ${s.templateName}`;
    $('detail-options').tBodies[0].replaceChildren(
      ...state.options.map((o) => {
        const overridden = Object.prototype.hasOwnProperty.call(s.options, o.name);
        return el(
          'tr',
          { className: overridden ? 'override' : undefined, dataset: { option: o.name } },
          el('td', {}, el('code', { text: o.name })),
          el('td', { className: 'default', text: show(defaults[o.name]) }),
          el('td', { className: 'override-value', text: overridden ? show(s.options[o.name]) : '' }),
          el('td', { className: 'effective', text: show(s.effectiveOptions[o.name]) }),
        );
      }),
    );
    $('service-detail-section').hidden = false;
  }

  // ---- the form, built from each option's JSON schema ----

  const literalChoices = (schema) => (Array.isArray(schema.anyOf) && schema.anyOf.every((s) => 'const' in s) ? schema.anyOf.map((s) => s.const) : null);

  function rangeText(schema) {
    const choices = literalChoices(schema);
    if (choices) return 'one of ' + choices.map((c) => (c === '' ? '(empty)' : String(c))).join(', ');
    if (schema.type === 'integer' || schema.type === 'number') {
      const lo = schema.minimum;
      const hi = schema.maximum;
      const kind = schema.type === 'integer' ? 'whole number' : 'number';
      if (lo !== undefined && hi !== undefined) return `${kind}, ${lo}–${hi}`;
      if (lo !== undefined) return `${kind}, at least ${lo}`;
      return kind;
    }
    if (schema.type === 'boolean') return 'true or false';
    if (schema.type === 'string') return schema.pattern ? `text matching ${schema.pattern}` : 'text';
    return 'JSON';
  }

  /** an input for the option's schema; read() gives the value to send, or throws a message */
  function controlFor(spec) {
    const schema = spec.schema;
    const id = 'opt-' + spec.name;
    const choices = literalChoices(schema);
    let input;
    let read;
    let write;
    if (schema.type === 'boolean' || choices) {
      const values = choices || [true, false];
      input = el('select', { id, name: spec.name }, ...values.map((v) => el('option', { value: JSON.stringify(v), text: v === '' ? '(empty)' : String(v) })));
      read = () => JSON.parse(input.value);
      write = (v) => { input.value = JSON.stringify(v); };
    } else if (schema.type === 'integer' || schema.type === 'number') {
      input = el('input', { id, name: spec.name, type: 'number', min: schema.minimum, max: schema.maximum, step: schema.type === 'integer' ? 1 : 'any' });
      // the raw text goes to the server when it is not a number: its error says what is wrong
      read = () => (input.value.trim() !== '' && !Number.isNaN(Number(input.value)) ? Number(input.value) : input.value);
      write = (v) => { input.value = v === undefined || v === null ? '' : String(v); };
    } else if (schema.type === 'string') {
      input = el('input', { id, name: spec.name, type: 'text', autocomplete: 'off' });
      read = () => input.value;
      write = (v) => { input.value = v === undefined || v === null ? '' : String(v); };
    } else {
      input = el('textarea', { id, name: spec.name, spellcheck: 'false' });
      read = () => {
        try {
          return JSON.parse(input.value);
        } catch (e) {
          throw new Error(`options.${spec.name}: not valid JSON (${e.message})`);
        }
      };
      write = (v) => { input.value = v === undefined ? '' : JSON.stringify(v); };
    }
    return { input, read, write };
  }

  const fields = new Map();

  function buildOptionFields() {
    fields.clear();
    $('option-fields').tBodies[0].replaceChildren(
      ...state.options.map((spec) => {
        const control = controlFor(spec);
        const use = el('input', { type: 'checkbox', className: 'use-override', 'aria-label': `override ${spec.name}` });
        const error = el('span', { className: 'option-error', dataset: { errorFor: spec.name } });
        const row = el(
          'tr',
          { dataset: { option: spec.name } },
          el('td', {}, el('label', { for: control.input.id }, el('code', { text: spec.name })), el('span', { className: 'help', text: spec.description }), el('span', { className: 'range', text: rangeText(spec.schema) })),
          el('td', { className: 'default' }),
          el('td', {}, el('div', { className: 'override-cell' }, use, control.input, error)),
        );
        const sync = () => {
          control.input.disabled = !use.checked;
          row.classList.toggle('override', use.checked);
        };
        use.addEventListener('change', sync);
        fields.set(spec.name, { row, use, control, error, sync });
        return row;
      }),
    );
  }

  function showTemplateDefaults() {
    const t = templateOf($('f-template').value);
    for (const [name, f] of fields) {
      const d = t ? t.defaults[name] : undefined;
      f.row.querySelector('td.default').textContent = d === undefined ? '(unset)' : show(d);
      if (!f.use.checked) f.control.write(d);
    }
  }

  function clearErrors() {
    for (const e of document.querySelectorAll('[data-error-for]')) e.textContent = '';
    for (const r of document.querySelectorAll('tr.has-error')) r.classList.remove('has-error');
    $('form-error').textContent = '';
  }

  /** the REST error, where it belongs: `name`, `template`, `options._x...` / `_x` (an option), else the form */
  function showFormError(err) {
    const p = err.parameter || '';
    const option = p.startsWith('options.') ? p.slice(8).split('.')[0] : p.startsWith('_') ? p.split('.')[0] : null;
    if (p === 'name' || p === 'template') {
      document.querySelector(`[data-error-for="${p}"]`).textContent = err.message;
    } else if (option && fields.has(option)) {
      const f = fields.get(option);
      f.error.textContent = err.message;
      f.row.classList.add('has-error');
      f.row.scrollIntoView({ block: 'center' });
    } else {
      $('form-error').textContent = err.message;
    }
  }

  function openForm(service) {
    state.editing = service ? service.name : null;
    clearErrors();
    $('form-title').textContent = service ? `Edit ${service.name}` : 'New service';
    $('save').textContent = service ? 'Save' : 'Create';
    $('f-name').value = service ? service.name : '';
    $('f-name').disabled = Boolean(service);
    $('f-template').value = service ? service.template : state.templates[0].id;
    for (const [name, f] of fields) {
      const overridden = Boolean(service) && Object.prototype.hasOwnProperty.call(service.options, name);
      f.use.checked = overridden;
      f.sync();
      if (overridden) f.control.write(service.options[name]);
    }
    showTemplateDefaults();
    $('service-form-section').hidden = false;
    $('service-form-section').scrollIntoView({ block: 'start' });
    (service ? $('f-template') : $('f-name')).focus();
  }

  function closeForm() {
    state.editing = null;
    $('service-form-section').hidden = true;
  }

  async function submitForm(ev) {
    ev.preventDefault();
    clearErrors();
    const options = {};
    for (const [name, f] of fields) {
      if (!f.use.checked) continue;
      try {
        options[name] = f.control.read();
      } catch (e) {
        showFormError({ parameter: `options.${name}`, message: e.message });
        return;
      }
    }
    const template = $('f-template').value;
    try {
      if (state.editing) await api('PUT', `/admin/v1/services/${encodeURIComponent(state.editing)}`, { template, options });
      else await api('POST', '/admin/v1/services', { name: $('f-name').value.trim(), template, options });
      closeForm();
      setError('');
      await loadServices();
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) showFormError(e);
      else $('form-error').textContent = e.message;
    }
  }

  // ---- delete: confirmed, and only with no callback pending ----

  async function confirmDelete(name) {
    setError('');
    let pending;
    try {
      pending = (await api('GET', `/api/v1/reports/callbacks?service=${encodeURIComponent(name)}&state=${ACTIVE.join(',')}&limit=1000`)).length;
    } catch (e) {
      setError(e.message);
      return;
    }
    const dialog = $('confirm-delete');
    dialog.dataset.service = name;
    $('confirm-title').textContent = `Delete ${name}`;
    $('confirm-text').textContent = pending
      ? `${name} has ${pending >= 1000 ? '1000 or more' : pending} pending callback${pending === 1 ? '' : 's'} (scheduled, queued or being dialed): cancel ${pending === 1 ? 'it' : 'them'} first (supervisor page), then delete the service.`
      : `Delete the service ${name}? Its callbacks stay in the reports; requests to it will get 404.`;
    $('confirm-ok').disabled = pending > 0;
    dialog.returnValue = '';
    dialog.showModal();
  }

  async function onConfirmClosed() {
    const dialog = $('confirm-delete');
    if (dialog.returnValue !== 'delete') return;
    const name = dialog.dataset.service;
    try {
      await api('DELETE', `/admin/v1/services/${encodeURIComponent(name)}`);
      if (state.detail === name) showDetail(null);
      await loadServices();
    } catch (e) {
      setError(e.message);
    }
  }

  // ---- connect, and the pushed updates ----

  let figuresTimer;
  function refreshFiguresSoon() {
    clearTimeout(figuresTimer);
    figuresTimer = setTimeout(() => loadFigures().catch((e) => setError(e.message)), 300);
  }

  function watch() {
    if (state.source) state.source.close();
    const source = new EventSource('/api/v1/stream?api_key=' + encodeURIComponent(state.key));
    source.addEventListener('callback', refreshFiguresSoon);
    source.addEventListener('service', () => loadServices().then(loadFigures).catch((e) => setError(e.message)));
    source.addEventListener('open', () => { $('live').textContent = 'live'; $('live').className = 'badge on'; });
    source.addEventListener('error', () => { $('live').textContent = 'reconnecting'; $('live').className = 'badge'; });
    state.source = source;
  }

  async function connect() {
    state.key = $('key').value.trim();
    sessionStorage.setItem('cbAdminKey', state.key);
    try {
      await loadTemplates();
      buildOptionFields();
      await loadServices();
      await loadFigures();
      setError('');
    } catch (e) {
      setError(e instanceof ApiError && e.status === 403 ? `${e.message}: this page needs an admin API key` : e.message);
      return;
    }
    watch();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('key').value = state.key;
    $('connect').addEventListener('click', connect);
    $('key').addEventListener('keydown', (e) => { if (e.key === 'Enter') connect(); });
    $('new-service').addEventListener('click', () => (state.templates.length ? openForm(null) : setError('connect with an admin API key first')));
    $('cancel-form').addEventListener('click', closeForm);
    $('service-form').addEventListener('submit', submitForm);
    $('f-template').addEventListener('change', showTemplateDefaults);
    $('close-detail').addEventListener('click', () => showDetail(null));
    $('confirm-delete').addEventListener('close', onConfirmClosed);
    if (state.key) connect();
  });
})();
