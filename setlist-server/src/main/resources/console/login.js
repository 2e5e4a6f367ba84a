// Sign in: posts the user name and password, then returns to the page that sent the visitor here.
import {api, h, safeNext, ApiError} from '/console/app.js';

const form = document.getElementById('signin');
const message = document.getElementById('message');
const next = safeNext(new URLSearchParams(location.search).get('next'));

form.addEventListener('submit', async e => {
  e.preventDefault();
  const button = document.getElementById('signin-button');
  button.disabled = true;
  message.replaceChildren();
  try {
    await api('/api/v1/session', {method: 'POST', noRedirect: true,
      body: {user: form.user.value, password: form.password.value}});
    location.assign(next);
  } catch (err) {
    const text = err instanceof ApiError && err.status === 401 ? 'Wrong user name or password.' : err.message;
    message.replaceChildren(h('div', {class: 'problem', role: 'alert', id: 'signin-error'}, text));
    form.password.value = '';
    form.password.focus();
  } finally {
    button.disabled = false;
  }
});

// Already signed in: straight on.
api('/api/v1/console/me', {noRedirect: true}).then(me => { if (me.user) location.assign(next); }).catch(() => {});
