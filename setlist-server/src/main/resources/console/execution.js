// One execution: its status, the state machine drawn with the path taken, input and output, the
// error and its cause, a link to its trace, and the whole history.
import {api, h, page, badge, table, row, timeEl, param, facts, traceIdOf, arnName, millis} from '/console/app.js';
import {drawStateMachine} from '/console/graph.js';

page('Execution', async main => {
  const arn = param('arn');
  const data = await api('/api/v1/executions/' + encodeURIComponent(arn || ''));
  const x = data.execution;
  document.title = x.name + ' · Setlist';
  main.querySelector('h1').textContent = 'Execution ' + x.name;
  main.prepend(h('p', {}, h('a', {href: '/console/executions.html?arn=' + encodeURIComponent(x.stateMachineArn)},
    '← Executions of ' + arnName(x.stateMachineArn))));
  const traceId = traceIdOf(x.traceHeader);
  main.append(h('div', {class: 'panel'}, facts([
    ['Status', badge(x.status)],
    ['State machine', arnName(x.stateMachineArn)],
    ['Started', timeEl(x.startDate)],
    ['Stopped', x.stopDate ? timeEl(x.stopDate) : null],
    ['Duration', x.stopDate ? duration(x.startDate, x.stopDate) : null],
    ['Error', x.error ? h('code', {id: 'error'}, x.error) : null],
    ['Cause', x.cause ? h('span', {id: 'cause'}, x.cause) : null],
    ['Trace', traceId ? h('a', {id: 'trace-link', href: '/console/trace.html?id=' + traceId}, traceId) : 'none'],
    ['ARN', h('code', {}, x.executionArn)],
  ])));

  let definition = null;
  try { definition = JSON.parse(data.definition); } catch (e) { definition = null; }
  main.append(h('h2', {id: 'graph-heading'}, 'State machine'));
  main.append(h('div', {class: 'legend', 'aria-hidden': 'true'},
    h('span', {}, h('span', {class: 'swatch s-ok'}), 'succeeded'), h('span', {}, h('span', {class: 'swatch s-failed'}), 'failed'),
    h('span', {}, h('span', {class: 'swatch s-current'}), 'running now'), h('span', {}, h('span', {class: 'swatch s-caught'}), 'failed, caught'),
    h('span', {}, h('span', {class: 'swatch s-catch'}), 'Catch transition')));
  main.append(h('div', {class: 'graph', id: 'graph'}, definition ? drawStateMachine(definition, data.history, x.status)
    : h('p', {class: 'problem'}, 'The definition cannot be read.')));

  main.append(h('div', {class: 'columns'},
    h('section', {'aria-labelledby': 'in-h'}, h('h2', {id: 'in-h'}, 'Input'), pretty(x.input, 'input')),
    h('section', {'aria-labelledby': 'out-h'}, h('h2', {id: 'out-h'}, 'Output'), pretty(x.output, 'output'))));

  main.append(h('h2', {}, 'History'));
  const start = x.startDate ? millis(x.startDate) : null;
  main.append(table(null, ['#', 'Type', 'State', 'Since start', 'Details'], data.history.map(e => row([
    String(e.id), e.type, stateOf(e), start ? Math.round(millis(e.timestamp) - start) + ' ms' : '', details(e)],
    {'data-type': e.type})), {id: 'history'}));
});

function duration(a, b) {
  const ms = Math.round(millis(b) - millis(a));
  return ms >= 1000 ? (ms / 1000).toFixed(2) + ' s' : ms + ' ms';
}

function pretty(text, id) {
  if (text === undefined || text === null) return h('p', {class: 'muted'}, 'None.');
  let shown = text;
  try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* shown as it is */ }
  return h('pre', {class: 'json', id, tabindex: 0}, shown);
}

function stateOf(e) {
  const d = e.stateEnteredEventDetails || e.stateExitedEventDetails;
  return d ? d.name : '';
}

/** The event's details besides its type and ids, shortened, as text. */
function details(e) {
  const rest = Object.entries(e).filter(([k]) => !['id', 'type', 'timestamp', 'previousEventId'].includes(k));
  if (!rest.length) return '';
  const text = JSON.stringify(Object.fromEntries(rest));
  return h('code', {}, text.length > 240 ? text.slice(0, 240) + '…' : text);
}
