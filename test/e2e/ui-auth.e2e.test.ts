/** Control Center sign-in: first-run password setup, sign out/in, cookie flags, CSP, CSRF, layouts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, newPage, shot, startUiEnv, withShot } from './ui-harness.ts';
import { UI_CSP } from '../../src/ui/ui-plugin.ts';

test('first run: set the admin password in the browser, sign out, sign in; session cookie, CSP and CSRF', async () => {
  const env = await startUiEnv('ui-auth', { setPassword: false });
  try {
    const { page, errors } = await newPage(env);
    await withShot(page, 'ui-auth-setup', async () => {
      await page.goto(`${env.server.url}/`);
      await page.waitForSelector('#setup-form');
      await shot(page, 'ui-auth-first-run');
      await page.fill('#setup-password', ADMIN_PASSWORD);
      await page.fill('#setup-password2', ADMIN_PASSWORD);
      await page.click('#setup-form button[type=submit]');
      await page.waitForSelector('#agents-total');
    });
    // Setup works once only.
    const again = await fetch(`${env.server.url}/ui/setup`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: 'another password 123' }) });
    assert.equal(again.status, 409);

    const cookies = await page.context().cookies();
    const c = cookies.find((x) => x.name === 'gleaner_session');
    assert.ok(c, 'session cookie set');
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Strict');

    // CSRF: the cookie alone cannot change state; with the token it can.
    const cookie = `gleaner_session=${c.value}`;
    const noToken = await fetch(`${env.server.url}/api/v1/agent`, { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'x', definition: {} }) });
    assert.equal(noToken.status, 403);
    assert.match(((await noToken.json()) as { detail: string }).detail, /CSRF/);
    const sess = (await (await fetch(`${env.server.url}/ui/session`, { headers: { Cookie: cookie } })).json()) as { csrfToken: string; user: { email: string } };
    assert.equal(sess.user.email, env.adminEmail);
    const me = await fetch(`${env.server.url}/api/v1/me`, { headers: { Cookie: cookie } });
    assert.equal(me.status, 200);
    const withToken = await fetch(`${env.server.url}/api/v1/agent`, { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': sess.csrfToken, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'x', definition: {} }) });
    assert.equal(withToken.status, 400, 'passes CSRF, then fails validation');

    // Security headers on the UI.
    const index = await fetch(`${env.server.url}/`);
    assert.equal(index.headers.get('content-security-policy'), UI_CSP);
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(index.headers.get('referrer-policy'), 'no-referrer');
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    const html = await index.text();
    assert.doesNotMatch(html, /<script>|<style|\sstyle=|\son\w+=/i, 'no inline script or style');
    assert.equal((await fetch(`${env.server.url}/ui/static/js/app.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await fetch(`${env.server.url}/ui/static/..%2f..%2fui-plugin.ts`)).status, 404);

    // Sign out, then a wrong password, then the right one.
    await withShot(page, 'ui-auth-signin', async () => {
      await page.click('#logout');
      await page.waitForSelector('#login-form');
      const after = await fetch(`${env.server.url}/api/v1/me`, { headers: { Cookie: cookie } });
      assert.equal(after.status, 401, 'the old session is gone server-side');
      await page.fill('#login-email', env.adminEmail);
      await page.fill('#login-password', 'wrong password');
      await page.click('#login-form button[type=submit]');
      await page.waitForSelector('.error-box');
      assert.match(await page.textContent('.error-box') ?? '', /Wrong email or password/);
      await page.fill('#login-password', ADMIN_PASSWORD);
      await page.click('#login-form button[type=submit]');
      await page.waitForSelector('#agents-total');
    });
    assert.deepEqual(errors, []);
  } finally {
    await env.close();
  }
});

test('dashboard and agent list are usable at 1280 px and at phone width, by keyboard', async () => {
  const env = await startUiEnv('ui-layout');
  try {
    for (const [w, name] of [[1280, 'desktop'], [390, 'phone']] as const) {
      const { page } = await newPage(env, w, 844);
      await withShot(page, `ui-dashboard-${name}`, async () => {
        await page.goto(`${env.server.url}/#/login`);
        await page.fill('#login-email', env.adminEmail);
        await page.fill('#login-password', ADMIN_PASSWORD);
        await page.keyboard.press('Enter');
        await page.waitForSelector('#agents-total');
        await page.waitForSelector('svg.chart');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 1, `no horizontal scroll at ${w}px (overflow ${overflow})`);
      });
      // Keyboard: Tab reaches the navigation (a real link), Enter follows it.
      if (w === 1280) {
        await page.focus('.brand');
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Dashboard');
        await page.keyboard.press('Tab');
        await page.keyboard.press('Enter');
        await page.waitForSelector('#agent-search');
        await shot(page, 'ui-agents-desktop');
      } else {
        await page.click('#nav-toggle');
        await shot(page, 'ui-nav-phone');
      }
    }
  } finally {
    await env.close();
  }
});
