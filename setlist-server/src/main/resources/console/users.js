// Users and roles (administrators): the users with their grants, creating a user, granting and
// revoking roles, and API keys (a new key is shown once). Every revocation (a role, a key) is
// confirmed in the page before it is sent.
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

  /**
   * A button that asks first, in the page: its question with a confirm and a cancel button shows
   * beside it, and only the confirm sends the call. The outcome (or the refusal) shows in the status.
   */
  function confirmButton(label, attrs, question, yes, done, call) {
    const holder = h('span', {class: 'confirm'});
    const button = h('button', Object.assign({type: 'button'}, attrs), label);
    button.addEventListener('click', () => {
      const ok = h('button', {type: 'button', class: 'danger confirm-yes'}, yes);
      const cancel = h('button', {type: 'button', class: 'confirm-no'}, 'Cancel');
      const box = h('div', {class: 'confirm-box', role: 'alertdialog', 'aria-label': question}, h('p', {}, question), ok, ' ', cancel);
      const close = () => { box.remove(); button.disabled = false; };
      cancel.addEventListener('click', () => { close(); button.focus(); });
      ok.addEventListener('click', async () => {
        ok.disabled = true;
        cancel.disabled = true;
        await act(done, call);
        close();
      });
      button.disabled = true;
      holder.append(box);
      ok.focus();
    });
    holder.append(button);
    return holder;
  }

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
        confirmButton('Revoke', {class: 'danger revoke', 'aria-label': 'Revoke ' + g.role + ' on ' + g.resources + ' from ' + u.name},
          'Revoke ' + g.role + ' on ' + g.resources + ' from ' + u.name + '?', 'Revoke', 'Revoked ' + g.role + ' from ' + u.name + '.',
          () => api('/api/v1/users/' + encodeURIComponent(u.name) + '/grants?'
            + new URLSearchParams({role: g.role, resources: g.resources}), {method: 'DELETE'}))))),
      h('button', {type: 'button', class: 'new-key', 'aria-label': 'New API key for ' + u.name,
        onclick: () => act(k => h('div', {class: 'notice', role: 'status'}, 'New API key for ' + u.name + ' (shown once): ',
          h('span', {class: 'secret', id: 'new-api-key'}, k.apiKey)),
        () => api('/api/v1/users/' + encodeURIComponent(u.name) + '/api-keys', {method: 'POST'}))}, 'New API key'),
    ], {'data-user': u.name}));

    const keyRows = keys.keys.map(k => row([h('code', {}, k.id), k.kind, k.user, timeEl(k.created),
      k.active ? badge('OK', 'active') : badge('ABORTED', 'inactive'),
      confirmButton('Delete', {class: 'danger delete-key', 'aria-label': 'Delete key ' + k.id},
        'Delete key ' + k.id + ' of ' + k.user + '? Whoever uses it is refused from then on.', 'Delete', 'Key ' + k.id + ' deleted.',
        () => api('/api/v1/keys/' + encodeURIComponent(k.id), {method: 'DELETE'}))]));

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
