// The trace view: the recent spans of one trace as a waterfall (indented by parent, a bar for
// when each ran), a span's attributes on click, and a search box by trace id.
import {api, h, page, param, ms, facts, badge} from '/console/app.js';

page('Trace', async main => {
  const id = (param('id') || '').trim().toLowerCase();
  const input = h('input', {id: 'trace-id', name: 'id', value: id, placeholder: '32 hexadecimal digits',
    pattern: '[0-9a-fA-F]{32}', size: 36, required: true, spellcheck: 'false'});
  main.append(h('form', {class: 'inline', role: 'search', method: 'get', action: '/console/trace.html'},
    h('label', {for: 'trace-id'}, 'Trace id', input), h('button', {type: 'submit', class: 'primary'}, 'Show trace')));
  if (!id) {
    main.append(h('p', {class: 'lead'}, 'Enter a trace id, or open a trace from an execution.'));
    return;
  }
  const data = await api('/api/v1/traces/' + encodeURIComponent(id));
  main.querySelector('h1').textContent = 'Trace ' + id;
  main.append(waterfall(data.spans));
});

function waterfall(spans) {
  const start = Math.min(...spans.map(s => Date.parse(s.start) + frac(s.start)));
  const end = Math.max(...spans.map(s => Date.parse(s.end) + frac(s.end)));
  const total = Math.max(end - start, 0.001);
  const ids = new Set(spans.map(s => s.spanId));
  const children = {};
  spans.forEach(s => {
    const p = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : '';
    (children[p] = children[p] || []).push(s);
  });
  Object.values(children).forEach(list => list.sort((a, b) => a.start.localeCompare(b.start)));
  const rows = [];
  const walk = (parent, depth) => (children[parent] || []).forEach(s => { rows.push([s, depth]); walk(s.spanId, depth + 1); });
  walk('', 0);
  const body = h('tbody');
  rows.forEach(([s, depth]) => {
    const left = (Date.parse(s.start) + frac(s.start) - start) / total * 100;
    const bar = h('div', {class: 'span-bar', title: ms(s.durationMs)});
    bar.style.left = left.toFixed(2) + '%';
    bar.style.width = Math.max(s.durationMs / total * 100, 0.3).toFixed(2) + '%';
    const name = h('span', {class: 'name'}, s.name);
    name.style.paddingLeft = (depth * 1.2) + 'em';
    const tr = h('tr', {class: 'span-row status-' + s.status, tabindex: 0, 'aria-expanded': 'false',
      'data-span': s.spanId, 'data-name': s.name},
      h('td', {}, name), h('td', {}, s.attributes['setlist.flow'] || ''),
      h('td', {class: 'num'}, ms(s.durationMs)), h('td', {}, badge(s.status === 'ERROR' ? 'ERROR' : s.status === 'OK' ? 'OK' : 'UNSET', s.status.toLowerCase())),
      h('td', {class: 'bar'}, h('div', {class: 'track'}, bar)));
    const detail = h('tr', {class: 'span-attrs', hidden: true}, h('td', {colspan: 5, class: 'attrs'},
      facts([['Span id', s.spanId], ['Parent', s.parentSpanId || 'none'], ['Kind', s.kind], ['Start', s.start], ['End', s.end],
        ...Object.entries(s.attributes).sort().map(([k, v]) => [k, v])])));
    const toggle = () => {
      const open = detail.hidden;
      detail.hidden = !open;
      tr.setAttribute('aria-expanded', String(open));
    };
    tr.addEventListener('click', toggle);
    tr.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
    body.append(tr, detail);
  });
  return h('div', {},
    h('p', {class: 'lead'}, spans.length + ' spans over ' + ms(total) + '. Select a span to see its attributes.'),
    h('table', {class: 'waterfall', id: 'waterfall'},
      h('thead', {}, h('tr', {}, ['Span', 'Flow', 'Duration', 'Status', 'Timeline'].map(t => h('th', {scope: 'col'}, t)))),
      body));
}

/** The sub-millisecond part of an ISO instant with nanoseconds, in milliseconds. */
function frac(iso) {
  const m = /\.(\d+)Z$/.exec(iso);
  return m && m[1].length > 3 ? Number('0.' + m[1].slice(3)) : 0;
}
