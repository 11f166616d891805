/** How the agent page writes numbers, durations and times for people (no raw ids or ISO strings). */

const phone = () => globalThis.libphonenumber;

/**
 * A phone number as people write it (+1 202 555 0188) with its country, from E.164 or from the digits a
 * trunk sends without the plus (12025550188). A number libphonenumber-js cannot read is shown as it came.
 */
export function formatNumber(raw) {
  const s = String(raw || '').trim();
  if (!s) return { text: '', region: '', e164: '' };
  const lib = phone();
  if (lib) {
    for (const candidate of s.startsWith('+') ? [s] : /^\d{8,15}$/.test(s) ? ['+' + s] : [s]) {
      try {
        const n = lib.parsePhoneNumber(candidate);
        if (n && n.isValid()) return { text: n.formatInternational(), region: regionName(n.country), e164: n.number };
      } catch {
        /* not a number libphonenumber-js can read: shown as it came */
      }
    }
  }
  return { text: s, region: '', e164: s };
}

function regionName(code) {
  if (!code) return '';
  try {
    return new Intl.DisplayNames([navigator.language || 'en'], { type: 'region' }).of(code) || code;
  } catch {
    return code;
  }
}

/** 75 -> "1:15", 3725 -> "1:02:05" */
export function clock(sec) {
  const s = Math.max(0, Math.floor(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

/** 45 -> "45 s", 600 -> "10 min", 5400 -> "1 h 30 min", 90000 -> "1 d 1 h" */
export function span(sec) {
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** an ISO time as "14:05" today, else "3 Dec, 14:05" */
export function when(iso) {
  if (!iso) return '';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return String(iso);
  const today = new Date().toDateString() === t.toDateString();
  const time = t.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return today ? time : `${t.toLocaleDateString([], { day: 'numeric', month: 'short' })}, ${time}`;
}

/** what answering-machine detection decided, in words (the code first, as reports name it) */
const AMD = {
  HUMAN: 'a person answered',
  MACHINE: 'answering machine',
  NOTSURE: 'not sure who answered',
  NO_SPEECH: 'nobody spoke at first',
  FAX: 'fax machine',
};
export const amdText = (code) => (code ? (AMD[code] ? `${code} · ${AMD[code]}` : code) : 'not used');

/** "billing_callback" -> "Billing callback" */
export const label = (key) => {
  const s = String(key).replace(/[_-]+/g, ' ').trim();
  return s ? s[0].toUpperCase() + s.slice(1) : s;
};

/** <dt>/<dd> pairs for a <dl>; values may be strings or nodes */
export function rows(pairs) {
  return pairs.flatMap(([k, v, cls]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    if (v instanceof Node) dd.append(v);
    else dd.textContent = v == null ? '' : String(v);
    if (cls) dd.className = cls;
    return [dt, dd];
  });
}
