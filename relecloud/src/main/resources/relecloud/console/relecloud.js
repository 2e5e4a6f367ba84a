// Relecloud's shared page module: what the signed-in user may do, money and dates as people read
// them, concerts as table rows, and the cart kept in this tab's sessionStorage. Every value from the
// server goes into the page as text, never as HTML.
import {api, h, currentSession} from '/console/app.js';

export const BASE = '/api/relecloud';

let me = null;

/** What the caller may do ({user, roles, can: {buyTickets, createConcert, …}}), asked once per page. */
export async function abilities() {
  if (!me) me = await api(BASE + '/me');
  return me;
}

/** Cents as money: 4500 → $45.00. */
export function money(cents, currency = 'USD') {
  if (cents === null || cents === undefined || isNaN(cents)) return '—';
  return new Intl.NumberFormat('en-US', {style: 'currency', currency}).format(cents / 100);
}

/** A concert's date and time as a call-center employee says it: Fri, Dec 4, 2026, 8:00 PM. */
export function when(t) {
  const d = new Date(t);
  return isNaN(d) ? '—' : d.toLocaleString('en-US', {weekday: 'short', year: 'numeric', month: 'short', day: 'numeric',
    hour: 'numeric', minute: '2-digit'});
}

export function whenEl(t) {
  const d = new Date(t);
  return h('time', {datetime: isNaN(d) ? null : d.toISOString()}, when(t));
}

/** Seats left, flagged when few or none remain. */
export function seats(c) {
  const left = c.seatsLeft;
  if (left <= 0) return h('span', {class: 'badge badge-alarm seats', 'data-seats': 0}, 'Sold out');
  const few = left <= Math.max(5, Math.round(c.capacity * 0.05));
  return h('span', {class: 'seats' + (few ? ' badge badge-warn' : ''), 'data-seats': left},
    left + ' of ' + c.capacity + (few ? ' — few left' : ''));
}

export function concertHref(id) {
  return '/console/relecloud/concert.html?id=' + encodeURIComponent(id);
}

/** A table row for a concert in a list: title and artist, date, venue, price, seats left. */
export function concertRow(c) {
  return h('tr', {'data-concert': c.id},
    h('td', {}, h('a', {href: concertHref(c.id), class: 'concert-title'}, c.title), h('div', {class: 'muted'}, c.artist, ' · ', c.genre)),
    h('td', {}, whenEl(c.startsAt)),
    h('td', {}, c.venue, h('div', {class: 'muted'}, c.location)),
    h('td', {class: 'num'}, money(c.priceCents, c.currency)),
    h('td', {class: 'num'}, seats(c)));
}

export const CONCERT_HEADERS = ['Concert', 'Date', 'Venue', 'Price', 'Seats left'];

/** Reads a form field's error message from an API error naming it ('capacity' must be …), or null. */
export function fieldOf(message) {
  const text = String(message || '');
  const m = / at '([A-Za-z]+)[^']*'/.exec(text) || /'([A-Za-z]+)(?:\.[A-Za-z]+)?'/.exec(text);
  return m ? m[1] : null;
}

/**
 * An API validation message in plain words for the field it names: "1 validation error detected:
 * Value '0' at 'capacity' failed to satisfy constraint: Member must have value greater than or equal to 1"
 * becomes "Must have value greater than or equal to 1 (was 0).".
 */
export function plain(message) {
  const s = String(message || '').replace(/^\d+ validation errors? detected: /, '');
  const m = /^Value '(.*)' at '[\w.\[\]]+' failed to satisfy constraint: Member must (.*)$/.exec(s);
  if (m) return 'Must ' + m[2] + ' (was ' + (m[1].length > 40 ? m[1].slice(0, 40) + '…' : m[1]) + ').';
  return s.replace(/^'[\w.\[\]]+' /, '').replace(/^\w/, c => c.toUpperCase());
}

/** A fresh idempotency key: the same key never buys twice. */
export function newKey() {
  if (crypto.randomUUID) return 'pk-' + crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return 'pk-' + Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
}

// ---- the cart -----------------------------------------------------------------------------------

/** The cart's storage key: one cart per signed-in user, so the next agent at the desk starts empty. */
function cartKey() {
  const s = currentSession();
  return 'relecloud.cart.' + (s && s.user ? s.user : '');
}

/**
 * The cart of this browser tab: {lines: [{concertId, title, artist, startsAt, venue, priceCents,
 * quantity, key}], customer: {id, email, name} | null}. Each line has its own idempotency key,
 * kept until its purchase ends, so a retry or a double click sends the same key again.
 */
export function cart() {
  try {
    const c = JSON.parse(sessionStorage.getItem(cartKey()) || 'null');
    if (c && Array.isArray(c.lines)) return c;
  } catch (e) { /* a broken cart starts empty */ }
  return {lines: [], customer: null};
}

export function saveCart(c) {
  sessionStorage.setItem(cartKey(), JSON.stringify(c));
}

/** Adds tickets of a concert; more of a concert already in the cart adds to its line (and renews its key). */
export function addToCart(concert, quantity) {
  const c = cart();
  const line = c.lines.find(l => l.concertId === concert.id);
  if (line) {
    line.quantity = Math.min(10, line.quantity + quantity);
    line.key = newKey();
  } else {
    c.lines.push({concertId: concert.id, title: concert.title, artist: concert.artist, startsAt: concert.startsAt,
      venue: concert.venue, priceCents: concert.priceCents, quantity, key: newKey()});
  }
  saveCart(c);
  return c;
}

export function cartCount(c = cart()) {
  return c.lines.reduce((n, l) => n + l.quantity, 0);
}
