/** Control Center sign-in: first-run password setup (one-time setup token), sign out/in, cookie flags, CSP, CSRF, layouts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, newPage, shot, startUiEnv, withShot } from './ui-harness.ts';
import { UI_CSP } from '../../src/ui/ui-plugin.ts';
import { setupTokenOf } from '../../src/ui/setup-token.ts';

test('first run: set the admin password in the browser, sign out, sign in; session cookie, CSP and CSRF', async () => {
  const env = await startUiEnv('ui-auth', { setPassword: false });
  try {
    const { page, errors } = await newPage(env);
    // serve() generated a one-time token at start-up and printed this link (quiet in tests; the same string).
    const setupUrl = env.server.setupUrl;
    assert.ok(setupUrl, 'a first-run server has a setup link');
    const link = new URL(setupUrl);
    assert.equal(link.pathname, '/ui/setup');
    const setupToken = link.searchParams.get('token') ?? '';
    assert.ok(Buffer.from(setupToken, 'base64url').length >= 16, 'at least 128 random bits');
    const adminHash = async () => (await env.server.platform.identity.getUserByEmail(env.adminEmail))!.password_hash;
    const postSetup = (json: unknown) => fetch(`${env.server.url}/ui/setup`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(json) });

    // Whoever reaches the server first cannot take it: no token or a wrong one is 403, and nothing is set.
    const noToken = await postSetup({ password: 'attacker password 123' });
    assert.equal(noToken.status, 403);
    assert.match(noToken.headers.get('content-type') ?? '', /application\/problem\+json/);
    const noTokenBody = (await noToken.json()) as { status: number; detail: string };
    assert.equal(noTokenBody.status, 403);
    assert.match(noTokenBody.detail, /link printed on the server console at start-up/);
    assert.match(noTokenBody.detail, /GLEANER_SETUP_TOKEN/);
    const wrong = await postSetup({ password: 'attacker password 123', token: `${setupToken.slice(0, -1)}${setupToken.endsWith('A') ? 'B' : 'A'}` });
    assert.equal(wrong.status, 403);
    assert.match(((await wrong.json()) as { detail: string }).detail, /Wrong setup token.*printed on the server console/);
    assert.equal((await postSetup({ password: 'attacker password 123', token: 123 })).status, 403);
    assert.equal(await adminHash(), null, 'the admin password stays unset');
    assert.equal(wrong.headers.get('set-cookie'), null, 'no session for a refused setup');

    // The page without the link says where to get it; a wrong pasted token is refused with that message.
    await withShot(page, 'ui-auth-setup-no-token', async () => {
      await page.goto(`${env.server.url}/`);
      await page.waitForSelector('#setup-form');
      assert.match((await page.textContent('#setup-token-missing')) ?? '', /setup link[\s\S]*printed on the server console at start-up/);
      await page.fill('#setup-token', 'not-the-token-0123456789');
      await page.fill('#setup-password', 'attacker password 123');
      await page.fill('#setup-password2', 'attacker password 123');
      await page.click('#setup-form button[type=submit]');
      await page.waitForSelector('.error-box');
      assert.match((await page.textContent('.error-box')) ?? '', /Wrong setup token/);
    });
    assert.equal(await adminHash(), null, 'still unset after the refused browser attempt');

    await withShot(page, 'ui-auth-setup', async () => {
      await page.goto(setupUrl);
      await page.waitForSelector('#setup-form');
      await shot(page, 'ui-auth-first-run');
      assert.equal(await page.$('#setup-token-missing'), null, 'no warning when the link carries the token');
      assert.equal(await page.getAttribute('#setup-token', 'type'), 'hidden');
      await page.fill('#setup-password', ADMIN_PASSWORD);
      await page.fill('#setup-password2', ADMIN_PASSWORD);
      await page.click('#setup-form button[type=submit]');
      await page.waitForSelector('#agents-total');
      assert.doesNotMatch(page.url(), /token=/, 'the token leaves the address bar once used');
    });
    assert.ok(await adminHash(), 'the password is set');
    // Setup works once only, and the token is dead afterwards.
    const again = await postSetup({ password: 'another password 123', token: setupToken });
    assert.equal(again.status, 409);
    assert.equal(setupTokenOf(env.server.platform).active, false);
    assert.equal(setupTokenOf(env.server.platform).matches(setupToken), false);

    const cookies = await page.context().cookies();
    const c = cookies.find((x) => x.name === 'gleaner_session');
    assert.ok(c, 'session cookie set');
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Strict');

    // CSRF: the cookie alone cannot change state; with the token it can.
    const cookie = `gleaner_session=${c.value}`;
    const noCsrf = await fetch(`${env.server.url}/api/v1/agent`, { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'x', definition: {} }) });
    assert.equal(noCsrf.status, 403);
    assert.match(((await noCsrf.json()) as { detail: string }).detail, /CSRF/);
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
