/** Scraped data is text: a record holding <script> and an onerror attribute shows as characters and runs nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAgent, newPage, signIn, startUiEnv, withShot } from './ui-harness.ts';

const SCRIPT = '<script>window.__xss=1</script>';
const IMG = '"><img src=x onerror=window.__xss=1>';

test('an XSS record renders as text in the preview, the run records and the dashboard; nothing executes', async () => {
  // The evil values are HTML-escaped in the page, so the scraper's text is the literal markup.
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const site = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><body><div class="item"><h2 class="t">${esc(SCRIPT)}</h2><p class="d">${esc(IMG)}</p><a class="l" href="javascript:window.__xss=1">x</a></div><div class="item"><h2 class="t">plain</h2><p class="d">ok</p><a class="l" href="/x">x</a></div></body></html>`);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const env = await startUiEnv('ui-xss');
  try {
    const id = await createAgent(env, `Evil ${SCRIPT}`, {
      startUrls: [`${siteUrl}/`],
      list: { kind: 'css', selector: '.item' },
      fields: [
        { name: 'title', selector: '.t' },
        { name: 'desc', selector: '.d' },
        { name: 'link', selector: '.l', source: 'attr', attribute: 'href' },
      ],
      respectRobotsTxt: false,
    });
    const { page, errors, dialogs } = await newPage(env);
    await signIn(env, page);
    await withShot(page, 'ui-xss-preview', async () => {
      await page.goto(`${env.server.url}/#/agents/${id}`);
      await page.waitForSelector('#agent-name');
      assert.equal(await page.textContent('#agent-name'), `Evil ${SCRIPT}`);
      await page.click('#preview-agent');
      await page.waitForSelector('#preview-out .records-table tbody tr');
      const cells = await page.$$eval('#preview-out .records-table tbody td', (tds) => tds.map((t) => t.textContent));
      assert.ok(cells.includes(SCRIPT), `script shown as text: ${JSON.stringify(cells)}`);
      assert.ok(cells.includes(IMG), 'img markup shown as text');
      assert.equal(await page.locator('#preview-out img').count(), 0, 'no element was created from data');
    });
    await withShot(page, 'ui-xss-run', async () => {
      await page.goto(`${env.server.url}/#/agents/${id}/runs`);
      await page.click('.runs-table tbody a');
      await page.waitForSelector('.records-table tbody td');
      const text = (await page.textContent('.records-table')) ?? '';
      assert.ok(text.includes(SCRIPT) && text.includes(IMG));
      await page.goto(`${env.server.url}/#/agents`);
      await page.waitForSelector('.agents-table tbody a');
      assert.equal(await page.textContent('.agents-table tbody a'), `Evil ${SCRIPT}`);
      await page.goto(`${env.server.url}/#/dashboard`);
      await page.waitForSelector('svg.chart');
    });
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'window.__xss was never set');
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);
  } finally {
    await env.close();
    await new Promise((r) => site.close(r));
  }
});
