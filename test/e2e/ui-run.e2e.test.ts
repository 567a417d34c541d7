/** Agents in the browser: readable definition, JSON editor errors at their line, run, records, CSV download. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createAgent, demoDefinition, newPage, shot, signIn, startUiEnv, withShot } from './ui-harness.ts';

test('agent page: definition, editor validation at the right line, run with live status, records, CSV download', async () => {
  const env = await startUiEnv('ui-run');
  try {
    const id = await createAgent(env, 'Demo products', demoDefinition(env.demo.url));
    const { page, errors, dialogs } = await newPage(env);
    await signIn(env, page);

    await withShot(page, 'ui-agent-definition', async () => {
      await page.goto(`${env.server.url}/#/agents/${id}`);
      await page.waitForSelector('#agent-name');
      const body = (await page.textContent('main')) ?? '';
      assert.match(body, /\.product-card/);
      assert.match(body, /Follow next link a\.next/);
      assert.match(body, new RegExp(`${env.demo.url}/products/`));
    });

    await withShot(page, 'ui-agent-editor-error', async () => {
      await page.click('.tabs a[href$="/edit"]');
      await page.waitForSelector('#definition-editor');
      const def = demoDefinition(env.demo.url) as Record<string, unknown> & { fields: Array<Record<string, unknown>> };
      def.fields[1] = { name: 'price', selector: '.price', source: 'attr' }; // attr without attribute
      const text = JSON.stringify(def, null, 2);
      await page.fill('#definition-editor', text);
      await page.click('#save-definition');
      await page.waitForSelector('.editor-errors li');
      const err = (await page.textContent('.editor-errors')) ?? '';
      assert.match(err, /fields\[1\]\.attribute/);
      // The error points at the line of fields[1] (the object lacking the attribute).
      const expected = text.split('\n').findIndex((l, i, all) => l.includes('"name": "price"') && i > 0 && all[i - 1]!.trim() === '{') ; // 0-based "name" line
      const line = Number((await page.textContent('.err-jump'))!.replace(/\D/g, ''));
      assert.equal(line, expected, `error line ${line} should be the line opening fields[1] (${expected})`);
      assert.equal(await page.locator(`.gutter [data-line="${line}"].err-line`).count(), 1);
      await page.click('.err-jump');
      const sel = await page.evaluate(() => {
        const a = document.getElementById('definition-editor') as HTMLTextAreaElement;
        return a.value.slice(a.selectionStart, a.selectionEnd);
      });
      assert.match(sel, /\{/);
    });

    await withShot(page, 'ui-run-records', async () => {
      await page.click('.tabs a[href$="/overview"]');
      await page.click('#run-agent');
      await page.waitForSelector('#run-status');
      await page.waitForSelector('#run-status .badge-ok', { timeout: 30_000 });
      await page.waitForFunction(() => document.getElementById('records-total')?.textContent === '24 records');
      const first = await page.textContent('.records-table tbody tr:first-child');
      assert.match(first ?? '', /Classic Kettle 100/);
      // Column sorting: price descending puts the dearest first.
      await page.click('.records-table th:nth-child(2) .sort-button');
      await page.click('.records-table th:nth-child(2) .sort-button');
      assert.equal(await page.getAttribute('.records-table th:nth-child(2)', 'aria-sort'), 'descending');
      const prices = await page.$$eval('.records-table tbody td:nth-child(2)', (tds) => tds.map((t) => Number(t.textContent)));
      assert.deepEqual(prices, [...prices].sort((a, b) => b - a));
      await page.waitForSelector('.file-link');
    });

    const csvLink = page.locator('.file-link', { hasText: /\.csv$/ });
    const [download] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    assert.equal(lines.length, 25, 'header + 24 records');
    assert.match(lines[0]!, /name.*price.*sku/);
    assert.ok(lines.some((l) => l.includes('Classic Kettle 100') && l.includes('GL-010000')), csv.slice(0, 300));

    await withShot(page, 'ui-agent-runs', async () => {
      await page.goto(`${env.server.url}/#/agents/${id}/runs`);
      await page.waitForSelector('.runs-table tbody a');
    });
    await withShot(page, 'ui-agent-versions', async () => {
      await page.goto(`${env.server.url}/#/agents/${id}/versions`);
      await page.waitForSelector('main table');
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(dialogs, []);
    await shot(page, 'ui-run-done');
  } finally {
    await env.close();
  }
});
