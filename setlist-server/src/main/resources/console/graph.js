// Draws an Amazon States Language definition as an SVG graph: states as boxes in layers from the
// start down, transitions as arrows (Choice rules and Default labelled, Catch edges dashed),
// Parallel branches and Map item processors as nested groups. With an execution's history it marks
// the path taken: states that succeeded, the one that failed, the ones still running.
import {h} from '/console/app.js';

const NODE_H = 44, GAP_X = 34, GAP_Y = 46, PAD = 14, HEAD = 26, DOT = 14;

/** The graph of `definition` (parsed ASL), marked with `history` (GetExecutionHistory events) and `status`. */
export function drawStateMachine(definition, history, status) {
  const run = taken(history || [], status);
  const scope = layoutScope(definition, run);
  const width = scope.w + 2 * PAD + 90, height = scope.h + 2 * PAD;
  const svg = h('svg:svg', {width, height, viewBox: `0 0 ${width} ${height}`, role: 'group',
    'aria-label': 'State machine graph, ' + run.entered.size + ' states visited', id: 'graph-svg'},
    h('svg:defs', {},
      marker('arrow', '#8a94a5'), marker('arrow-taken', '#1e7d3a'), marker('arrow-catch', '#c0504d')));
  const g = h('svg:g', {transform: `translate(${PAD},${PAD})`});
  drawScope(g, scope, run);
  svg.append(g);
  return svg;
}

function marker(id, colour) {
  return h('svg:marker', {id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
    orient: 'auto-start-reverse'}, h('svg:path', {d: 'M0,0 L10,5 L0,10 z', fill: colour}));
}

// ---- what the history says ---------------------------------------------------------------------

/**
 * The states entered and exited, the ones entered last without an exit (failed, or still running),
 * and the transitions taken: each entry of a state is reached from the predecessor seen most recently.
 */
function taken(history, status) {
  const entered = new Set(), exited = new Set(), lastEvent = {}, seen = {}, types = {};
  let order = 0;
  for (const e of history) {
    const type = String(e.type || '');
    if (type.endsWith('StateEntered') && e.stateEnteredEventDetails) {
      const name = e.stateEnteredEventDetails.name;
      entered.add(name);
      lastEvent[name] = 'entered';
      seen[name] = ++order;
    } else if (type.endsWith('StateExited') && e.stateExitedEventDetails) {
      const name = e.stateExitedEventDetails.name;
      exited.add(name);
      lastEvent[name] = 'exited';
      seen[name] = ++order;
    }
  }
  const open = Object.keys(lastEvent).filter(n => lastEvent[n] === 'entered').sort((a, b) => seen[a] - seen[b]);
  const running = status === 'RUNNING';
  const failing = status === 'FAILED' || status === 'TIMED_OUT' || status === 'ABORTED';
  const classOf = name => {
    if (!entered.has(name)) return null;
    if (lastEvent[name] === 'exited') return 'state-succeeded';
    if (running) return 'state-current';
    if (failing && (name === open[open.length - 1] || ['Fail', 'Parallel', 'Map'].includes(types[name]))) return 'state-failed';
    return 'state-caught';
  };
  return {entered, exited, history, status, classOf, types};
}

/** Which transitions were taken, given the edges of every scope: replays the entries in order. */
function markTaken(run, edgesInto) {
  const last = {};
  const takenEdges = new Set();
  let order = 0;
  for (const e of run.history) {
    const type = String(e.type || '');
    if (type.endsWith('StateEntered') && e.stateEnteredEventDetails) {
      const name = e.stateEnteredEventDetails.name;
      let best = null;
      for (const edge of edgesInto[name] || []) {
        const t = last[edge.from];
        if (t !== undefined && (best === null || t > last[best.from])) best = edge;
        if (edge.from === '__start' && best === null && last[name] === undefined) best = edge;
      }
      if (best) takenEdges.add(best.id);
      last[name] = ++order;
    } else if (type.endsWith('StateExited') && e.stateExitedEventDetails) {
      last[e.stateExitedEventDetails.name] = ++order;
    }
  }
  return takenEdges;
}

// ---- layout ------------------------------------------------------------------------------------

function textWidth(s, size) {
  return String(s).length * size * 0.58;
}

/** Lays out one scope (the machine, a Parallel branch or a Map's processor) in coordinates of its own. */
function layoutScope(def, run) {
  const states = def && def.States ? def.States : {};
  const names = Object.keys(states);
  names.forEach(n => { run.types[n] = states[n] && states[n].Type; });
  const edges = [];
  const add = (from, to, kind, label) => edges.push({id: from + '->' + to + ':' + kind + ':' + edges.length, from, to, kind, label});
  if (def && def.StartAt) add('__start', def.StartAt, 'next');
  let ends = false;
  for (const n of names) {
    const s = states[n] || {};
    if (s.Type === 'Choice') {
      (s.Choices || []).forEach((c, i) => c && c.Next && add(n, c.Next, 'choice', 'rule ' + (i + 1)));
      if (s.Default) add(n, s.Default, 'default', 'default');
    } else if (s.Next) {
      add(n, s.Next, 'next');
    }
    if (s.End || s.Type === 'Succeed' || s.Type === 'Fail') { add(n, '__end', 'end'); ends = true; }
    (s.Catch || []).forEach(c => c && c.Next && add(n, c.Next, 'catch', (c.ErrorEquals || []).join(', ')));
  }
  const known = new Set(['__start', '__end', ...names]);
  const valid = edges.filter(e => known.has(e.to));

  // depth-first order from the start; edges back to a state on the current path are back edges
  const order = [], onPath = new Set(), done = new Set(), back = new Set();
  const out = {};
  valid.forEach(e => (out[e.from] = out[e.from] || []).push(e));
  const dfs = n => {
    done.add(n); onPath.add(n); order.push(n);
    for (const e of (out[n] || []).slice().sort((a, b) => (a.kind === 'catch') - (b.kind === 'catch'))) {
      if (onPath.has(e.to)) back.add(e.id);
      else if (!done.has(e.to)) dfs(e.to);
    }
    onPath.delete(n);
  };
  dfs('__start');
  names.forEach(n => { if (!done.has(n)) dfs(n); });
  if (ends && !order.includes('__end')) order.push('__end');

  // longest path layering over the forward edges; the end goes below everything
  const layer = Object.fromEntries(order.map(n => [n, 0]));
  const forward = valid.filter(e => !back.has(e.id) && layer[e.from] !== undefined && layer[e.to] !== undefined);
  for (let i = 0; i < order.length; i++) {
    let changed = false;
    for (const e of forward) {
      if (layer[e.to] < layer[e.from] + 1) { layer[e.to] = layer[e.from] + 1; changed = true; }
    }
    if (!changed) break;
  }
  if (ends) layer.__end = Math.max(0, ...order.filter(n => n !== '__end').map(n => layer[n])) + 1;

  // sizes: plain states are boxes; Parallel and Map are groups around their branches
  const nodes = {};
  for (const n of order) {
    if (n === '__start' || n === '__end') { nodes[n] = {name: n, w: DOT, h: DOT, terminal: true}; continue; }
    const s = states[n] || {};
    const inner = s.Type === 'Parallel' ? (s.Branches || []) : s.Type === 'Map' ? [s.ItemProcessor || s.Iterator].filter(Boolean) : null;
    if (inner && inner.length) {
      const branches = inner.map(b => layoutScope(b, run));
      const w = Math.max(textWidth(n + ' (' + s.Type + ')', 12) + 2 * PAD,
        branches.reduce((sum, b) => sum + b.w + 2 * PAD, 0) + (branches.length - 1) * 12 + 2 * PAD);
      const hh = Math.max(...branches.map(b => b.h)) + 2 * PAD + HEAD + PAD;
      nodes[n] = {name: n, type: s.Type, w, h: hh, branches};
    } else {
      nodes[n] = {name: n, type: s.Type || '?', w: Math.max(120, textWidth(n, 12) + 28), h: NODE_H};
    }
  }

  // rows by layer, ordered by the mean position of their predecessors, then centred
  const rows = [];
  order.forEach(n => (rows[layer[n]] = rows[layer[n]] || []).push(n));
  const width = Math.max(...rows.filter(Boolean).map(r => r.reduce((s, n) => s + nodes[n].w, 0) + (r.length - 1) * GAP_X));
  let y = 0;
  const preds = {};
  forward.forEach(e => (preds[e.to] = preds[e.to] || []).push(e.from));
  rows.forEach(r => {
    if (!r) return;
    r.sort((a, b) => centre(a) - centre(b));
    const rowW = r.reduce((s, n) => s + nodes[n].w, 0) + (r.length - 1) * GAP_X;
    const rowH = Math.max(...r.map(n => nodes[n].h));
    let x = (width - rowW) / 2;
    r.forEach(n => { nodes[n].x = x; nodes[n].y = y + (rowH - nodes[n].h) / 2; x += nodes[n].w + GAP_X; });
    y += rowH + GAP_Y;
  });
  function centre(n) {
    const p = (preds[n] || []).filter(q => nodes[q] && nodes[q].x !== undefined);
    return p.length ? p.reduce((s, q) => s + nodes[q].x + nodes[q].w / 2, 0) / p.length : order.indexOf(n) * 0.001;
  }
  const edgesInto = {};
  valid.forEach(e => (edgesInto[e.to] = edgesInto[e.to] || []).push(e));
  const takenEdges = markTaken(run, edgesInto);
  if (ends && run.status && run.status !== 'RUNNING') {
    valid.filter(e => e.to === '__end' && run.entered.has(e.from)).forEach(e => takenEdges.add(e.id));
  }
  return {w: width, h: Math.max(0, y - GAP_Y), nodes, edges: valid, back, takenEdges, states};
}

// ---- drawing -----------------------------------------------------------------------------------

function drawScope(parent, scope, run) {
  const edgeLayer = h('svg:g', {class: 'edges'});
  parent.append(edgeLayer);
  const outCount = {}, outIndex = {};
  scope.edges.forEach(e => { outCount[e.from] = (outCount[e.from] || 0) + 1; });
  for (const e of scope.edges) {
    const a = scope.nodes[e.from], b = scope.nodes[e.to];
    if (!a || !b) continue;
    const i = outIndex[e.from] = (outIndex[e.from] || 0) + 1;
    const x1 = a.x + a.w * i / (outCount[e.from] + 1), y1 = a.y + a.h;
    const x2 = b.x + b.w / 2, y2 = b.y;
    let d;
    if (scope.back.has(e.id) || y2 <= y1) {
      const side = Math.max(a.x + a.w, b.x + b.w) + 24 + 6 * i;
      d = `M${a.x + a.w},${a.y + a.h / 2} C${side},${a.y + a.h / 2} ${side},${b.y + b.h / 2} ${b.x + b.w},${b.y + b.h / 2}`;
    } else {
      // an edge that skips rows goes around the boxes in between instead of through them
      const lo = Math.min(x1, x2) - 12, hi = Math.max(x1, x2) + 12;
      const between = Object.values(scope.nodes).filter(n => n !== a && n !== b && n.y > y1 && n.y + n.h < y2
        && n.x < hi && n.x + n.w > lo);
      if (between.length) {
        const side = Math.max(...between.map(n => n.x + n.w)) + 22;
        d = `M${x1},${y1} C${x1},${y1 + 24} ${side},${y1 + 6} ${side},${y1 + 36} L${side},${y2 - 36}`
          + ` C${side},${y2 - 6} ${x2},${y2 - 24} ${x2},${y2}`;
        e.labelAt = [side + 4, (y1 + y2) / 2];
      } else {
        const dy = Math.max(18, (y2 - y1) / 2);
        d = `M${x1},${y1} C${x1},${y1 + dy} ${x2},${y2 - dy} ${x2},${y2}`;
      }
    }
    const isTaken = scope.takenEdges.has(e.id);
    const cls = 'edge edge-' + e.kind + (isTaken ? ' edge-taken' : '');
    const path = h('svg:path', {class: cls, d, 'data-from': e.from, 'data-to': e.to,
      'marker-end': isTaken ? 'url(#arrow-taken)' : e.kind === 'catch' ? 'url(#arrow-catch)' : 'url(#arrow)'},
      h('svg:title', {}, (e.from === '__start' ? 'Start' : e.from) + ' → ' + (e.to === '__end' ? 'End' : e.to)
        + (e.label ? ' (' + (e.kind === 'catch' ? 'catch ' : '') + e.label + ')' : '') + (isTaken ? ', taken' : '')));
    edgeLayer.append(path);
    if (e.label) {
      const [lx, ly] = e.labelAt || [(x1 + x2) / 2 + 4, (y1 + y2) / 2];
      edgeLayer.append(h('svg:text', {class: 'edge-label', x: scope.back.has(e.id) ? Math.max(a.x + a.w, b.x + b.w) + 8 : lx, y: ly},
        e.kind === 'catch' ? 'catch ' + e.label : e.label));
    }
  }
  for (const n of Object.values(scope.nodes)) {
    if (n.terminal) {
      parent.append(h('svg:g', {class: 'terminal', 'data-terminal': n.name === '__start' ? 'start' : 'end'},
        h('svg:circle', {cx: n.x + n.w / 2, cy: n.y + n.h / 2, r: n.w / 2}),
        h('svg:text', {x: n.x + n.w + 5, y: n.y + n.h / 2 + 3}, n.name === '__start' ? 'Start' : 'End')));
      continue;
    }
    const state = run.classOf(n.name);
    const cls = (n.branches ? 'node group' : 'node') + (state ? ' ' + state : '');
    const label = n.name + ', ' + n.type + ' state' + (state ? ', ' + state.replace('state-', '') : ', not visited');
    const g = h('svg:g', {class: cls, 'data-state': n.name, 'data-type': n.type, tabindex: 0, role: 'img', 'aria-label': label},
      h('svg:title', {}, label),
      h('svg:rect', {x: n.x, y: n.y, width: n.w, height: n.h, rx: n.branches ? 8 : 6}));
    if (n.branches) {
      g.append(h('svg:text', {x: n.x + PAD, y: n.y + 18}, n.name + ' (' + n.type + (n.type === 'Map' ? ', per item' : '') + ')'));
      let bx = n.x + PAD;
      n.branches.forEach((b, i) => {
        const bw = b.w + 2 * PAD;
        const branch = h('svg:g', {class: 'branch', 'data-branch': i},
          h('svg:rect', {x: bx, y: n.y + HEAD + PAD / 2, width: bw, height: b.h + 2 * PAD, rx: 6}));
        const inner = h('svg:g', {transform: `translate(${bx + PAD},${n.y + HEAD + PAD * 1.5})`});
        drawScope(inner, b, run);
        branch.append(inner);
        g.append(branch);
        bx += bw + 12;
      });
    } else {
      g.append(h('svg:text', {x: n.x + 10, y: n.y + 19}, n.name),
        h('svg:text', {class: 'type', x: n.x + 10, y: n.y + 34}, n.type));
    }
    parent.append(g);
  }
}
