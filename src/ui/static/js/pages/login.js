// Sign in, or (first run, no password set anywhere yet) set the administrator password. Setting it needs the
// one-time setup token from the link the server prints at start-up (/ui/setup?token=...).
import { api } from '../api.js';
import { errorBox, h } from '../dom.js';
import { afterSignIn } from '../app.js';

/** Drops /ui/setup?token=... from the address bar once it is no longer needed (keeps the #route). */
function forgetSetupLink() {
  if (location.pathname !== '/' || location.search) history.replaceState(null, '', `/${location.hash}`);
}

export async function render(root, _params, query) {
  const s = await api('/ui/session');
  const next = query.get('next');
  if (s.authenticated) {
    forgetSetupLink();
    return afterSignIn(next);
  }
  const status = h('div', { 'aria-live': 'polite' });
  if (s.needsSetup) {
    const fromLink = new URLSearchParams(location.search).get('token') ?? '';
    const pw = h('input', { type: 'password', id: 'setup-password', name: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
    const pw2 = h('input', { type: 'password', id: 'setup-password2', autocomplete: 'new-password', required: true, minlength: 10 });
    // From the link: a hidden field. Without it: say where to get it, and let the operator paste it.
    const token = fromLink
      ? h('input', { type: 'hidden', id: 'setup-token', name: 'token', value: fromLink })
      : h('input', { type: 'password', id: 'setup-token', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
    const missing = fromLink
      ? null
      : h(
          'div',
          { class: 'key-once', id: 'setup-token-missing', role: 'note' },
          h('p', {}, h('strong', {}, 'This page needs the one-time setup link.'), ' For your security, only the person who started the server can set the first password.'),
          h('p', {}, 'Open the link printed on the server console at start-up: ', h('code', {}, 'First run: open http://…/ui/setup?token=… to set the admin password'), '. If the server was started with GLEANER_SETUP_TOKEN, open /ui/setup?token=<that value>, or paste the token below.'),
        );
    const form = h(
      'form',
      { class: 'card narrow', id: 'setup-form' },
      h('h1', {}, 'Welcome to Gleaner'),
      missing,
      h('p', {}, 'Set the administrator password (at least 10 characters). You can also do this later from the command line.'),
      fromLink ? token : [h('label', { for: 'setup-token' }, 'Setup token'), token],
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
        await api('/ui/setup', { json: { password: pw.value, token: token.value.trim() } });
        forgetSetupLink();
        await afterSignIn(next);
      } catch (e) {
        status.append(errorBox(e));
      }
    });
    root.append(form);
    (fromLink ? pw : token).focus();
    return;
  }
  forgetSetupLink();
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
