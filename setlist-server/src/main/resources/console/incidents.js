// The incidents table shared by the flow and alarms pages: each incident with the step it stands
// at on its flow's escalation path, its log, and an Acknowledge button while it is open.
import {api, h, badge, table, row, timeEl, notice, problem} from '/console/app.js';

/** A table of incidents; withFlow adds the flow column; after(incident) runs once one is acknowledged. */
export function incidentsTable(incidents, withFlow, after) {
  const status = h('div', {'aria-live': 'polite', class: 'ack-status'});
  const headers = ['Opened', withFlow ? 'Flow' : null, 'Alarm', 'State', 'Escalation', 'Log', ''].filter(x => x !== null);
  const rows = incidents.map(i => {
    const button = i.state === 'OPEN' ? h('button', {type: 'button', class: 'primary ack', 'data-incident': i.id,
      'aria-label': 'Acknowledge incident of ' + i.alarm}, 'Acknowledge') : null;
    if (button) {
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          const done = await api('/api/v1/flows/incidents/' + encodeURIComponent(i.id) + '/ack', {method: 'POST'});
          status.replaceChildren(notice('Acknowledged by ' + done.acknowledgedBy + ': the escalation of ' + done.alarm + ' stopped.'));
          button.replaceWith(badge('ACKNOWLEDGED'));
          if (after) after(done);
        } catch (e) {
          button.disabled = false;
          status.replaceChildren(problem(e));
        }
      });
    }
    const step = i.contact ? 'step ' + (i.step + 1) + ' of ' + i.contacts + ': ' + i.contact : 'step ' + (i.step + 1);
    const log = h('details', {}, h('summary', {}, (i.events || []).length + ' entries'),
      h('ul', {}, (i.events || []).map(e => h('li', {}, timeEl(e.time), ' ', e.kind.toLowerCase(),
        e.contact ? ' — ' + e.contact : '', e.detail ? ': ' + e.detail : ''))));
    const cells = [timeEl(i.opened), withFlow ? h('a', {href: '/console/flow.html?id=' + encodeURIComponent(i.flow)}, i.flow) : null,
      i.alarm, h('span', {}, badge(i.state), i.acknowledgedBy ? h('span', {class: 'muted'}, ' by ' + i.acknowledgedBy) : ''),
      step, log, button || ''].filter(x => x !== null);
    return row(cells, {'data-incident': i.id, 'data-state': i.state});
  });
  return h('div', {}, status, table(null, headers, rows, {class: 'incidents'}));
}
