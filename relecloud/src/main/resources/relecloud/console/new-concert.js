// Creating a concert (planners): the form sends the request, the API's validation message shows
// beside the field it names, and the request's progress is followed until the concert is created
// (with a link to it) or rejected (with the reason). The planner's latest requests are listed below.
import {api, h, page, problem, table, row, badge, timeEl} from '/console/app.js';
import {BASE, abilities, fieldOf, plain, concertHref, when} from '/console/relecloud/relecloud.js';

/** The form field an API field name belongs to. */
const FIELD = {title: 'title', artist: 'artist', genre: 'genre', venue: 'venue', location: 'location', startsAt: 'date',
  priceCents: 'price', capacity: 'capacity', description: 'description'};
const STATUS_WORDS = {PENDING: 'waiting to start', RUNNING: 'being checked and created', SUCCEEDED: 'created', FAILED: 'rejected'};

page('New concert', async main => {
  const me = await abilities();
  if (!me.can.createConcert) {
    main.append(h('div', {class: 'problem', role: 'alert'}, h('strong', {}, 'Not allowed. '),
      'Creating concerts is for concert planners.'));
    return;
  }
  const field = (id, label, attrs = {}, tag = 'input') => h('label', {for: id, class: 'field field-' + id}, label,
    h(tag, Object.assign({id, name: id, 'aria-describedby': id + '-error'}, attrs)),
    h('span', {class: 'field-error', id: id + '-error'}));
  const form = h('form', {id: 'concert-form', class: 'panel form-grid', novalidate: true},
    field('title', 'Title', {maxlength: 200, autocomplete: 'off'}),
    field('artist', 'Artist', {maxlength: 200, autocomplete: 'off'}),
    field('genre', 'Genre', {maxlength: 200, list: 'genres', autocomplete: 'off'}),
    field('venue', 'Venue', {maxlength: 200, autocomplete: 'off'}),
    field('location', 'City', {maxlength: 200, placeholder: 'Seattle, WA', autocomplete: 'off'}),
    field('date', 'Date', {type: 'date'}),
    field('time', 'Starts at (your local time)', {type: 'time', value: '20:00'}),
    field('price', 'Ticket price ($)', {inputmode: 'decimal', placeholder: '45.00'}),
    field('capacity', 'Seats', {type: 'number', min: 1, max: 100000}),
    field('description', 'Description (optional)', {rows: 3, maxlength: 2000}, 'textarea'),
    h('datalist', {id: 'genres'}, ['Afrobeat', 'Alternative', 'Classical', 'Country', 'Electronic', 'Folk', 'Indie', 'Jazz',
      'Latin', 'Metal', 'Pop', 'Rock'].map(g => h('option', {value: g}))),
    h('div', {class: 'form-actions'}, h('button', {type: 'submit', class: 'primary', id: 'create-button'}, 'Create concert'),
      h('div', {id: 'form-error', 'aria-live': 'polite'})));
  const progress = h('div', {id: 'request-status', 'aria-live': 'polite'});
  const recent = h('div', {id: 'recent'});
  main.append(h('p', {class: 'lead'}, 'The concert goes on sale once it is checked and created, usually within seconds.'),
    form, progress, h('h2', {}, 'Your latest requests'), recent);

  const clearErrors = () => {
    form.querySelectorAll('.field-error').forEach(e => { e.textContent = ''; });
    form.querySelectorAll('[aria-invalid]').forEach(e => e.removeAttribute('aria-invalid'));
    document.getElementById('form-error').replaceChildren();
  };
  const fieldError = (name, message) => {
    const input = form.elements[name];
    input.setAttribute('aria-invalid', 'true');
    document.getElementById(name + '-error').textContent = message;
    input.focus();
  };

  form.addEventListener('submit', async e => {
    e.preventDefault();
    clearErrors();
    const v = n => form.elements[n].value.trim();
    const body = {title: v('title'), artist: v('artist'), genre: v('genre'), venue: v('venue'), location: v('location')};
    if (v('date')) {
      const at = new Date(v('date') + 'T' + (v('time') || '20:00'));
      if (isNaN(at)) { fieldError('date', 'Choose a date and a time.'); return; }
      body.startsAt = at.toISOString().replace('.000Z', 'Z');
    }
    if (v('price')) {
      if (!/^\$?\d+(\.\d{1,2})?$/.test(v('price'))) { fieldError('price', 'A price like 45 or 45.50.'); return; }
      body.priceCents = Math.round(Number(v('price').replace('$', '')) * 100);
    }
    if (v('capacity')) body.capacity = /^\d+$/.test(v('capacity')) ? Number(v('capacity')) : v('capacity');
    if (v('description')) body.description = v('description');
    const button = document.getElementById('create-button');
    button.disabled = true;
    try {
      const r = await api(BASE + '/concerts', {method: 'POST', body});
      progress.replaceChildren();
      const end = await follow(r.requestId, body.title);
      // a rejected request keeps the form filled, to be corrected
      if (end.status === 'SUCCEEDED') {
        form.reset();
        form.elements.time.value = '20:00';
      }
    } catch (err) {
      const name = FIELD[fieldOf(err.message)];
      if (err.status === 400 && name) fieldError(name, plain(err.message));
      else document.getElementById('form-error').replaceChildren(problem(err));
    } finally {
      button.disabled = false;
      drawRecent();
    }
  });

  /** Follows a request until it ends, redrawing its status. */
  async function follow(requestId, title) {
    const deadline = Date.now() + 60000;
    for (;;) {
      const r = await api(BASE + '/concert-requests/' + encodeURIComponent(requestId));
      const done = r.status === 'SUCCEEDED' || r.status === 'FAILED';
      progress.replaceChildren(h('div', {class: 'panel request request-' + r.status.toLowerCase(), 'data-status': r.status,
        'data-request': r.requestId},
      h('h2', {}, '“' + title + '”: ', badge(r.status, STATUS_WORDS[r.status] || r.status)),
      r.status === 'SUCCEEDED' ? h('p', {}, 'The concert is on sale. ', h('a', {href: concertHref(r.concertId), id: 'created-link'},
        'Open the concert →')) : null,
      r.status === 'FAILED' ? h('p', {class: 'reason', role: 'alert'}, h('strong', {}, 'Rejected: '), readable(r.cause || r.error)) : null,
      done ? null : h('p', {}, h('progress', {'aria-label': 'Creating the concert'}), ' Checking the date, venue and artist…'),
      h('p', {class: 'muted'}, 'Request ', h('code', {}, r.requestId))));
      if (done) return r;
      if (Date.now() > deadline) {
        progress.append(h('p', {}, 'This is taking longer than usual; the list below shows when it ends.'));
        return r;
      }
      await new Promise(res => setTimeout(res, 400));
    }
  }

  async function drawRecent() {
    try {
      const r = await api(BASE + '/concert-requests');
      recent.replaceChildren(table(null, ['Title', 'Status', 'Asked', 'Result'], r.items.map(x => row([
        x.concert && x.concert.title ? x.concert.title : h('code', {}, x.requestId),
        badge(x.status, STATUS_WORDS[x.status] || x.status), timeEl(x.createdAt),
        x.status === 'SUCCEEDED' ? h('a', {href: concertHref(x.concertId)}, 'Open concert') : readable(x.cause || x.error || '—')],
      {'data-request': x.requestId, 'data-status': x.status})), {id: 'requests'}));
    } catch (e) {
      recent.replaceChildren(problem(e));
    }
  }
  await drawRecent();
});

/** A server message with its ISO-8601 instants written as dates people read. */
function readable(text) {
  return String(text).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z/g, t => when(t));
}
