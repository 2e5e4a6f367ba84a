// The audit log (administrators): every change of users, grants and keys, and every sign-in, newest first.
import {api, h, page, table, row, timeEl} from '/console/app.js';

page('Audit log', async main => {
  const holder = h('div');
  main.append(h('p', {class: 'lead'}, 'Every change of users, grants and keys, and every sign-in (failed and refused ones too), newest first.'), holder);
  const load = async before => {
    const data = await api('/api/v1/audit?limit=50' + (before ? '&before=' + before : ''));
    const last = data.records.length ? data.records[data.records.length - 1].id : null;
    holder.replaceChildren(table(null, ['Time', 'Who', 'Action', 'Target', 'Details'], data.records.map(r =>
      row([timeEl(r.time), r.actor, h('code', {}, r.action), r.target || '', r.details || ''])), {id: 'audit'}),
    h('div', {class: 'pager'}, before ? h('button', {type: 'button', onclick: () => load(null)}, '← Newest') : null,
      data.records.length === 50 ? h('button', {type: 'button', onclick: () => load(last)}, 'Older →') : null));
  };
  await load(null);
});
