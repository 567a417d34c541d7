// DOM helpers. Everything that may carry scraped or user data goes through text nodes (textContent),
// never innerHTML: a record holding "<script>" must show those characters, not run them.

/** h('div', {class: 'x', onclick: fn}, 'text', child) → element; strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'href') el.setAttribute('href', safeHref(String(v)));
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'selected') el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Only http(s), same-page hashes and same-origin paths: scraped `javascript:`/`data:` URLs become inert. */
export function safeHref(u) {
  if (/^(#|\/(?!\/))/.test(u)) return u;
  try {
    const p = new URL(u, location.href);
    return p.protocol === 'http:' || p.protocol === 'https:' ? p.href : '#';
  } catch {
    return '#';
  }
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Any value → display text; objects as compact JSON (still rendered as text). */
export function text(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export const STATUS = { 0: 'Invalid', 1: 'Running', 2: 'Exporting', 3: 'Starting', 4: 'Queuing', 5: 'Stopping', 6: 'Failure', 7: 'Failed', 8: 'Stopped', 9: 'Completed', 10: 'Success', 11: 'Skipped', 12: 'Waiting' };
export const TERMINAL = new Set([6, 7, 8, 9, 10, 11]);
export const ACTIVE = new Set([1, 2, 3, 4, 5, 12]);

export function statusBadge(s) {
  const name = STATUS[s] ?? (s === null || s === undefined ? 'Never run' : String(s));
  const kind = s === 9 || s === 10 ? 'ok' : s === 6 || s === 7 ? 'bad' : ACTIVE.has(s) ? 'busy' : 'idle';
  return h('span', { class: `badge badge-${kind}` }, name);
}

export function fmtDate(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

export function fmtBytes(n) {
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A simple table: columns = [{label, get(row) → text|Node, sortKey?}] */
export function table(columns, rows, opts = {}) {
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)));
  const body = rows.map((r) => h('tr', {}, columns.map((c) => h('td', { 'data-label': c.label }, c.get(r)))));
  const t = h('table', { class: `data ${opts.class ?? ''}` }, h('thead', {}, head), h('tbody', {}, body.length ? body : h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, opts.empty ?? 'Nothing here yet.'))));
  return h('div', { class: 'table-wrap' }, t);
}

let toastTimer;
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.className = `toast toast-${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 5000);
}

/** An inline error box for a failed call; `err.errors` (validation) listed one per line. */
export function errorBox(err) {
  const box = h('div', { class: 'error-box', role: 'alert' }, err?.message ?? String(err));
  if (Array.isArray(err?.errors) && err.errors.length > 1) box.append(h('ul', {}, err.errors.map((e) => h('li', {}, e))));
  return box;
}

export function spinner(label = 'Loading…') {
  return h('p', { class: 'muted loading' }, label);
}

/** Runs `fn` now and every `ms` until the returned stop() is called; errors are reported, not fatal. */
export function every(ms, fn) {
  let stopped = false;
  let timer;
  const tick = async () => {
    if (stopped) return;
    try {
      await fn();
    } catch (e) {
      console.warn(e);
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** replaceChildren that skips null/false (the DOM's own would print "null"). */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}
