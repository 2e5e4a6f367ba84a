// Users and roles (administrators): the users with their grants, creating a user, granting and
// revoking roles, and API keys (a new key is shown once).
import {api, h, page, table, row, timeEl, notice, problem, badge} from '/console/app.js';

page('Users and roles', async main => {
  const status = h('div', {'aria-live': 'polite', id: 'users-status'});
  const holder = h('div');
  main.append(status, holder);
  const roles = await api('/api/v1/roles');
  const say = node => { status.replaceChildren(node); };
  const act = async (what, fn) => {
    try {
      const r = await fn();
      await draw();
      say(typeof what === 'function' ? what(r) : notice(what));
    } catch (e) {
      say(problem(e));
    }
  };

  async function draw() {
    const [users, keys] = await Promise.all([api('/api/v1/users'), api('/api/v1/keys')]);
    const names = users.users.map(u => u.name);

    const create = h('form', {class: 'inline', id: 'create-user', 'aria-labelledby': 'create-h'},
      h('label', {for: 'new-name'}, 'User name', h('input', {id: 'new-name', name: 'name', required: true, autocomplete: 'off'})),
      h('label', {for: 'new-password'}, 'Password (8 characters or more)',
        h('input', {id: 'new-password', name: 'password', type: 'password', autocomplete: 'new-password'})),
      h('button', {type: 'submit', class: 'primary'}, 'Create user'));
    create.addEventListener('submit', e => {
      e.preventDefault();
      const name = create.name.value.trim();
      const body = {name};
      if (create.password.value) body.password = create.password.value;
      act('User ' + name + ' created.', () => api('/api/v1/users', {method: 'POST', body}));
    });

    const grant = h('form', {class: 'inline', id: 'grant-role', 'aria-labelledby': 'grant-h'},
      h('label', {for: 'grant-user'}, 'User', h('select', {id: 'grant-user', name: 'user'}, names.map(n => h('option', {value: n}, n)))),
      h('label', {for: 'grant-role-name'}, 'Role', h('select', {id: 'grant-role-name', name: 'role'},
        Object.keys(roles).map(r => h('option', {value: r}, r)))),
      h('label', {for: 'grant-resources'}, 'On resources', h('input', {id: 'grant-resources', name: 'resources', value: '*'})),
      h('button', {type: 'submit', class: 'primary'}, 'Grant role'));
    grant.addEventListener('submit', e => {
      e.preventDefault();
      const user = grant.user.value, role = grant.role.value, resources = grant.resources.value || '*';
      act('Granted ' + role + ' on ' + resources + ' to ' + user + '.',
        () => api('/api/v1/users/' + encodeURIComponent(user) + '/grants', {method: 'POST', body: {role, resources}}));
    });

    const userRows = users.users.map(u => row([
      h('strong', {}, u.name), timeEl(u.created), u.disabled ? badge('ABORTED', 'disabled') : badge('OK', 'active'),
      h('ul', {class: 'grants'}, u.grants.map(g => h('li', {}, h('span', {}, h('code', {}, g.role), ' on ', h('code', {}, g.resources)),
        h('button', {type: 'button', class: 'danger revoke', 'aria-label': 'Revoke ' + g.role + ' on ' + g.resources + ' from ' + u.name,
          onclick: () => act('Revoked ' + g.role + ' from ' + u.name + '.', () => api('/api/v1/users/' + encodeURIComponent(u.name)
            + '/grants?' + new URLSearchParams({role: g.role, resources: g.resources}), {method: 'DELETE'}))}, 'Revoke')))),
      h('button', {type: 'button', class: 'new-key', 'aria-label': 'New API key for ' + u.name,
        onclick: () => act(k => h('div', {class: 'notice', role: 'status'}, 'New API key for ' + u.name + ' (shown once): ',
          h('span', {class: 'secret', id: 'new-api-key'}, k.apiKey)),
        () => api('/api/v1/users/' + encodeURIComponent(u.name) + '/api-keys', {method: 'POST'}))}, 'New API key'),
    ], {'data-user': u.name}));

    const keyRows = keys.keys.map(k => row([h('code', {}, k.id), k.kind, k.user, timeEl(k.created),
      k.active ? badge('OK', 'active') : badge('ABORTED', 'inactive'),
      h('button', {type: 'button', class: 'danger', 'aria-label': 'Delete key ' + k.id,
        onclick: () => { if (confirm('Delete key ' + k.id + '?')) act('Key ' + k.id + ' deleted.', () => api('/api/v1/keys/' + encodeURIComponent(k.id), {method: 'DELETE'})); }},
        'Delete')]));

    holder.replaceChildren(
      h('h2', {}, 'Users'), table(null, ['User', 'Created', 'Status', 'Roles', 'Keys'], userRows, {id: 'users'}),
      h('h2', {id: 'create-h'}, 'Create a user'), create,
      h('h2', {id: 'grant-h'}, 'Grant a role'), grant,
      h('h2', {}, 'Roles'), table(null, ['Role', 'Allowed actions'], Object.entries(roles).map(([r, a]) =>
        row([h('code', {}, r), a.join(', ')]))),
      h('h2', {}, 'Keys'), table(null, ['Id', 'Kind', 'User', 'Created', 'Status', ''], keyRows, {id: 'keys'}));
  }
  await draw();
});
