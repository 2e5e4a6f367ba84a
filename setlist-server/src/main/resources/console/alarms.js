// Every alarm across flows with its state, the recent state changes, and the incidents with their
// escalation step and an Acknowledge button.
import {api, h, page, badge, table, row, timeEl} from '/console/app.js';
import {incidentsTable} from '/console/incidents.js';

page('Alarms', async main => {
  const data = await api('/api/v1/alarms');
  const order = {ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2};
  const alarms = data.alarms.slice().sort((a, b) => (order[a.state] - order[b.state]) || a.name.localeCompare(b.name));
  const firing = alarms.filter(a => a.state === 'ALARM').length;
  main.append(h('p', {class: 'lead'}, firing ? firing + ' of ' + alarms.length + ' alarms are in ALARM.'
    : 'No alarm is firing (' + alarms.length + ' alarms).'));
  main.append(h('h2', {}, 'Open and recent incidents'));
  main.append(incidentsTable(data.incidents, true, () => {}));
  main.append(h('h2', {}, 'Alarms'));
  main.append(table(null, ['Alarm', 'Flow', 'Kind', 'State', 'Since', 'Reason'], alarms.map(a =>
    row([a.name, h('a', {href: '/console/flow.html?id=' + encodeURIComponent(a.flow)}, a.flow),
      a.kind.replace('_', ' ').toLowerCase(), badge(a.state), timeEl(a.since), a.reason || ''], {'data-alarm': a.name})),
    {id: 'alarms'}));
  main.append(h('h2', {}, 'State changes (last 7 days, newest first)'));
  main.append(table(null, ['Time', 'Alarm', 'Flow', 'From', 'To', 'Reason'], data.history.map(c =>
    row([timeEl(c.time), c.alarm, c.flow, c.from ? badge(c.from) : '—', badge(c.to), c.reason || '']))));
});
