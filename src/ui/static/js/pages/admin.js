// Administration: users (create, role, disable), API keys (create → shown once with Copy, list by prefix,
// revoke), spaces and their members. Each part says so when its endpoints are missing on this server.
import { api, isAdmin, session } from '../api.js';
import { errorBox, fill, fmtDate, h, spinner, table, toast } from '../dom.js';

function missing(e, what) {
  return e.status === 404 ? h('p', { class: 'muted' }, `${what} are not available on this server yet.`) : errorBox(e);
}

async function usersCard(state) {
  const card = h('section', { class: 'card', 'aria-labelledby': 'users-h' }, h('h2', { id: 'users-h' }, 'Users'), spinner());
  const draw = async () => {
    let users;
    try {
      users = await api('/api/v1/users');
    } catch (e) {
      return card.lastChild.replaceWith(missing(e, 'Users'));
    }
    state.users = users;
    const update = async (u, patch) => {
      try {
        await api(`/api/v1/users/${u.id}`, { method: 'PUT', json: patch });
        toast('User updated', 'ok');
        await draw();
      } catch (e) {
        toast(e.message, 'error');
      }
    };
    const email = h('input', { type: 'email', id: 'new-user-email', required: true, placeholder: 'email@example.com', 'aria-label': 'Email' });
    const name = h('input', { type: 'text', id: 'new-user-name', placeholder: 'Name', 'aria-label': 'Name' });
    const role = h('select', { id: 'new-user-role', 'aria-label': 'Role' }, h('option', { value: 'User' }, 'User'), h('option', { value: 'Administrator' }, 'Administrator'));
    const pw = h('input', { type: 'password', id: 'new-user-password', placeholder: 'Password (optional)', autocomplete: 'new-password', 'aria-label': 'Password' });
    const msg = h('div', { 'aria-live': 'polite' });
    const form = h('form', { class: 'toolbar', id: 'new-user-form' }, email, name, role, pw, h('button', { type: 'submit', class: 'primary' }, 'Add user'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api('/api/v1/users', { json: { email: email.value, name: name.value || undefined, role: role.value, password: pw.value || undefined } });
        toast('User created', 'ok');
        await draw();
        state.onUsers?.();
      } catch (e) {
        msg.replaceChildren(errorBox(e));
      }
    });
    const view = h(
      'div',
      {},
      table(
        [
          { label: 'Email', get: (u) => u.email },
          { label: 'Name', get: (u) => u.name ?? '' },
          {
            label: 'Role',
            get: (u) => {
              const sel = h('select', { 'aria-label': `Role of ${u.email}` }, ['User', 'Administrator'].map((r) => h('option', { value: r, selected: u.role === r }, r)));
              sel.addEventListener('change', () => update(u, { role: sel.value }));
              return sel;
            },
          },
          { label: 'Status', get: (u) => (u.isDisabled ? 'Disabled' : 'Active') },
          { label: '', get: (u) => (u.id === session.user?.userId ? h('span', { class: 'muted' }, 'you') : h('button', { type: 'button', class: 'secondary', onclick: () => update(u, { isDisabled: !u.isDisabled }) }, u.isDisabled ? 'Enable' : 'Disable')) },
        ],
        users,
      ),
      form,
      msg,
    );
    card.lastChild.replaceWith(view);
  };
  await draw();
  return card;
}

async function keysCard(state) {
  const card = h('section', { class: 'card', 'aria-labelledby': 'keys-h' }, h('h2', { id: 'keys-h' }, 'API keys'), spinner());
  const shown = h('div', { id: 'new-key-box', 'aria-live': 'polite' });
  const draw = async () => {
    let keys;
    try {
      keys = await api('/api/v1/api-keys');
    } catch (e) {
      return card.lastChild.replaceWith(missing(e, 'API keys'));
    }
    const user = h('select', { id: 'key-user', 'aria-label': 'For user' }, (state.users ?? [session.user]).map((u) => h('option', { value: u.id ?? u.userId }, u.email)));
    const desc = h('input', { type: 'text', id: 'key-description', placeholder: 'Description (what uses it)', 'aria-label': 'Key description' });
    const days = h('input', { type: 'number', id: 'key-days', min: 1, value: 365, 'aria-label': 'Expires in days' });
    const form = h('form', { class: 'toolbar', id: 'new-key-form' }, user, desc, h('label', { for: 'key-days' }, 'days'), days, h('button', { type: 'submit', class: 'primary' }, 'Create API key'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const k = await api(`/api/v1/users/${user.value}/api-keys`, { json: { description: desc.value || null, expiresInDays: Number(days.value) || 365 } });
        const out = h('input', { type: 'text', readonly: true, id: 'new-key-value', class: 'code', value: k.key, 'aria-label': 'The new API key' });
        const copy = h('button', { type: 'button', class: 'secondary', id: 'copy-key' }, 'Copy');
        copy.addEventListener('click', async () => {
          out.select();
          try {
            await navigator.clipboard.writeText(k.key);
            toast('Copied', 'ok');
          } catch {
            toast('Select the key and copy it (Ctrl+C)', 'info');
          }
        });
        shown.replaceChildren(h('div', { class: 'key-once' }, h('p', {}, h('strong', {}, 'Copy this key now: it is shown only once.')), h('div', { class: 'inline' }, out, copy)));
        await draw();
      } catch (e) {
        shown.replaceChildren(errorBox(e));
      }
    });
    const revoke = async (k) => {
      if (!confirm(`Revoke key ${k.prefix}…? Clients using it stop working at once.`)) return;
      try {
        await api(`/api/v1/api-keys/${k.id}`, { method: 'DELETE' });
        toast(`Key ${k.prefix}… revoked`, 'ok');
        await draw();
      } catch (e) {
        toast(e.message, 'error');
      }
    };
    card.lastChild.replaceWith(
      h(
        'div',
        {},
        table(
          [
            { label: 'Key', get: (k) => h('code', { class: 'key-prefix' }, `${k.prefix}…`) },
            { label: 'User', get: (k) => k.userEmail ?? '' },
            { label: 'Description', get: (k) => k.description ?? '' },
            { label: 'Expires', get: (k) => fmtDate(k.expiresAt) },
            { label: 'Last used', get: (k) => fmtDate(k.lastUsedAt) },
            { label: 'State', get: (k) => h('span', { class: 'key-state' }, k.revokedAt ? 'Revoked' : k.isActive === false ? 'Expired' : 'Active') },
            { label: '', get: (k) => (k.revokedAt ? '' : h('button', { type: 'button', class: 'danger revoke-key', 'data-prefix': k.prefix, onclick: () => revoke(k) }, 'Revoke')) },
          ],
          keys,
          { class: 'keys-table' },
        ),
        form,
        shown,
      ),
    );
  };
  state.onUsers = draw;
  await draw();
  return card;
}

async function spacesCard(state) {
  const card = h('section', { class: 'card', 'aria-labelledby': 'spaces-h' }, h('h2', { id: 'spaces-h' }, 'Spaces and members'), spinner());
  const members = h('div', { id: 'members-box' });
  const showMembers = async (s) => {
    try {
      const list = await api(`/api/v1/spaces/${s.id}/members`);
      const pick = h('select', { 'aria-label': 'User to add' }, (state.users ?? []).filter((u) => !list.some((m) => m.id === u.id)).map((u) => h('option', { value: u.id }, u.email)));
      const add = async () => {
        try {
          await api(`/api/v1/spaces/${s.id}/members`, { json: { userId: Number(pick.value) } });
          await showMembers(s);
        } catch (e) {
          toast(e.message, 'error');
        }
      };
      const removeM = async (m) => {
        try {
          await api(`/api/v1/spaces/${s.id}/members/${m.id}`, { method: 'DELETE' });
          await showMembers(s);
        } catch (e) {
          toast(e.message, 'error');
        }
      };
      fill(
        members,
        h('h3', {}, `Members of ${s.name}`),
        table([{ label: 'Email', get: (m) => m.email }, { label: 'Role', get: (m) => m.role }, { label: '', get: (m) => h('button', { type: 'button', class: 'secondary', onclick: () => removeM(m) }, 'Remove') }], list),
        pick.options.length ? h('div', { class: 'toolbar' }, pick, h('button', { type: 'button', class: 'primary', onclick: add }, 'Add member')) : null,
      );
    } catch (e) {
      members.replaceChildren(missing(e, 'Space members'));
    }
  };
  const draw = async () => {
    let spaces;
    try {
      spaces = await api('/api/v1/spaces');
    } catch (e) {
      return card.lastChild.replaceWith(missing(e, 'Spaces'));
    }
    const name = h('input', { type: 'text', id: 'new-space-name', required: true, placeholder: 'Space name', 'aria-label': 'Space name' });
    const form = h('form', { class: 'toolbar' }, name, h('button', { type: 'submit', class: 'primary' }, 'Add space'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api('/api/v1/spaces', { json: { name: name.value } });
        await draw();
      } catch (e) {
        toast(e.message, 'error');
      }
    });
    card.lastChild.replaceWith(
      h(
        'div',
        {},
        table([{ label: 'Space', get: (s) => s.name }, { label: 'Default', get: (s) => (s.isDefaultAccess ? 'yes' : '') }, { label: 'Created', get: (s) => fmtDate(s.created) }, { label: '', get: (s) => h('button', { type: 'button', class: 'secondary', onclick: () => showMembers(s) }, 'Members') }], spaces),
        form,
        members,
      ),
    );
  };
  await draw();
  return card;
}

export async function render(root) {
  root.append(h('h1', {}, 'Administration'));
  if (!isAdmin()) return void root.append(h('p', {}, 'Only administrators can manage users, keys and spaces.'));
  const state = {};
  root.append(await usersCard(state));
  root.append(await keysCard(state));
  root.append(await spacesCard(state));
}
