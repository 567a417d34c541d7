import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createBrowserPool, type BrowserPool } from '../../../../src/engine/browser/browser-pool.ts';
import { renderPage, renderWithContext, type TabSource } from '../../../../src/engine/browser/render.ts';
import type { Page } from 'playwright-core';
import { html, HAVE_CHROMIUM, json, needChromium, startSite, testPolicy, type Handler, type Site } from './_support.ts';

const count = (s: string, needle: string) => s.split(needle).length - 1;
/** Rendered records only: the inline script that builds them also contains the markup, but not a number. */
const records = (s: string) => (s.match(/>Record \d+</g) ?? []).length;

/** Records 1..total served in pages of 10 by /api/page?n=<page>. */
const TOTAL = 100;
const pageOf = (n: number) => Array.from({ length: 10 }, (_, i) => n * 10 + i + 1).filter((x) => x <= TOTAL);
const APPEND = `
  async function loadPage(n) {
    const items = await (await fetch('/api/page?n=' + n)).json();
    for (const i of items) document.getElementById('list').insertAdjacentHTML('beforeend', '<div class="rec" style="height:120px">Record ' + i + '</div>');
    return items.length;
  }`;

const routes: Record<string, Handler> = {
  '/list': (_q, res) =>
    html(res, `<title>Items</title><ul id="list"></ul><script>
      fetch('/api/items').then(r => r.json()).then(items => {
        for (const it of items) document.getElementById('list').insertAdjacentHTML('beforeend', '<li class="item">' + it.name + ' ' + it.price + '</li>');
      });</script>`),
  '/api/items': (_q, res) =>
    setTimeout(() => json(res, [1, 2, 3, 4, 5].map((i) => ({ name: `Widget ${i}`, price: `${i}.99` }))), 150),
  '/api/page': (q, res) => {
    const n = Number(new URL(q.url ?? '', 'http://x').searchParams.get('n'));
    setTimeout(() => json(res, pageOf(n)), 50);
  },
  '/scroll': (_q, res) =>
    html(res, `<title>Scroll</title><div id="list"></div><script>${APPEND}
      let next = 0, busy = false;
      async function more() { if (busy || next >= 10) return; busy = true; await loadPage(next++); busy = false; }
      window.addEventListener('scroll', () => { if (innerHeight + scrollY >= document.body.scrollHeight - 300) more(); });
      more();</script>`),
  '/load-more': (_q, res) =>
    html(res, `<title>More</title><div id="list"></div><button id="more">Load more</button><script>${APPEND}
      let next = 0;
      document.getElementById('more').onclick = async () => { await loadPage(next++); if (next >= 5) document.getElementById('more').remove(); };
      loadPage(next++);</script>`),
  '/delayed': (_q, res) =>
    html(res, `<title>Late</title><div id="box"></div><script>
      setTimeout(() => document.getElementById('box').innerHTML = '<p class="late">arrived late</p>', 300);</script>`),
  '/login': (_q, res) =>
    html(res, `<title>Sign in</title><form id="login" method="post" action="/session">
      <input id="user" name="user"><input id="pass" name="pass" type="password"><button>Sign in</button></form>`),
  '/session': (_q, res, body) => {
    const f = new URLSearchParams(body);
    if (f.get('user') === 'alice' && f.get('pass') === 's3cr3t-pw') {
      res.writeHead(302, { location: '/members', 'set-cookie': 'sid=ok; Path=/; HttpOnly' }).end();
    } else res.writeHead(302, { location: '/login' }).end();
  },
  '/members': (q, res) => {
    if (!String(q.headers.cookie ?? '').includes('sid=ok')) return void res.writeHead(302, { location: '/login' }).end();
    html(res, `<title>Members</title><div id="list"></div><script>${APPEND} loadPage(0);</script>`);
  },
  // The slow session check of some sites: the submit handler waits, then leaves for the list by script.
  '/slow-login': (_q, res) =>
    html(res, `<title>Slow sign in</title><form id="slow"><input id="who"><button>Go</button></form><script>
      document.getElementById('slow').addEventListener('submit', (e) => { e.preventDefault(); setTimeout(() => location.href = '/after-login', 900); });</script>`),
  '/after-login': (_q, res) => html(res, `<title>Landed</title><div id="list"></div><script>${APPEND} loadPage(0);</script>`),
  // A page that moves itself elsewhere while we are scrolling it.
  '/moving': (_q, res) =>
    html(res, `<title>Moving</title><div id="list"></div><script>${APPEND} loadPage(0); setTimeout(() => location.href = '/after-login', 400);</script>`),
  '/gone': (_q, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<title>Gone</title><p>no such page</p>'),
  '/busy': (_q, res) => html(res, `<title>Busy</title><script>while (true) {}</script>`),
  '/framed': (_q, res) => html(res, `<title>Framed</title><iframe id="f" src="/inner"></iframe>`),
  '/inner': (_q, res) =>
    html(res, `<input id="q"><button id="go" onclick="parent.document.body.insertAdjacentHTML('beforeend', '<p id=done>' + document.getElementById('q').value + '</p>')">Go</button>`),
};

describe('renderPage', { skip: !HAVE_CHROMIUM && process.env.CI !== 'true' ? 'Chromium not installed' : false }, () => {
  let pool: BrowserPool;
  let site: Site;
  before(async () => {
    pool = createBrowserPool({ policy: testPolicy(), maxContexts: 2, pageTimeoutMs: 10_000 });
    site = await startSite(routes);
  });
  after(async () => {
    await pool?.close();
    await site?.close();
  });

  test('renders a list built by script from a JSON API', async (t) => {
    if (!needChromium(t)) return;
    const page = await renderPage(pool, `${site.base}/list`, { commands: [{ action: 'wait-for-selector', selector: 'li.item', timeoutMs: 5000 }] });
    assert.equal(page.status, 200);
    assert.equal(page.title, 'Items');
    assert.equal(page.url, `${site.base}/list`);
    // wait-for-selector sees the first item; the rest were inserted in the same task.
    assert.equal(count(page.html, '<li class="item">Widget'), 5);
    assert.match(page.html, /Widget 5 5\.99/);
    assert.ok(page.elapsedMs > 0);
  });

  test('infinite scroll collects all 100 records, 10 at a time', async (t) => {
    if (!needChromium(t)) return;
    const lines: string[] = [];
    const page = await renderPage(pool, `${site.base}/scroll`, {
      pagination: { kind: 'infinite-scroll', maxScrolls: 50 },
      recordSelector: '.rec',
      log: (l) => lines.push(l),
    });
    assert.equal(records(page.html), 100);
    assert.match(page.html, /Record 100</);
    assert.ok(lines.some((l) => /infinite-scroll: \d+ scrolls, 100 records/.test(l)), lines.join('\n'));
  });

  test('infinite scroll is bounded by maxScrolls', async (t) => {
    if (!needChromium(t)) return;
    const page = await renderPage(pool, `${site.base}/scroll`, { pagination: { kind: 'infinite-scroll', maxScrolls: 2 }, recordSelector: '.rec' });
    const n = records(page.html);
    assert.ok(n >= 20 && n <= 40, `got ${n}`);
  });

  test('load-more clicks until the button disappears', async (t) => {
    if (!needChromium(t)) return;
    const page = await renderPage(pool, `${site.base}/load-more`, { pagination: { kind: 'load-more', selector: '#more', maxClicks: 50 }, recordSelector: '.rec' });
    assert.equal(records(page.html), 50);
    assert.doesNotMatch(page.html, /id="more"/);
  });

  test('load-more is bounded by maxClicks, also without a record selector', async (t) => {
    if (!needChromium(t)) return;
    const page = await renderPage(pool, `${site.base}/load-more`, { pagination: { kind: 'load-more', selector: '#more', maxClicks: 2 } });
    assert.equal(records(page.html), 30);
  });

  test('wait-for-selector waits for content that appears after 300 ms', async (t) => {
    if (!needChromium(t)) return;
    const page = await renderPage(pool, `${site.base}/delayed`, { commands: [{ action: 'wait-for-selector', selector: '.late', timeoutMs: 5000 }] });
    assert.match(page.html, /arrived late/);
  });

  test('logs in with input parameters, never logging the secret, then reads the list', async (t) => {
    if (!needChromium(t)) return;
    const lines: string[] = [];
    const page = await renderPage(pool, `${site.base}/login`, {
      inputParameters: { username: 'alice', password: 's3cr3t-pw' },
      commands: [
        { action: 'type', selector: '#user', fromInput: 'username', secret: false },
        { action: 'type', selector: '#pass', fromInput: 'password', secret: true },
        { action: 'submit', selector: '#login' },
        { action: 'wait-for-selector', selector: '.rec', timeoutMs: 5000 },
      ],
      log: (l) => lines.push(l),
    });
    assert.equal(page.title, 'Members');
    assert.equal(page.url, `${site.base}/members`);
    assert.equal(page.status, 200);
    assert.equal(records(page.html), 10);
    assert.ok(lines.some((l) => l.includes('#pass: (secret)')), lines.join('\n'));
    assert.ok(!lines.join('\n').includes('s3cr3t-pw'));

    // A fresh context has no session cookie: the members page sends us back to the login form.
    const again = await renderPage(pool, `${site.base}/members`);
    assert.equal(again.title, 'Sign in');
  });

  test('a submit whose script navigates almost a second later: the page read is the one behind it', async (t) => {
    if (!needChromium(t)) return;
    const page = await renderPage(pool, `${site.base}/slow-login`, {
      inputParameters: { who: 'alice' },
      commands: [
        { action: 'type', selector: '#who', fromInput: 'who', secret: false },
        { action: 'submit', selector: '#slow' },
      ],
      pagination: { kind: 'infinite-scroll', maxScrolls: 2 },
    });
    assert.equal(page.title, 'Landed');
    assert.equal(page.url, `${site.base}/after-login`);
  });

  test('a page that navigates itself while it is being scrolled is read after it lands, not failed', async (t) => {
    if (!needChromium(t)) return;
    const page = await renderPage(pool, `${site.base}/moving`, { pagination: { kind: 'infinite-scroll', maxScrolls: 6 } });
    assert.equal(page.title, 'Landed');
    assert.ok(records(page.html) >= 10, page.html.slice(0, 300));
  });

  test('a missing input parameter is a clear error', async (t) => {
    if (!needChromium(t)) return;
    await assert.rejects(
      renderPage(pool, `${site.base}/login`, { commands: [{ action: 'type', selector: '#user', fromInput: 'nope', secret: false }] }),
      (e: Error) => e.name === 'NonRetryableError' && /input parameter "nope" is not set/.test(e.message),
    );
  });

  test('optional clicks may be absent; in-frame runs nested commands in the iframe', async (t) => {
    if (!needChromium(t)) return;
    const page = await renderPage(pool, `${site.base}/framed`, {
      commands: [
        { action: 'click', selector: '#cookie-banner-accept', optional: true },
        {
          action: 'in-frame',
          frameSelector: '#f',
          commands: [
            { action: 'type', selector: '#q', value: 'hello frame', secret: false },
            { action: 'click', selector: '#go', optional: false },
          ],
        },
        { action: 'wait-for-selector', selector: '#done', timeoutMs: 5000 },
      ],
      screenshot: true,
    });
    assert.match(page.html, /<p id="done">hello frame<\/p>/);
    assert.ok(page.screenshotPng && page.screenshotPng.subarray(1, 4).toString() === 'PNG');
  });

  test('renderWithContext keeps cookies across pages of one run', async (t) => {
    if (!needChromium(t)) return;
    const titles = await pool.withContext({}, async (ctx) => {
      const login = await renderWithContext(ctx, `${site.base}/login`, {
        inputParameters: { u: 'alice', p: 's3cr3t-pw' },
        commands: [
          { action: 'type', selector: '#user', fromInput: 'u', secret: false },
          { action: 'type', selector: '#pass', fromInput: 'p', secret: true },
          { action: 'submit', selector: 'button' },
        ],
      });
      const members = await renderWithContext(ctx, `${site.base}/members`);
      return [login.title, members.title];
    });
    assert.deepEqual(titles, ['Members', 'Members']);
  });

  test('one tab serves several pages in turn; each render leaves no listener behind; a timed-out tab is closed, not reused', async (t) => {
    if (!needChromium(t)) return;
    await pool.withContext({}, async (ctx) => {
      const released: Array<{ page: Page; reusable: boolean }> = [];
      let opened = 0;
      let idle: Page | null = null;
      const tabs: TabSource = {
        async open() {
          opened++;
          const p = idle ?? (await ctx.newPage());
          idle = null;
          return p;
        },
        async release(page, reusable) {
          released.push({ page, reusable });
          idle = page;
        },
      };
      const baseline = await ctx.newPage();
      const listeners = (p: Page) => ['request', 'requestfinished', 'requestfailed', 'response', 'popup', 'dialog'].map((e) => (p as unknown as { listenerCount(e: string): number }).listenerCount(e));
      const none = listeners(baseline);
      await baseline.close();

      const list = await renderWithContext(ctx, `${site.base}/list`, { commands: [{ action: 'wait-for-selector', selector: '.item', timeoutMs: 5000 }] }, tabs);
      const gone = await renderWithContext(ctx, `${site.base}/gone`, {}, tabs);
      const late = await renderWithContext(ctx, `${site.base}/delayed`, { commands: [{ action: 'wait-for-selector', selector: '.late', timeoutMs: 5000 }] }, tabs);
      assert.equal(count(list.html, 'Widget '), 5);
      assert.deepEqual([list.status, gone.status, late.status], [200, 404, 200], 'each render reports its own document status');
      assert.match(gone.html, /no such page/);
      assert.doesNotMatch(gone.html, /Widget/, 'nothing of the previous page is left');
      assert.match(late.html, /arrived late/);
      assert.equal(new Set(released.map((r) => r.page)).size, 1, 'the same tab every time');
      assert.ok(released.every((r) => r.reusable));
      assert.deepEqual(listeners(released[0]!.page), none, 'no listener of a finished render stays on the tab');

      // A render that runs out of time: its tab is closed, never handed back for the next page.
      const before = released.length;
      await assert.rejects(renderWithContext(ctx, `${site.base}/busy`, { timeoutMs: 1500 }, tabs), /timed out/);
      assert.equal(released.length, before, 'not released');
      assert.equal(opened, 4);
      assert.ok(released[0]!.page.isClosed(), 'the hung tab was closed');
    });
  });
});
