// State machines, and the executions of one (filtered by status, a page at a time).
import {api, h, page, badge, table, row, timeEl, param} from '/console/app.js';

const PAGE = 20;
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

page('Executions', async main => {
  const machines = await allMachines();
  const wanted = param('arn') || param('machine');
  const machine = wanted ? machines.find(m => m.stateMachineArn === wanted || m.name === wanted) : null;
  if (!machine) {
    if (wanted) main.append(h('p', {class: 'problem', role: 'alert'}, 'No state machine named ' + wanted + '.'));
    main.append(h('p', {class: 'lead'}, 'Choose a state machine to see its executions.'));
    main.append(table(null, ['State machine', 'Type', 'Owner', 'Created'], machines.map(m => row([
      h('a', {href: '/console/executions.html?arn=' + encodeURIComponent(m.stateMachineArn)}, m.name),
      m.type, m.owner ? h('span', {class: 'muted', title: 'Started only by ' + m.owner + ' itself; read-only here'},
        m.owner + ' · read-only') : '—', timeEl(m.creationDate)], {'data-owner': m.owner || ''})), {id: 'machines'}));
    return;
  }
  main.querySelector('h1').textContent = 'Executions of ' + machine.name;
  main.prepend(h('p', {}, h('a', {href: '/console/executions.html'}, '← All state machines')));
  if (machine.owner) {
    main.querySelector('h1').after(h('p', {class: 'muted', id: 'owner-note'}, 'This state machine belongs to ' + machine.owner
      + ': only ' + machine.owner + ' starts, stops or changes its executions. What you see here is read-only.'));
  }
  const status = h('select', {id: 'status', name: 'status'}, h('option', {value: ''}, 'Any status'),
    STATUSES.map(s => h('option', {value: s}, s.replace('_', ' ').toLowerCase())));
  status.value = param('status') || '';
  const form = h('form', {class: 'inline', role: 'search'}, h('label', {for: 'status'}, 'Status', status));
  const holder = h('div', {id: 'executions-holder'});
  main.append(form, holder);
  const tokens = [null];
  let index = 0;
  const load = async () => {
    const q = new URLSearchParams({maxResults: String(PAGE)});
    if (status.value) q.set('status', status.value);
    if (tokens[index]) q.set('nextToken', tokens[index]);
    const data = await api('/api/v1/state-machines/' + encodeURIComponent(machine.stateMachineArn) + '/executions?' + q);
    tokens[index + 1] = data.nextToken || null;
    const prev = h('button', {type: 'button', disabled: index === 0, onclick: () => { index--; load(); }}, '← Newer');
    const next = h('button', {type: 'button', disabled: !data.nextToken, onclick: () => { index++; load(); }}, 'Older →');
    holder.replaceChildren(
      table(null, ['Name', 'Status', 'Started', 'Stopped'], data.executions.map(e => row([
        h('a', {href: '/console/execution.html?arn=' + encodeURIComponent(e.executionArn)}, e.name),
        badge(e.status), timeEl(e.startDate), timeEl(e.stopDate)], {'data-status': e.status})), {id: 'executions'}),
      h('div', {class: 'pager'}, prev, h('span', {class: 'muted'}, 'Page ' + (index + 1)), next));
  };
  status.addEventListener('change', () => {
    tokens.length = 1;
    index = 0;
    const u = new URL(location.href);
    if (status.value) u.searchParams.set('status', status.value); else u.searchParams.delete('status');
    history.replaceState(null, '', u);
    load();
  });
  await load();
});

async function allMachines() {
  const out = [];
  let token = null;
  do {
    const data = await api('/api/v1/state-machines' + (token ? '?nextToken=' + encodeURIComponent(token) : ''));
    out.push(...data.stateMachines);
    token = data.nextToken;
  } while (token && out.length < 5000);
  return out;
}
