// Upcoming concerts and search: without criteria the upcoming list (soonest first, marked when it is
// an older copy served while the database is away); with text or filters the search, with a notice
// when it answered in degraded mode. The criteria live in the address, so Back and links work.
import {api, h, page, problem, table, param} from '/console/app.js';
import {BASE, concertRow, CONCERT_HEADERS, whenEl} from '/console/relecloud/relecloud.js';

const SIZE = 20;
const SORTS = [['', 'Best match / soonest'], ['date', 'Soonest first'], ['-date', 'Latest first'],
  ['price', 'Cheapest first'], ['-price', 'Most expensive first'], ['title', 'Title A–Z']];
const FIELDS = ['q', 'genre', 'from', 'to', 'min', 'max', 'sort'];

page('Concerts', async main => {
  const input = (id, label, attrs = {}) => h('label', {for: id}, label, h('input', Object.assign({id, name: id}, attrs)),
    h('span', {class: 'field-error', id: id + '-error', role: 'alert'}));
  const sort = h('select', {id: 'sort', name: 'sort'}, SORTS.map(([v, t]) => h('option', {value: v}, t)));
  const form = h('form', {class: 'inline search', role: 'search', id: 'search', 'aria-label': 'Search concerts'},
    input('q', 'Artist, title, venue or city', {type: 'search', placeholder: 'e.g. lanterns seattle', maxlength: 200,
      class: 'wide'}),
    input('genre', 'Genre', {list: 'genres', placeholder: 'any', class: 'short'}),
    input('from', 'From date', {type: 'date', class: 'short'}),
    input('to', 'To date', {type: 'date', class: 'short'}),
    input('min', 'Min price ($)', {inputmode: 'decimal', class: 'tiny'}),
    input('max', 'Max price ($)', {inputmode: 'decimal', class: 'tiny'}),
    h('label', {for: 'sort'}, 'Sort by', sort),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary', id: 'search-button'}, 'Search'),
      h('button', {type: 'button', id: 'clear'}, 'Show all upcoming')),
    h('datalist', {id: 'genres'}, ['Afrobeat', 'Alternative', 'Classical', 'Country', 'Electronic', 'Folk', 'Indie', 'Jazz',
      'Latin', 'Metal', 'Pop', 'Rock'].map(g => h('option', {value: g}))));
  const error = h('div', {id: 'search-error', 'aria-live': 'polite'});
  const results = h('div', {id: 'results', 'aria-live': 'polite'});
  main.append(form, error, results);
  for (const f of FIELDS) form.elements[f].value = param(f) || '';
  let pageNo = Math.max(0, Number(param('page')) || 0);

  form.addEventListener('submit', e => {
    e.preventDefault();
    pageNo = 0;
    go();
  });
  document.getElementById('clear').addEventListener('click', () => {
    for (const f of FIELDS) form.elements[f].value = '';
    pageNo = 0;
    go();
  });
  window.addEventListener('popstate', () => {
    for (const f of FIELDS) form.elements[f].value = param(f) || '';
    pageNo = Math.max(0, Number(param('page')) || 0);
    load();
  });

  function go() {
    const u = new URL(location.href);
    u.search = '';
    for (const f of FIELDS) if (form.elements[f].value.trim()) u.searchParams.set(f, form.elements[f].value.trim());
    if (pageNo) u.searchParams.set('page', String(pageNo));
    history.pushState(null, '', u);
    load();
  }

  /** Dollars typed by a person as cents, or undefined when empty; marks the field when it is not a price. */
  function cents(id) {
    const v = form.elements[id].value.trim().replace(/^\$/, '');
    document.getElementById(id + '-error').textContent = '';
    form.elements[id].removeAttribute('aria-invalid');
    if (!v) return undefined;
    if (!/^\d+(\.\d{1,2})?$/.test(v)) {
      document.getElementById(id + '-error').textContent = 'A price like 45 or 45.50';
      form.elements[id].setAttribute('aria-invalid', 'true');
      throw new Error('bad price');
    }
    return String(Math.round(Number(v) * 100));
  }

  async function load() {
    error.replaceChildren();
    const q = new URLSearchParams({page: String(pageNo), size: String(SIZE)});
    let min, max;
    try { min = cents('min'); max = cents('max'); } catch (e) { return; }
    const v = f => form.elements[f].value.trim();
    if (v('q')) q.set('q', v('q'));
    if (v('genre')) q.set('genre', v('genre'));
    if (v('from')) q.set('from', v('from'));
    if (v('to')) q.set('to', v('to'));
    if (min) q.set('minPrice', min);
    if (max) q.set('maxPrice', max);
    if (v('sort')) q.set('sort', v('sort'));
    const searching = [...q.keys()].some(k => k !== 'page' && k !== 'size');
    results.setAttribute('aria-busy', 'true');
    let data;
    let staleAsOf = null;
    const cacheHeaders = headers => {
      // The guard answers from its last good copy while the database is down (X-Cache: STALE).
      if (headers.get('X-Cache') === 'STALE') {
        const age = Number(headers.get('X-Cache-Age')) || 0;
        staleAsOf = new Date(Date.now() - age * 1000).toISOString();
      }
    };
    try {
      data = await api(BASE + (searching ? '/search?' : '/concerts?') + q, {onHeaders: cacheHeaders});
    } catch (e) {
      error.replaceChildren(problem(e));
      results.setAttribute('aria-busy', 'false');
      return;
    }
    const notices = [];
    if (staleAsOf) {
      notices.push(h('div', {class: 'warning', role: 'status', id: 'stale'}, h('strong', {}, 'Older copy. '),
        'The concert list cannot be refreshed right now; this is how it was at ', whenEl(staleAsOf),
        '. Seats left may have changed.'));
    }
    if (data.degraded) {
      notices.push(h('div', {class: 'warning', role: 'status', id: 'degraded'}, h('strong', {}, 'Simple search. '),
        'Search is running in a reduced mode, so results match plain words only and are not ranked. ',
        data.reason ? h('span', {class: 'muted'}, '(' + data.reason + ')') : null));
    }
    const first = data.total === 0 ? 0 : data.page * data.size + 1;
    const last = Math.min(data.total, (data.page + 1) * data.size);
    const what = searching ? (data.total === 1 ? 'concert found' : 'concerts found') : 'upcoming concerts';
    const pages = Math.max(1, Math.ceil(data.total / data.size));
    const turn = d => { pageNo += d; go(); window.scrollTo(0, 0); };
    results.replaceChildren(...notices,
      h('p', {class: 'count', id: 'count'}, data.total === 0 ? (searching ? 'No concert matches. Try fewer words or filters.'
        : 'No upcoming concerts.') : `${first}–${last} of ${data.total} ${what}`),
      data.total === 0 ? '' : table(null, CONCERT_HEADERS, data.items.map(concertRow), {id: 'concerts', class: 'concerts'}),
      pages > 1 ? h('div', {class: 'pager'},
        h('button', {type: 'button', id: 'prev', disabled: data.page === 0, onclick: () => turn(-1)}, '← Previous'),
        h('span', {class: 'muted'}, 'Page ' + (data.page + 1) + ' of ' + pages),
        h('button', {type: 'button', id: 'next', disabled: data.page + 1 >= pages, onclick: () => turn(1)}, 'Next →')) : '');
    results.setAttribute('aria-busy', 'false');
  }

  await load();
});
