// The shell: hash routing, the top bar, session bootstrap. Each page module exports
// render(root, params) and may return a cleanup function (stops its polling) called on navigation.
import { api, isAdmin, loadSession, session, setUnauthorizedHandler } from './api.js';
import { clear, errorBox, h, toast } from './dom.js';

const ROUTES = [
  [/^\/login$/, () => import('./pages/login.js'), false],
  [/^\/dashboard$/, () => import('./pages/dashboard.js'), true],
  [/^\/agents$/, () => import('./pages/agents.js'), true],
  [/^\/agents\/(\d+)\/runs\/(\d+)$/, () => import('./pages/run.js'), true],
  [/^\/agents\/(\d+)(?:\/(\w+))?$/, () => import('./pages/agent.js'), true],
  [/^\/builder$/, () => import('./pages/builder.js'), true],
  [/^\/admin$/, () => import('./pages/admin.js'), true],
];

let cleanup = null;
const main = document.getElementById('main');

export function navigate(hash) {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

function currentPath() {
  const raw = location.hash.replace(/^#/, '') || '/dashboard';
  const [path, qs] = raw.split('?');
  return { path, query: new URLSearchParams(qs ?? '') };
}

function updateShell() {
  const signedIn = Boolean(session.user);
  document.getElementById('topbar').hidden = !signedIn;
  document.getElementById('user-email').textContent = session.user?.email ?? '';
  document.getElementById('nav-admin').hidden = !isAdmin();
  const { path } = currentPath();
  for (const a of document.querySelectorAll('#nav a')) {
    const on = path.startsWith(a.getAttribute('href').slice(1));
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route() {
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
  const { path, query } = currentPath();
  const match = ROUTES.find(([re]) => re.test(path));
  if (!match) {
    navigate('#/dashboard');
    return;
  }
  const [re, load, needsAuth] = match;
  if (needsAuth && !session.user) {
    navigate(`#/login?next=${encodeURIComponent(path)}`);
    return;
  }
  updateShell();
  document.getElementById('nav').classList.remove('open');
  const params = path.match(re).slice(1);
  clear(main);
  try {
    const mod = await load();
    cleanup = (await mod.render(main, params, query)) ?? null;
  } catch (e) {
    main.append(errorBox(e));
  }
  // Move focus to the new content so keyboard and screen-reader users land on the page, not the old link.
  if (document.activeElement === document.body || document.activeElement?.closest('#nav')) main.focus({ preventScroll: true });
}

export async function afterSignIn(next) {
  await loadSession();
  updateShell();
  navigate(`#${next && next.startsWith('/') ? next : '/dashboard'}`);
}

async function start() {
  setUnauthorizedHandler(() => {
    session.user = null;
    session.csrfToken = null;
    updateShell();
    if (!location.hash.startsWith('#/login')) navigate('#/login');
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try {
      await api('/ui/logout', { method: 'POST' });
    } catch (e) {
      toast(e.message, 'error');
    }
    session.user = null;
    session.csrfToken = null;
    updateShell();
    navigate('#/login');
  });
  const toggle = document.getElementById('nav-toggle');
  toggle.addEventListener('click', () => {
    const open = document.getElementById('nav').classList.toggle('open');
    toggle.setAttribute('aria-expanded', String(open));
  });
  window.addEventListener('hashchange', () => void route());
  try {
    await loadSession();
  } catch (e) {
    clear(main).append(h('h1', {}, 'Gleaner'), errorBox(e));
    return;
  }
  await route();
}

void start();
