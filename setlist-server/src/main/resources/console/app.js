// The console's shared module: the session (with its CSRF token), JSON calls to the APIs, the page
// layout (header, navigation, signed-in user, sign-out) and small DOM helpers. Every value from the
// server goes into the page as text (textContent, attributes), never as HTML.

let session = null;

/** An element: h('a', {href: '/x', class: 'y'}, 'text', child, ...). Strings become text nodes. */
export function h(tag, attrs, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Thrown for a non-2xx answer: the HTTP status, the error's name and its message. */
export class ApiError extends Error {
  constructor(status, type, message) {
    super(message || type || ('HTTP ' + status));
    this.status = status;
    this.type = type;
  }
}

/**
 * Calls a JSON API; writes send the session's CSRF token. Resolves to the parsed body. Options:
 * method, body (sent as JSON), headers (added to the request), noRedirect (no sign-in page on 401),
 * onHeaders (called with the response's headers, e.g. to read X-Cache).
 */
export async function api(path, options = {}) {
  const method = options.method || 'GET';
  const headers = Object.assign({'Accept': 'application/json'}, options.headers || {});
  if (method !== 'GET' && session) headers['X-CSRF-Token'] = session.csrfToken;
  let body;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const r = await fetch(path, {method, headers, body, credentials: 'same-origin'});
  if (options.onHeaders) options.onHeaders(r.headers);
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : {}; } catch (e) { json = null; }
  if (!r.ok) {
    const type = json && json.__type ? String(json.__type).split('#').pop() : null;
    const err = new ApiError(r.status, type, json && json.message ? json.message : text.slice(0, 200));
    if (r.status === 401 && !options.noRedirect) toSignIn();
    throw err;
  }
  return json;
}

/** Where this page is, to come back after signing in. */
function here() {
  return location.pathname + location.search + location.hash;
}

function toSignIn() {
  location.assign('/console/login.html?next=' + encodeURIComponent(here()));
}

/** The path to return to after signing in: only a console page of this server. */
export function safeNext(next) {
  return typeof next === 'string' && /^\/console\/[^\\]*$/.test(next) && !next.startsWith('//') ? next : '/console/';
}

/** The signed-in session ({user, csrfToken, grants}). */
export function currentSession() {
  return session;
}

/**
 * Starts a page: checks the session (else off to sign-in), draws the header with the navigation
 * the caller may use, then calls render(main, session). Errors show in the page, not only the log.
 */
export async function page(title, render) {
  document.title = title + ' · Setlist';
  const main = document.getElementById('main');
  try {
    session = await api('/api/v1/console/me', {noRedirect: true});
  } catch (e) {
    main.replaceChildren(problem(e));
    return;
  }
  if (!session.user) { toSignIn(); return; }
  let nav = {links: [], denied: []};
  try { nav = await api('/api/v1/console/nav'); } catch (e) { /* the header still shows who is signed in */ }
  header(nav.links);
  main.replaceChildren(h('h1', {}, title));
  if ((nav.denied || []).includes(location.pathname)) {
    main.append(problem({status: 403, message: 'Your roles do not include this page. An administrator can grant you one that does.'}));
    main.setAttribute('aria-busy', 'false');
    return;
  }
  try {
    await render(main, session);
  } catch (e) {
    main.append(problem(e));
  }
  main.setAttribute('aria-busy', 'false');
}

function header(links) {
  const top = document.getElementById('top');
  const current = location.pathname === '/console' ? '/console/' : location.pathname;
  const list = h('ul', {}, links.map(l => h('li', {},
    h('a', {href: l.path, 'aria-current': l.path === current || (l.path === '/console/' && current === '/console/flow.html') ? 'page' : null}, l.label))));
  const out = h('button', {type: 'button', class: 'link', id: 'sign-out', onclick: signOut}, 'Sign out');
  top.replaceChildren(
    h('a', {class: 'brand', href: '/console/'}, 'Setlist'),
    h('nav', {'aria-label': 'Main'}, list),
    h('div', {class: 'who'}, h('span', {class: 'user', id: 'signed-in-user', title: 'Signed in'}, session.user), out));
}

async function signOut() {
  try { await api('/api/v1/session', {method: 'DELETE', noRedirect: true}); } catch (e) { /* signed out anyway */ }
  location.assign('/console/login.html');
}

/** A message box for an error (role="alert" so screen readers announce it). */
export function problem(e) {
  const denied = e && (e.type === 'AccessDeniedException' || e.status === 403);
  const busy = e && (e.status === 429 || e.status === 503);
  const lead = denied ? 'Not allowed. ' : busy ? 'Not available right now. ' : e && e.status === 404 ? 'Not found. '
    : e && e.status >= 400 && e.status < 500 ? 'Cannot do that. ' : 'Something went wrong. ';
  return h('div', {class: 'problem', role: 'alert'}, h('strong', {}, lead), e && e.message ? e.message : String(e));
}

/** A notice that something worked (role="status"). */
export function notice(text) {
  return h('div', {class: 'notice', role: 'status'}, text);
}

// ---- formatting ---------------------------------------------------------------------------------

const STATES = {
  OK: 'ok', SUCCEEDED: 'ok', RESOLVED: 'ok', ALARM: 'alarm', FAILED: 'alarm', ERROR: 'alarm', TIMED_OUT: 'alarm',
  ABORTED: 'warn', BURNING: 'warn', OPEN: 'alarm', ACKNOWLEDGED: 'warn', INSUFFICIENT_DATA: 'nodata',
  NO_DATA: 'nodata', RUNNING: 'info', PENDING_REDRIVE: 'info', UNSET: 'nodata',
};

/** A coloured status label; the word is always there, colour only repeats it. */
export function badge(state, label) {
  const s = String(state || 'UNSET');
  return h('span', {class: 'badge badge-' + (STATES[s] || 'nodata'), 'data-state': s}, label || s.replace(/_/g, ' '));
}

export function criticality(c) {
  return h('span', {class: 'crit crit-' + String(c), title: 'Criticality'}, String(c));
}

/** An ISO-8601 duration (PT720H, PT5M, PT1H30M) as people write it: 30d, 5m, 1h 30m. */
export function dur(iso) {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(String(iso || ''));
  if (!m) return String(iso || '—');
  let [hours, minutes, seconds] = [Number(m[1] || 0), Number(m[2] || 0), Number(m[3] || 0)];
  const parts = [];
  if (hours >= 24 && hours % 24 === 0) { parts.push(hours / 24 + 'd'); hours = 0; }
  if (hours) parts.push(hours + 'h');
  if (minutes) parts.push(minutes + 'm');
  if (seconds) parts.push(seconds + 's');
  return parts.join(' ') || '0s';
}

export function pct(fraction, digits = 2) {
  return fraction === null || fraction === undefined ? '—' : (fraction * 100).toFixed(digits) + '%';
}

/** Milliseconds since the epoch of an API time: epoch seconds (the AWS JSON protocols) or ISO-8601 text. */
export function millis(t) {
  if (t === null || t === undefined || t === '') return NaN;
  return typeof t === 'number' ? t * 1000 : Date.parse(t);
}

export function time(t) {
  const m = millis(t);
  return isNaN(m) ? '—' : new Date(m).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'medium'});
}

export function timeEl(t) {
  const m = millis(t);
  return h('time', {datetime: isNaN(m) ? null : new Date(m).toISOString()}, time(t));
}

export function ms(value) {
  if (value === null || value === undefined) return '—';
  return value >= 1000 ? (value / 1000).toFixed(2) + ' s' : value >= 10 ? Math.round(value) + ' ms' : value.toFixed(2) + ' ms';
}

/** A table with a caption, headers and rows (each row an array of cells: text or nodes). */
export function table(caption, headers, rows, attrs = {}) {
  return h('table', attrs,
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, headers.map(t => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', {colspan: headers.length, class: 'empty'}, 'Nothing yet.'))));
}

export function row(cells, attrs = {}) {
  return h('tr', attrs, cells.map(c => h('td', {}, c)));
}

/** A definition list from [term, value] pairs, skipping empty values. */
export function facts(pairs, attrs = {}) {
  return h('dl', Object.assign({class: 'facts'}, attrs), pairs.filter(p => p[1] !== null && p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

/** The trace id of a W3C traceparent header (00-<trace>-<span>-<flags>), or null. */
export function traceIdOf(traceHeader) {
  const m = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(String(traceHeader || '').trim());
  return m ? m[1] : null;
}

/** The last part of an ARN (a state machine's or an execution's name). */
export function arnName(arn) {
  return String(arn || '').split(':').pop();
}

/** Reports errors of the page to the server's client telemetry, so they are counted by flow. */
window.addEventListener('error', e => report('error', e.message));
window.addEventListener('unhandledrejection', e => report('error', e.reason && e.reason.message ? e.reason.message : String(e.reason)));
function report(level, message) {
  if (!session) return;
  fetch('/api/v1/telemetry', {method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken},
    body: JSON.stringify({level, message: String(message).slice(0, 1000), page: location.pathname, time: new Date().toISOString()})})
    .catch(() => {});
}
