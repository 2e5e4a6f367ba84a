// The traffic guard (operators and administrators): every flow with its levers, rate and cache
// figures; every limit with its current usage; changing a flow's rate; disabling a flow, forcing
// its degraded mode or restoring it, each after a confirmation; clearing a flow's cache. Reading
// needs setlist:ReadGuard, changing setlist:ManageGuard; the server checks every call.
import {api, h, page, problem, notice, table, row, badge, criticality, timeEl, currentSession} from '/console/app.js';

const G = '/api/v1/guard';

page('Traffic guard', async main => {
  const roles = (currentSession().grants || []).map(g => g.role);
  const manage = roles.includes('administrator') || roles.includes('operator');
  const flowsHolder = h('section', {id: 'guard-flows', 'aria-labelledby': 'flows-h'});
  const limitsHolder = h('section', {id: 'guard-limits', 'aria-labelledby': 'limits-h'});
  const cacheHolder = h('section', {id: 'guard-cache', 'aria-labelledby': 'cache-h'});
  main.append(h('p', {class: 'lead'}, 'What the guard lets through, per flow. Changes hold on every node within a second and are written to the audit log.'),
    flowsHolder, limitsHolder, cacheHolder);

  async function draw() {
    const [flows, limits, cache] = await Promise.all([api(G + '/flows'), api(G + '/limits'), api(G + '/cache')]);
    flowsHolder.replaceChildren(h('h2', {id: 'flows-h'}, 'Flows'),
      table(null, ['Flow', 'State', 'Rate (all callers)', 'Throttled', 'Shed', 'Last change', manage ? 'Levers' : null].filter(Boolean),
        flows.flows.map(f => flowRow(f)), {id: 'flows-table'}));
    limitsHolder.replaceChildren(h('h2', {id: 'limits-h'}, 'Limits and their use'),
      table(null, ['Limit', 'Applies to', 'Allowed', 'In use now'], limits.limits.map(limitRow), {id: 'limits-table'}));
    const stats = Object.entries(cache.flows || {});
    cacheHolder.replaceChildren(h('h2', {id: 'cache-h'}, 'Response cache'),
      h('p', {class: 'muted'}, 'Backend ', h('code', {}, cache.backend), ' · ', String(cache.entries), ' entries.'),
      table(null, ['Flow', 'Hits', 'Misses', 'Hit ratio', 'Served stale', 'Evicted', 'Invalidated', manage ? '' : null].filter(x => x !== null),
        stats.map(([flow, s]) => h('tr', {'data-flow': flow}, [flow, s.hits, s.misses, ratio(s), s.stale, s.evictions, s.invalidations]
          .map((v, i) => h('td', {class: i ? 'num' : null}, String(v))),
        manage ? h('td', {}, confirmButton('Clear cache', 'Clear the cached answers of ' + flow + '? The next reads go to the flow.',
          'Yes, clear', () => api(G + '/cache/' + encodeURIComponent(flow), {method: 'DELETE'}), 'Cache of ' + flow + ' cleared.')) : null)),
        {id: 'cache-table'}));
  }

  function flowRow(f) {
    const state = [f.disabled ? badge('FAILED', 'disabled') : null, f.degraded ? badge('ACKNOWLEDGED', 'degraded') : null,
      !f.disabled && !f.degraded ? badge('OK', 'normal') : null].filter(Boolean).flatMap((b, i) => i ? [' ', b] : [b]);
    const rate = h('span', {}, f.rate.perSecond + '/s, burst ' + f.rate.burst, f.rate.overridden ? h('div', {}, h('span', {class: 'kind'}, 'changed')) : null);
    const cells = [
      [h('strong', {}, f.flow), ' ', criticality(f.criticality)],
      [state, f.degradedMode ? h('div', {class: 'muted'}, 'Degraded mode: ' + f.degradedMode) : null],
      rate, String(f.throttled), String(f.shed),
      f.leverChangedBy ? [f.leverChangedBy, h('div', {class: 'muted'}, timeEl(f.leverChangedAt))] : '—',
    ];
    if (manage) cells.push(levers(f));
    return h('tr', {'data-flow': f.flow, 'data-disabled': String(f.disabled), 'data-degraded': String(f.degraded)}, cells.map(c => h('td', {}, c)));
  }

  function levers(f) {
    const out = h('div', {class: 'levers'});
    const put = body => () => api(G + '/flows/' + encodeURIComponent(f.flow) + '/levers', {method: 'PUT', body});
    if (!f.disabled) out.append(confirmButton('Disable', 'Disable ' + f.flow + '? Every call of the flow is answered 503 until it is restored.',
      'Yes, disable', put({disabled: true, reason: 'disabled from the console'}), f.flow + ' is disabled.', 'danger'));
    if (!f.degraded && f.degradedMode) out.append(confirmButton('Force degraded', 'Switch ' + f.flow + ' to its degraded mode: '
      + f.degradedMode + '?', 'Yes, degrade', put({degraded: true, reason: 'degraded from the console'}), f.flow + ' runs degraded.'));
    if (f.disabled || f.degraded || f.rate.overridden) out.append(confirmButton('Restore', 'Restore ' + f.flow
      + ' to normal (enabled, not degraded, the catalog\u2019s rate)?', 'Yes, restore',
      put({disabled: false, degraded: false, ratePerSecond: null, burst: null, reason: 'restored from the console'}), f.flow + ' is restored.'));
    const id = 'rate-' + f.flow;
    const perSecond = h('input', {id, name: 'ratePerSecond', inputmode: 'decimal', class: 'tiny', value: f.rate.perSecond});
    const burst = h('input', {id: id + '-burst', name: 'burst', inputmode: 'numeric', class: 'tiny', value: f.rate.burst});
    const status = h('div', {class: 'lever-status', 'aria-live': 'polite'});
    const form = h('form', {class: 'rate-form'},
      h('label', {for: id}, 'Requests/s', perSecond), h('label', {for: id + '-burst'}, 'Burst', burst),
      h('button', {type: 'submit'}, 'Set rate'), status);
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const body = {ratePerSecond: Number(perSecond.value), burst: Number(burst.value), reason: 'rate set from the console'};
      try {
        await api(G + '/flows/' + encodeURIComponent(f.flow) + '/levers', {method: 'PUT', body});
        await draw();
        say(notice('Rate of ' + f.flow + ' set to ' + body.ratePerSecond + '/s, burst ' + body.burst + '.'));
      } catch (err) {
        status.replaceChildren(problem(err));
      }
    });
    out.append(form);
    return out;
  }

  /** A button that asks first; the question, the answer's error or the success show beside it. */
  function confirmButton(label, question, yes, call, done, cls) {
    const holder = h('span', {class: 'confirm'});
    const button = h('button', {type: 'button', class: cls || null, 'data-action': label}, label);
    button.addEventListener('click', () => {
      const ok = h('button', {type: 'button', class: 'primary confirm-yes'}, yes);
      const cancel = h('button', {type: 'button', class: 'confirm-no'}, 'Cancel');
      const box = h('div', {class: 'confirm-box', role: 'alertdialog', 'aria-label': question}, h('p', {}, question), ok, ' ', cancel);
      cancel.addEventListener('click', () => { box.remove(); button.disabled = false; button.focus(); });
      ok.addEventListener('click', async () => {
        ok.disabled = true;
        try {
          await call();
          await draw();
          say(notice(done));
        } catch (err) {
          box.replaceChildren(problem(err), cancel);
        }
      });
      button.disabled = true;
      holder.append(box);
      ok.focus();
    });
    holder.append(button);
    return holder;
  }

  const status = h('div', {id: 'guard-status', 'aria-live': 'polite'});
  main.insertBefore(status, flowsHolder);
  function say(node) { status.replaceChildren(node); }

  await draw();
});

function ratio(s) {
  const all = (s.hits || 0) + (s.misses || 0);
  return all ? Math.round(100 * s.hits / all) + '%' : '—';
}

function limitRow(l) {
  const kinds = {'flow-rate': 'Flow rate', 'caller-rate': 'Rate per caller', quota: 'Quota per caller',
    'action-rate': 'AWS API action rate', concurrency: 'Concurrent requests'};
  let to, allowed, use;
  switch (l.kind) {
    case 'flow-rate': to = l.flow; allowed = l.perSecond + '/s, burst ' + l.burst;
      use = l.available === undefined || l.available === null ? '—' : usage(l.burst - l.available, l.burst, 'tokens used of the burst'); break;
    case 'caller-rate': to = l.flow; allowed = l.perSecond + '/s, burst ' + l.burst;
      use = h('span', {class: 'muted'}, 'counted for each caller separately'); break;
    case 'quota': to = [l.flow, h('div', {class: 'muted'}, l.caller)]; allowed = l.limit + ' per ' + l.period;
      use = [usage(l.used, l.limit, 'used'), h('div', {class: 'muted'}, 'resets ', timeEl(l.resetsAt))]; break;
    case 'action-rate': to = h('code', {}, l.action); allowed = l.perSecond + '/s, burst ' + l.burst; use = '—'; break;
    case 'concurrency': to = 'all flows'; allowed = l.limit + ' at once';
      use = [usage(l.inFlight, l.limit, 'in flight'), h('div', {class: 'muted'}, 'shed: ' + Object.entries(l.shed || {})
        .map(([k, v]) => k + ' ' + v).join(', '))]; break;
    default: to = l.flow || l.action || '—'; allowed = '—'; use = '—';
  }
  return h('tr', {'data-kind': l.kind, 'data-flow': l.flow || null}, [kinds[l.kind] || l.kind, to, allowed, use]
    .map(c => h('td', {}, c)));
}

/** "12 of 1000 used" with a bar. */
function usage(used, of, what) {
  const share = of > 0 ? Math.max(0, Math.min(1, used / of)) : 0;
  const bar = h('span');
  bar.style.width = (share * 100).toFixed(1) + '%';
  return h('div', {class: 'usage'}, h('span', {}, used + ' of ' + of + ' ' + what),
    h('div', {class: 'budget' + (share > .9 ? ' spent' : share > .7 ? ' low' : ''), role: 'img',
      'aria-label': Math.round(share * 100) + '% in use'}, bar));
}
