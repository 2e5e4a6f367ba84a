// One flow: its documentation as the catalog states it, its targets per pillar, what it is bound
// to, its live service level, its alarms with their history and its incidents (acknowledge here).
import {api, h, page, badge, criticality, pct, ms, table, row, facts, param, timeEl, dur} from '/console/app.js';
import {incidentsTable} from '/console/incidents.js';

page('Flow', async main => {
  const id = param('id');
  const f = await api('/api/v1/flows/' + encodeURIComponent(id || ''));
  document.title = f.name + ' · Setlist';
  const title = main.querySelector('h1');
  title.textContent = f.name;
  title.after(h('div', {class: 'tags summary'}, badge(f.status), criticality(f.criticality),
    h('span', {class: 'kind'}, f.kind + ' flow'), h('span', {class: 'muted'}, 'id ', h('code', {}, f.id))));
  if (f.description) main.append(h('p', {class: 'lead'}, f.description));

  const slo = f.slo;
  main.append(h('section', {'aria-labelledby': 'sl'}, h('h2', {id: 'sl'}, 'Service level'),
    h('div', {class: 'panel'}, facts([
      ['Availability', [pct(slo.availability, 3), ' against an objective of ', pct(slo.objective, 2),
        ' (' + slo.good + ' good, ' + slo.bad + ' bad outcomes)']],
      ['Latency', slo.latency ? [pct(slo.latency.sli, 1), ' of outcomes within ', ms(slo.latency.thresholdMs),
        ' (target: p' + slo.latency.percentile + ')'] : 'no latency target'],
      ['Error budget left', pct(slo.budgetRemaining, 1)],
      ['Window', [timeEl(slo.from), ' to ', timeEl(slo.to)]],
    ])),
    table('Burn-rate alerts', ['Alert', 'Windows', 'Burn rate (long / short)', 'Fires above', 'State'],
      slo.burnRates.map(r => row([r.name, dur(r.longWindow) + ' / ' + dur(r.shortWindow),
        r.longRate.toFixed(2) + ' / ' + r.shortRate.toFixed(2), r.factor + '×', badge(r.firing ? 'ALARM' : 'OK')])))));

  const uc = f.useCase || {};
  main.append(h('section', {'aria-labelledby': 'doc'}, h('h2', {id: 'doc'}, 'Documentation'),
    h('div', {class: 'columns'},
      h('div', {class: 'panel'}, facts([
        ['Business process', f.businessProcess],
        ['Owner', f.owner],
        ['Stakeholders', f.stakeholders.join(', ')],
        ['Business impact', f.businessImpact],
        ['Purpose', uc.purpose],
        ['Use-case criticality', uc.criticality],
        ['Consumers', (uc.consumers || []).join(', ')],
        ['Starts when', uc.startEvent],
        ['Ends when', uc.endEvent],
        ['Frequency', uc.frequency],
        ['Variability', uc.variability],
        ['Depends on', f.dependencies.length ? f.dependencies.map((d, i) => [i ? ', ' : '',
          h('a', {href: '/console/flow.html?id=' + encodeURIComponent(d)}, d)]) : null],
      ])),
      h('div', {class: 'panel'},
        h('h3', {}, 'Escalation path'),
        h('ol', {class: 'path', id: 'escalation'}, f.escalation.map(c => h('li', {}, h('strong', {}, c.name), ' by ',
          c.channel, c.address ? [' (', h('code', {}, c.address), ')'] : '',
          c.ackTimeout ? ', acknowledge within ' + dur(c.ackTimeout) : ''))),
        h('h3', {}, 'Bindings'),
        facts([
          ['Routes', (f.bindings.routes || []).join(', ')],
          ['State machines', (f.bindings.stateMachines || []).map((m, i) => [i ? ', ' : '',
            h('a', {href: '/console/executions.html?machine=' + encodeURIComponent(m)}, m)])],
          ['Event rules', (f.bindings.eventRules || []).join(', ')],
        ])))));

  main.append(h('section', {'aria-labelledby': 'tg'}, h('h2', {id: 'tg'}, 'Targets per pillar'),
    table(null, ['Pillar', 'Targets'], Object.entries(f.targets).map(([pillar, t]) =>
      row([pillar.replace(/^./, c => c.toUpperCase()), describe(t)])))));

  main.append(h('section', {'aria-labelledby': 'al'}, h('h2', {id: 'al'}, 'Alarms'),
    table(null, ['Alarm', 'Kind', 'State', 'Since', 'Reason'], f.alarms.map(a =>
      row([a.name, a.kind.replace('_', ' ').toLowerCase(), badge(a.state), timeEl(a.since), a.reason || '']))),
    f.alarmSpecs.length ? table('Alarm rules', ['Alarm', 'Rule', 'Description'],
      f.alarmSpecs.map(s => row([s.name, h('code', {}, s.rule || ''), s.description || '']))) : null,
    table('State history (last 7 days, newest first)', ['Time', 'Alarm', 'From', 'To', 'Reason'],
      f.alarmHistory.map(c => row([timeEl(c.time), c.alarm, c.from ? badge(c.from) : '—', badge(c.to), c.reason || ''])),
      {id: 'alarm-history'})));

  const incidents = h('section', {'aria-labelledby': 'in'}, h('h2', {id: 'in'}, 'Incidents'));
  main.append(incidents);
  incidents.append(incidentsTable(f.incidents, false, null));
});

/** A pillar's targets as readable text: "availability 99.9, hours business, …". */
function describe(t) {
  return Object.entries(t).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => k.replace(/([A-Z])/g, ' $1').toLowerCase() + ': ' + (Array.isArray(v) ? v.join(', ')
      : typeof v === 'object' ? Object.entries(v).map(([a, b]) => a + ' ' + b).join(', ')
      : /^PT/.test(String(v)) ? dur(v) : v)).join('; ');
}
