/** Schedules (create, next fire times, disable) and administration (users, API keys shown once, revoke). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgent, demoDefinition, endpointExists, newPage, signIn, startUiEnv, withShot } from './ui-harness.ts';

test('create a CRON schedule with a time-zone preview of its next fire times, then disable it', async (t) => {
  const env = await startUiEnv('ui-schedules');
  try {
    const id = await createAgent(env, 'Scheduled products', demoDefinition(env.demo.url));
    if (!(await endpointExists(env, 'GET', `/api/v1/agent/${id}/schedules`))) return t.skip('GET /api/v1/agent/:id/schedules is not on this server yet (404)');
    const { page, errors } = await newPage(env);
    await signIn(env, page);
    await withShot(page, 'ui-schedule-preview', async () => {
      await page.goto(`${env.server.url}/#/agents/${id}/schedules`);
      await page.click('#new-schedule');
      await page.fill('#sched-name', 'Weekday mornings');
      await page.fill('#sched-cron', '30 9 * * 1-5');
      await page.fill('#sched-tz', 'America/New_York');
      await page.waitForFunction(() => document.querySelectorAll('#sched-preview .next-times li').length === 5 && /America\/New_York/.test(document.getElementById('sched-preview')!.textContent ?? ''));
      const times = await page.$$eval('#sched-preview .next-times li', (lis) => lis.map((l) => l.textContent ?? ''));
      for (const x of times) assert.match(x, /^\d{4}-\d\d-\d\d 09:30/, `local 09:30 in New York: ${x}`);
      // A bad expression is reported before saving.
      await page.fill('#sched-cron', '61 * * * *');
      await page.waitForSelector('#sched-preview .editor-errors li');
      await page.fill('#sched-cron', '30 9 * * 1-5');
      await page.waitForSelector('#sched-preview .next-times li');
    });
    await withShot(page, 'ui-schedule-saved', async () => {
      await page.click('#sched-save');
      await page.waitForSelector('.schedules-table tbody .next-run');
      const row = (await page.textContent('.schedules-table tbody tr')) ?? '';
      assert.match(row, /Weekday mornings/);
      assert.match(row, /America\/New_York/);
      assert.doesNotMatch(await page.textContent('.schedules-table .next-run') ?? '', /—|Disabled/);
      await page.click('.sched-toggle');
      await page.waitForFunction(() => document.querySelector('.schedules-table .next-run')?.textContent === 'Disabled');
    });
    const list = (await (await env.server.api(`/api/v1/agent/${id}/schedules`)).json()) as Array<{ isEnabled: boolean; cronExpression: string; timezone: string }>;
    assert.equal(list.length, 1);
    assert.equal(list[0]!.isEnabled, false);
    assert.equal(list[0]!.timezone, 'America/New_York');
    assert.deepEqual(errors, []);
  } finally {
    await env.close();
  }
});

test('admin: create a user, create an API key shown once with Copy, use it, revoke it', async (t) => {
  const env = await startUiEnv('ui-admin');
  try {
    if (!(await endpointExists(env, 'GET', '/api/v1/api-keys'))) return t.skip('GET /api/v1/api-keys is not on this server yet (404)');
    const { page, errors } = await newPage(env);
    await signIn(env, page);
    let key = '';
    await withShot(page, 'ui-admin-key-created', async () => {
      await page.click('#nav a[href="#/admin"]');
      await page.waitForSelector('#new-user-form');
      await page.fill('#new-user-email', 'analyst@example.com');
      await page.fill('#new-user-name', 'Ana Lyst');
      await page.click('#new-user-form button[type=submit]');
      await page.waitForFunction(() => /analyst@example\.com/.test(document.querySelector('#users-h')?.parentElement?.textContent ?? ''));
      await page.waitForFunction(() => [...document.querySelectorAll('#key-user option')].some((o) => o.textContent === 'analyst@example.com'));
      await page.selectOption('#key-user', { label: 'analyst@example.com' });
      await page.fill('#key-description', 'CI export job');
      await page.click('#new-key-form button[type=submit]');
      await page.waitForSelector('#new-key-value');
      key = await page.inputValue('#new-key-value');
      assert.match(key, /^sk-/);
      await page.click('#copy-key');
      assert.equal(await page.locator('.keys-table', { hasText: 'CI export job' }).count(), 1);
      assert.doesNotMatch((await page.textContent('.keys-table')) ?? '', new RegExp(key.slice(12)), 'the list shows only the prefix');
    });
    assert.equal((await env.server.api('/api/v1/me', { key })).status, 200, 'the new key works');
    await withShot(page, 'ui-admin-key-revoked', async () => {
      await page.click(`.revoke-key[data-prefix="${key.slice(0, 10)}"]`); // confirm() is accepted by the harness
      await page.waitForFunction((p) => [...document.querySelectorAll('.keys-table tbody tr')].some((tr) => tr.textContent!.includes(p) && tr.textContent!.includes('Revoked')), key.slice(0, 10));
    });
    assert.equal((await env.server.api('/api/v1/me', { key })).status, 401, 'revoked at once');
    assert.deepEqual(errors, []);
  } finally {
    await env.close();
  }
});
