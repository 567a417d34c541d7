/** /api/docs renders the live OpenAPI document in a real browser, offline (no CDN), one entry per route. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { launchChromium, SHOTS } from './ui-harness.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { allRoutes } from '../../src/api/routes/index.ts';

test('API reference page lists every operation with parameters and responses', { timeout: 180_000 }, async () => {
  const server = await startTestServer('sqlite', 'api-docs-e2e');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url)) external.push(r.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/api/docs`);
    await page.waitForSelector('details.op');
    assert.equal(await page.locator('details.op').count(), allRoutes.length);
    const start = page.locator('details.op', { hasText: '/api/v1/agent/{agentId}/start' }).first();
    await start.locator('summary').click();
    const text = await start.innerText();
    assert.match(text, /agentId/);
    assert.match(text, /inputParameters/);
    assert.match(text, /401/);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}/api-docs.png`, fullPage: false });
    assert.deepEqual(external, [], 'self-contained: no request leaves the server');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
