/**
 * reliability.md §2.4 "Browser" vectors: a hostile page on an allowed host (127.0.0.1) tries to reach a
 * canary on 127.0.0.2 (loopback, not allowed) by every route we know. The canary counts raw TCP
 * connections, so "zero" means nothing even reached it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BlockedError } from '../../../../src/domain/errors.ts';
import { createBrowserPool, type BrowserPool } from '../../../../src/engine/browser/browser-pool.ts';
import { renderPage } from '../../../../src/engine/browser/render.ts';
import { HAVE_CHROMIUM, html, needChromium, startCanary, startSite, testPolicy, type Site } from './_support.ts';

describe('browser network guard', { skip: !HAVE_CHROMIUM && process.env.CI !== 'true' ? 'Chromium not installed' : false }, () => {
  let pool: BrowserPool;
  let site: Site;
  let canary: Awaited<ReturnType<typeof startCanary>>;

  before(async () => {
    canary = await startCanary();
    const c = canary.base;
    pool = createBrowserPool({ policy: testPolicy(), pageTimeoutMs: 10_000 });
    site = await startSite({
      '/hostile': (_q, res) =>
        html(res, `<title>Hostile</title>
          <img src="${c}/img.png"><link rel="stylesheet" href="${c}/style.css"><script src="${c}/x.js"></script>
          <iframe src="${c}/frame"></iframe><iframe src="/redirect"></iframe><img src="/redirect?img">
          <script>
            fetch('${c}/fetch').catch(() => {});
            fetch('/redirect').catch(() => {});
            navigator.sendBeacon && navigator.sendBeacon('${c}/beacon', 'x');
            try { const ws = new WebSocket('ws://${canary.host}/ws'); ws.onerror = () => {}; } catch {}
            new Worker(URL.createObjectURL(new Blob(["fetch('${c}/worker').catch(() => {})"])));
          </script><p id="ok">page itself works</p>`),
      '/redirect': (_q, res) => res.writeHead(302, { location: `${c}/redirected` }).end(),
      '/hop': (_q, res) => res.writeHead(302, { location: '/redirect' }).end(),
      '/refresh': (_q, res) => html(res, `<meta http-equiv="refresh" content="0;url=${c}/refresh"><title>Refresh</title>`),
      '/jsnav': (_q, res) => html(res, `<title>JS nav</title><script>setTimeout(() => location.href = '${c}/jsnav', 50)</script>`),
      '/sw': (_q, res) =>
        html(res, `<title>SW</title><p id="sw">pending</p><script>
          const out = (t) => document.getElementById('sw').textContent = t;
          if (!('serviceWorker' in navigator)) out('no service worker API');
          else navigator.serviceWorker.register('/sw.js')
            .then(() => navigator.serviceWorker.getRegistrations())
            .then((r) => out('registrations: ' + r.length), (e) => out('refused: ' + e.name));
          </script>`),
      '/sw.js': (_q, res) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(`self.addEventListener('fetch', () => {});`),
    });
  });
  after(async () => {
    await pool?.close();
    await site?.close();
    await canary?.close();
  });

  test('sub-resources, fetch, iframes, websockets, workers and redirects never reach the canary', async (t) => {
    if (!needChromium(t)) return;
    const blocked: string[] = [];
    const page = await renderPage(pool, `${site.base}/hostile`, {
      loadMedia: true, // media allowed, so only the address policy can stop the <img>
      commands: [{ action: 'wait', ms: 1000 }],
      log: (l) => blocked.push(l),
    });
    assert.match(page.html, /page itself works/);
    assert.equal(canary.touches(), 0);
    assert.ok(blocked.some((l) => l.includes('/img.png')), blocked.join('\n'));
    // Redirect hops are never routed by Playwright: the egress proxy refused them.
    assert.ok(pool.stats().proxyBlocked > 0);
  });

  test('navigating to a redirect (also two hops) towards a blocked address is a BlockedError', async (t) => {
    if (!needChromium(t)) return;
    for (const path of ['/redirect', '/hop']) {
      await assert.rejects(renderPage(pool, `${site.base}${path}`), (e: unknown) => e instanceof BlockedError && e.reason === 'ssrf', path);
    }
    await assert.rejects(renderPage(pool, `${canary.base}/direct`), BlockedError);
    assert.equal(canary.touches(), 0);
  });

  test('meta refresh and script navigations to a blocked address do not get out', async (t) => {
    if (!needChromium(t)) return;
    for (const path of ['/refresh', '/jsnav']) {
      // The navigation fails inside the page; the render still returns what it has.
      await renderPage(pool, `${site.base}${path}`, { commands: [{ action: 'wait', ms: 500 }] }).catch(() => {});
    }
    assert.equal(canary.touches(), 0);
  });

  test('service workers cannot be registered', async (t) => {
    if (!needChromium(t)) return;
    const page = await renderPage(pool, `${site.base}/sw`, { commands: [{ action: 'wait', ms: 500 }] });
    // Playwright's 'block' turns register() into a no-op: nothing is installed and the script is never fetched.
    assert.match(page.html, /<p id="sw">(registrations: 0|refused: \w+|no service worker API)<\/p>/);
    assert.ok(!site.hits.includes('/sw.js'), site.hits.join(' '));
  });

  test('non-http(s) URLs are refused before Chromium sees them', async (t) => {
    if (!needChromium(t)) return;
    for (const url of ['file:///etc/passwd', 'chrome://version', 'data:text/html,<p>x</p>', 'javascript:alert(1)']) {
      await assert.rejects(renderPage(pool, url), (e: unknown) => e instanceof BlockedError && e.reason === 'scheme', url);
    }
    await assert.rejects(renderPage(pool, 'http://localhost:1/'), BlockedError);
  });
});
