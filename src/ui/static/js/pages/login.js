// Sign in, or (first run, no password set anywhere yet) set the administrator password.
import { api } from '../api.js';
import { errorBox, h } from '../dom.js';
import { afterSignIn } from '../app.js';

export async function render(root, _params, query) {
  const s = await api('/ui/session');
  const next = query.get('next');
  if (s.authenticated) return afterSignIn(next);
  const status = h('div', { 'aria-live': 'polite' });
  if (s.needsSetup) {
    const pw = h('input', { type: 'password', id: 'setup-password', name: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
    const pw2 = h('input', { type: 'password', id: 'setup-password2', autocomplete: 'new-password', required: true, minlength: 10 });
    const form = h(
      'form',
      { class: 'card narrow', id: 'setup-form' },
      h('h1', {}, 'Welcome to Gleaner'),
      h('p', {}, 'Set the administrator password (at least 10 characters). You can also do this later from the command line.'),
      h('label', { for: 'setup-password' }, 'New password'),
      pw,
      h('label', { for: 'setup-password2' }, 'Repeat password'),
      pw2,
      status,
      h('button', { type: 'submit', class: 'primary' }, 'Set password and sign in'),
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      status.replaceChildren();
      if (pw.value !== pw2.value) return status.append(errorBox(new Error('The passwords differ')));
      try {
        await api('/ui/setup', { json: { password: pw.value } });
        await afterSignIn(next);
      } catch (e) {
        status.append(errorBox(e));
      }
    });
    root.append(form);
    pw.focus();
    return;
  }
  const email = h('input', { type: 'email', id: 'login-email', name: 'email', autocomplete: 'username', required: true });
  const pw = h('input', { type: 'password', id: 'login-password', name: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    { class: 'card narrow', id: 'login-form' },
    h('h1', {}, 'Sign in to Gleaner'),
    h('label', { for: 'login-email' }, 'Email'),
    email,
    h('label', { for: 'login-password' }, 'Password'),
    pw,
    status,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    try {
      await api('/ui/login', { json: { email: email.value, password: pw.value } });
      await afterSignIn(next);
    } catch (e) {
      status.append(errorBox(e));
    }
  });
  root.append(form);
  email.focus();
}
