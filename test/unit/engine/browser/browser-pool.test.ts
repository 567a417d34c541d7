import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RetryableError } from '../../../../src/domain/errors.ts';
import { createBrowserPool, type BrowserPool } from '../../../../src/engine/browser/browser-pool.ts';
import { renderPage } from '../../../../src/engine/browser/render.ts';
import { chromiumChildren, HAVE_CHROMIUM, html, needChromium, sleep, startSite, testPolicy, type Site } from './_support.ts';

describe('browser pool', { skip: !HAVE_CHROMIUM && process.env.CI !== 'true' ? 'Chromium not installed' : false }, () => {
  let pool: BrowserPool;
  let site: Site;

  before(async () => {
    // A long page timeout, so the spinning-page test shows that the render deadline (not it) fired.
    pool = createBrowserPool({ policy: testPolicy(), maxContexts: 2, pageTimeoutMs: 30_000 });
    site = await startSite({
      '/tiny': (q, res) => html(res, `<title>${q.url}</title><p>tiny</p>`),
      '/cookie': (q, res) => html(res, `<title>${q.headers.cookie ?? 'none'}</title>`, { 'set-cookie': 'seen=1; Path=/' }),
      // Never finishes loading: the script spins before the load event.
      '/spin': (_q, res) => html(res, `<title>spin</title><script>for (;;) {}</script>`),
      '/slow': (_q, res) => setTimeout(() => html(res, '<title>slow</title>'), 8_000),
    });
  });
  after(async () => {
    await pool?.close();
    await site?.close();
  });

  // Each render is a fresh context (a new renderer process): ~0.3 s on an idle 2-core box.
  const SOAK = Number(process.env.GLEANER_BROWSER_SOAK_RENDERS ?? 100);
  test(`${SOAK} renders in sequence leave no context open`, async (t) => {
    if (!needChromium(t)) return;
    const before = pool.stats();
    for (let i = 0; i < SOAK; i++) {
      const page = await renderPage(pool, `${site.base}/tiny?${i}`, { timeoutMs: 10_000 });
      assert.equal(page.title, `/tiny?${i}`);
    }
    const s = pool.stats();
    assert.equal(s.contextsCreated - before.contextsCreated, SOAK);
    assert.equal(s.openContexts, 0);
    assert.equal(s.browserContexts, 0);
    assert.equal(s.launches, Math.max(1, before.launches));
  });

  test('at most maxContexts contexts at once; cookies never shared between them', async (t) => {
    if (!needChromium(t)) return;
    let peak = 0;
    const titles = await Promise.all(
      Array.from({ length: 6 }, () =>
        pool.withContext({}, async (ctx) => {
          peak = Math.max(peak, pool.stats().browserContexts);
          const page = await ctx.newPage();
          await page.goto(`${site.base}/cookie`);
          await sleep(100);
          return page.title();
        }),
      ),
    );
    assert.ok(peak <= 2, `peak ${peak}`);
    assert.deepEqual(titles, Array(6).fill('none'));
    assert.equal(pool.stats().openContexts, 0);
  });

  test('a spinning page is cut off by the render deadline and the pool goes on', async (t) => {
    if (!needChromium(t)) return;
    const started = Date.now();
    await assert.rejects(
      renderPage(pool, `${site.base}/spin`, { timeoutMs: 1500 }),
      (e: unknown) => e instanceof RetryableError && /timed out after 1500 ms/.test(e.message),
    );
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
    const ok = await renderPage(pool, `${site.base}/tiny`);
    assert.equal(ok.title, '/tiny');
    assert.equal(pool.stats().openContexts, 0);
  });

  test('aborting the signal closes the context at once', async (t) => {
    if (!needChromium(t)) return;
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(new Error('run cancelled')), 300);
    await assert.rejects(renderPage(pool, `${site.base}/slow`, { signal: ac.signal }), /run cancelled/);
    assert.ok(Date.now() - started < 3_000);
    assert.equal(pool.stats().openContexts, 0);
  });

  test('a killed browser is detected and relaunched on the next call', async (t) => {
    if (!needChromium(t)) return;
    await renderPage(pool, `${site.base}/tiny`);
    const launches = pool.stats().launches;
    const pids = chromiumChildren();
    assert.ok(pids.length > 0, 'found the browser process');
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && pool.stats().browserConnected; i++) await sleep(100);
    assert.equal(pool.stats().browserConnected, false);
    const page = await renderPage(pool, `${site.base}/tiny`);
    assert.equal(page.title, '/tiny');
    assert.equal(pool.stats().launches, launches + 1);
  });

  test('a call running when the browser dies fails as retryable', async (t) => {
    if (!needChromium(t)) return;
    await assert.rejects(
      pool.withContext({}, async (ctx) => {
        const page = await ctx.newPage();
        await page.goto(`${site.base}/tiny`);
        for (const pid of chromiumChildren()) process.kill(pid, 'SIGKILL');
        await sleep(300);
        await page.goto(`${site.base}/tiny`);
      }),
      RetryableError,
    );
    assert.equal((await renderPage(pool, `${site.base}/tiny`)).title, '/tiny');
  });
});
