// The flow map: every flow of the catalog with its criticality, owner, live status and service
// level, and a map of which flow depends on which.
import {api, h, page, badge, criticality, pct, ms} from '/console/app.js';

page('Flows', async main => {
  const data = await api('/api/v1/flows');
  if (!data.flows.length) {
    main.append(h('p', {class: 'lead'}, 'The server holds no flow catalog. Start it with ',
      h('code', {}, 'flows: flows.yaml'), ' in its configuration, or run a workload that brings one.'));
    return;
  }
  main.append(h('p', {class: 'lead'}, 'The flows of ', h('strong', {}, data.workload),
    ', each held to its targets. Open a flow for its documentation, alarms and incidents.'));
  const counts = {};
  data.flows.forEach(f => { counts[f.status] = (counts[f.status] || 0) + 1; });
  main.append(h('div', {class: 'summary', 'aria-label': 'Flows by status'},
    ['ALARM', 'BURNING', 'OK', 'NO_DATA'].filter(s => counts[s]).map(s => badge(s, counts[s] + ' ' + label(s)))));
  main.append(h('h2', {id: 'deps-heading'}, 'Dependencies'));
  main.append(h('p', {class: 'muted'}, 'An arrow points from a flow to a flow it depends on; the colour is the flow\'s status.'));
  main.append(dependencyMap(data.flows));
  main.append(h('h2', {}, 'All flows'));
  main.append(h('ul', {class: 'cards', id: 'flows'}, data.flows.map(f => card(f, data.flows))));
});

function label(status) {
  return {ALARM: 'in alarm', BURNING: 'burning budget', OK: 'ok', NO_DATA: 'without data'}[status] || status;
}

function card(f, all) {
  const slo = f.slo;
  const dependents = all.filter(o => o.dependencies.includes(f.id));
  const open = f.alarms.filter(a => a.state === 'ALARM');
  const budget = Math.max(0, Math.min(1, slo.budgetRemaining));
  const lat = slo.latency;
  return h('li', {class: 'card', 'data-flow': f.id, 'data-status': f.status},
    h('h2', {}, h('a', {href: '/console/flow.html?id=' + encodeURIComponent(f.id)}, f.name)),
    h('div', {class: 'tags'}, badge(f.status, label(f.status).replace(/^./, c => c.toUpperCase())),
      criticality(f.criticality), h('span', {class: 'kind'}, f.kind + ' flow')),
    h('dl', {class: 'facts'},
      h('dt', {}, 'Owner'), h('dd', {}, f.owner),
      h('dt', {}, 'Availability'), h('dd', {class: 'availability'}, pct(slo.availability, 3), ' of ',
        pct(slo.objective, slo.objective >= 0.999 ? 2 : 1), ' objective', h('span', {class: 'muted'}, ' (' + slo.good + ' good, ' + slo.bad + ' bad)')),
      h('dt', {}, 'Latency'), h('dd', {}, lat ? [pct(lat.sli, 1), ' within ', ms(lat.thresholdMs), ' (p' + lat.percentile + ' target)'] : '— no latency target'),
      h('dt', {}, 'Error budget left'), h('dd', {}, pct(slo.budgetRemaining, 1),
        h('div', {class: 'budget' + (slo.budgetRemaining <= 0 ? ' spent' : slo.budgetRemaining < 0.25 ? ' low' : ''),
          role: 'img', 'aria-label': 'Error budget ' + pct(slo.budgetRemaining, 1) + ' left'},
          bar(budget))),
      h('dt', {}, 'Open alarms'), h('dd', {class: 'open-alarms'}, open.length ? open.map(a => h('span', {}, badge('ALARM', a.name), ' ')) : 'none'),
      f.openIncidents.length ? [h('dt', {}, 'Open incidents'), h('dd', {}, String(f.openIncidents.length))] : null),
    f.dependencies.length || dependents.length ? h('p', {class: 'deps'},
      f.dependencies.length ? ['Depends on ', links(f.dependencies, all), '. '] : null,
      dependents.length ? ['Used by ', links(dependents.map(d => d.id), all), '.'] : null) : null);
}

function bar(fraction) {
  const s = h('span');
  s.style.width = (fraction * 100).toFixed(1) + '%';
  return s;
}

function links(ids, all) {
  const out = [];
  ids.forEach((id, i) => {
    const f = all.find(x => x.id === id);
    if (i) out.push(', ');
    out.push(h('a', {href: '/console/flow.html?id=' + encodeURIComponent(id)}, f ? f.name : id));
  });
  return out;
}

/** Flows in columns by dependency depth (a flow right of what it depends on), arrows from user to used. */
function dependencyMap(flows) {
  const byId = Object.fromEntries(flows.map(f => [f.id, f]));
  const depth = {};
  const visit = (id, seen) => {
    if (depth[id] !== undefined) return depth[id];
    if (seen.has(id) || !byId[id]) return 0;
    seen.add(id);
    const d = byId[id].dependencies.reduce((m, x) => Math.max(m, visit(x, seen) + 1), 0);
    depth[id] = d;
    return d;
  };
  flows.forEach(f => visit(f.id, new Set()));
  const columns = [];
  flows.forEach(f => (columns[depth[f.id]] = columns[depth[f.id]] || []).push(f));
  const W = 236, H = 44, GX = 90, GY = 16, PAD = 16;
  const pos = {};
  columns.forEach((col, c) => col.forEach((f, r) => { pos[f.id] = {x: PAD + c * (W + GX), y: PAD + r * (H + GY)}; }));
  const width = PAD * 2 + columns.length * W + (columns.length - 1) * GX;
  const height = PAD * 2 + Math.max(...columns.map(c => c.length)) * (H + GY) - GY;
  const svg = h('svg:svg', {width, height, viewBox: `0 0 ${width} ${height}`, role: 'group',
    'aria-labelledby': 'deps-heading', class: 'deps-svg'},
    h('svg:defs', {}, h('svg:marker', {id: 'dep-arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7,
      markerHeight: 7, orient: 'auto-start-reverse'}, h('svg:path', {d: 'M0,0 L10,5 L0,10 z', fill: '#8a94a5'}))));
  flows.forEach(f => f.dependencies.filter(d => pos[d]).forEach(d => {
    const a = pos[f.id], b = pos[d];
    const x1 = a.x, y1 = a.y + H / 2, x2 = b.x + W, y2 = b.y + H / 2;
    const mid = (x1 + x2) / 2;
    svg.append(h('svg:path', {class: 'dep-edge', d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
      fill: 'none', stroke: '#8a94a5', 'stroke-width': 1.4, 'marker-end': 'url(#dep-arrow)',
      'data-from': f.id, 'data-to': d}, h('svg:title', {}, f.name + ' depends on ' + byId[d].name)));
  }));
  const colours = {OK: ['#e3f4e8', '#1e7d3a'], ALARM: ['#fde8e6', '#b42318'], BURNING: ['#fff1d6', '#d08700'], NO_DATA: ['#eceff3', '#8a94a5']};
  flows.forEach(f => {
    const p = pos[f.id];
    const [fill, stroke] = colours[f.status] || colours.NO_DATA;
    const name = f.name.length > 34 ? f.name.slice(0, 33) + '…' : f.name;
    svg.append(h('svg:a', {href: '/console/flow.html?id=' + encodeURIComponent(f.id), class: 'dep-node', 'data-flow': f.id},
      h('svg:title', {}, f.name + ': ' + f.status + ', ' + f.criticality + ' criticality'),
      h('svg:rect', {x: p.x, y: p.y, width: W, height: H, rx: 6, fill, stroke, 'stroke-width': 1.5}),
      h('svg:text', {x: p.x + 10, y: p.y + 18, 'font-size': 12, 'font-weight': 600, fill: '#1d2430'}, name),
      h('svg:text', {x: p.x + 10, y: p.y + 34, 'font-size': 10.5, fill: '#5b6576'},
        f.status.replace('_', ' ') + ' · ' + f.criticality + ' · ' + f.kind)));
  });
  return h('div', {class: 'depmap'}, svg);
}
