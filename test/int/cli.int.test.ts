/**
 * The `gleaner` command as a user runs it: a subprocess (`node bin/gleaner.js ...`) against a real server
 * started in this process, with the demo store as the target site. Subprocesses are spawned
 * asynchronously: a synchronous spawn would block the event loop the in-process server answers on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dialects, requireDialect } from '../helpers/db.ts';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/test-server.ts';
import { startDemoStore } from '../../src/demo-site/demo-store.ts';
import { allRoutes } from '../../src/api/routes/index.ts';

const BIN = fileURLToPath(new URL('../../bin/gleaner.js', import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const base = { ...process.env };
  for (const k of ['GLEANER_API_KEY', 'SEQUENTUM_API_KEY', 'GLEANER_URL', 'CI', 'DATABASE_URL']) delete base[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...base, ...env } as NodeJS.ProcessEnv, timeout: 300_000, maxBuffer: 10 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const productSpec = (url: string) => ({
  startUrls: [`${url}/products/`],
  list: { kind: 'css', selector: 'article.product-card' },
  fields: [
    { name: 'name', selector: '.product-title' },
    { name: 'price', selector: '.price', type: 'price' },
    { name: 'sku', selector: '.sku', regex: 'SKU:\\s*(\\S+)' },
  ],
  pagination: { kind: 'next-link', selector: 'a.next' },
});

async function createAgent(s: TestServer, name: string, definition: unknown): Promise<number> {
  const res = await s.api('/api/v1/agent', { method: 'POST', json: { name, definition } });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { id: number }).id;
}

const assertOneLine = (r: CliResult) => {
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line, got: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
};

for (const dialect of dialects()) {
  test(`gleaner CLI against a live server (${dialect})`, { timeout: 1_200_000 }, async (t) => {
    if (!(await requireDialect(dialect, t))) return;
    const s = await startTestServer(dialect, `cli-${dialect}`);
    const demo = await startDemoStore({ products: 24 });
    const slow = await startDemoStore({ products: 400, perPage: 4, latencyMs: 1500 });
    const home = mkdtempSync(join(tmpdir(), 'gleaner-cli-'));
    const env = { GLEANER_URL: s.url, GLEANER_API_KEY: TEST_KEY, XDG_CONFIG_HOME: join(home, 'config'), HOME: home };
    t.after(async () => {
      await s.close();
      await demo.close();
      await slow.close();
    });
    const agentId = await createAgent(s, 'Demo products', productSpec(demo.url));

    await t.test('agents: table and --json', async () => {
      const [json, table] = await Promise.all([cli(['agents', '--json'], env), cli(['agents'], env)]);
      assert.equal(json.code, 0, json.stderr);
      const agents = JSON.parse(json.stdout) as { id: number; name: string }[];
      assert.ok(agents.some((a) => a.id === agentId && a.name === 'Demo products'));
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^ID\s+NAME/m);
      assert.match(table.stdout, /Demo products/);
    });

    let runId = 0;
    await t.test('run by name to CSV, then runs/status/files/records --json', async () => {
      const out = join(home, 'products.csv');
      const r = await cli(['run', 'Demo products', '--format', 'csv', '--out', out], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Run \d+: (Completed|Success) · \d+ pages · 24 records · 0 errors/);
      const lines = readFileSync(out, 'utf8').trim().split(/\r?\n/);
      assert.match(lines[0]!, /name.*price.*sku/);
      assert.equal(lines.length, 25, 'header + 24 products over 3 pages');
      runId = Number(/Run (\d+):/.exec(r.stderr)![1]);

      const [runs, status, ndjson] = await Promise.all([
        cli(['runs', String(agentId), '--json'], env),
        cli(['status', 'Demo products', String(runId), '--json'], env),
        cli(['records', String(agentId), String(runId), '--format', 'ndjson'], env),
      ]);
      assert.equal(runs.code, 0, runs.stderr);
      assert.equal((JSON.parse(runs.stdout) as { id: number }[])[0]!.id, runId);
      assert.equal(status.code, 0, status.stderr);
      assert.equal((JSON.parse(status.stdout) as { dataCount: number }).dataCount, 24);
      assert.equal(ndjson.code, 0, ndjson.stderr);
      assert.equal(ndjson.stdout.trim().split('\n').length, 24);
      assert.ok((JSON.parse(ndjson.stdout.split('\n')[0]!) as { name?: string }).name);
    });

    await t.test('run --sync --json', async () => {
      const r = await cli(['run', String(agentId), '--sync', '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      const run = JSON.parse(r.stdout) as { status: number; dataCount: number };
      assert.ok([9, 10].includes(run.status));
      assert.equal(run.dataCount, 24);
    });

    await t.test('stop a running run', async () => {
      const slowId = await createAgent(s, 'Slow products', { ...productSpec(slow.url), pagination: { kind: 'next-link', selector: 'a.next', maxPages: 1000 }, limits: { concurrency: 1 } });
      // Started through the API: the CLI's start-up time on a busy machine must not let the run finish first.
      const started = await s.api(`/api/v1/agent/${slowId}/start`, { method: 'POST', json: {} });
      assert.equal(started.status, 202);
      const id = ((await started.json()) as { id: number }).id;
      const stop = await cli(['stop', String(slowId), String(id)], env);
      assert.equal(stop.code, 0, stop.stderr);
      assert.match(stop.stdout, new RegExp(`Stop sent to run ${id}`));
      const waited = await cli(['status', String(slowId), String(id), '--wait', '--json'], env);
      assert.equal((JSON.parse(waited.stdout) as { status: number }).status, 8, 'Stopped');
      assert.equal(waited.code, 1, 'a stopped run is not a success');
    });

    await t.test('errors: bad key (3), bad flag (2), unknown agent (1), unreachable server (1) — one line each', async () => {
      const badKey = await cli(['agents'], { ...env, GLEANER_API_KEY: 'sk-not-a-real-key-000000' });
      assert.equal(badKey.code, 3);
      assertOneLine(badKey);
      assert.match(badKey.stderr, /^gleaner: authentication failed: Invalid API key/);
      // Independent invocations run side by side: each pays the CLI's start-up time.
      const [noKey, badFlag, badFormat, unknown, down] = await Promise.all([
        cli(['agents'], { ...env, GLEANER_API_KEY: undefined }),
        cli(['agents', '--no-such-flag'], env),
        cli(['run', String(agentId), '--format', 'pdf'], env),
        cli(['run', 'No such agent'], env),
        cli(['agents'], { ...env, GLEANER_URL: 'http://127.0.0.1:9' }),
      ]);
      assert.equal(noKey.code, 3);
      assertOneLine(noKey);
      assert.equal(badFlag.code, 2);
      assert.match(badFlag.stderr, /unknown option/);
      assert.equal(badFormat.code, 2);
      assertOneLine(badFormat);
      assert.equal(unknown.code, 1);
      assertOneLine(unknown);
      assert.equal(down.code, 1);
      assertOneLine(down);
      assert.match(down.stderr, /Cannot reach http:\/\/127\.0\.0\.1:9/);
    });

    await t.test('login stores URL and key (mode 600) and later commands use them', async () => {
      const cfgHome = join(home, 'login-config');
      const login = await cli(['login', '--url', s.url, '--key', TEST_KEY], { XDG_CONFIG_HOME: cfgHome, HOME: home });
      assert.equal(login.code, 0, login.stderr);
      assert.match(login.stdout, /Logged in to .* as /);
      const file = join(cfgHome, 'gleaner', 'config.json');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { url: s.url, apiKey: TEST_KEY });
      const agents = await cli(['agents', '--json'], { XDG_CONFIG_HOME: cfgHome, HOME: home });
      assert.equal(agents.code, 0, agents.stderr);
    });

    await t.test('users and keys as an administrator', async () => {
      const users = await cli(['users', '--json'], env);
      assert.equal(users.code, 0, users.stderr);
      assert.ok((JSON.parse(users.stdout) as unknown[]).length >= 1);
      const created = await cli(['keys', 'create', '--description', 'cli test', '--json'], env);
      assert.equal(created.code, 0, created.stderr);
      const key = JSON.parse(created.stdout) as { id: number; key: string };
      assert.match(key.key, /^sk-/);
      assert.equal((await s.api('/api/v1/me', { key: key.key })).status, 200);
      const revoke = await cli(['keys', 'revoke', String(key.id)], env);
      assert.equal(revoke.code, 0, revoke.stderr);
      const revoked = await cli(['agents'], { ...env, GLEANER_API_KEY: key.key });
      assert.equal(revoked.code, 3);
    });

    await t.test('schedules: create, list, disable, enable', async () => {
      const c = await cli(['schedules', 'create', 'Demo products', '--cron', '0 9 * * 1-5', '--timezone', 'Europe/Berlin', '--json'], env);
      assert.equal(c.code, 0, c.stderr);
      const sched = JSON.parse(c.stdout) as { id: number; isEnabled: boolean };
      assert.equal(sched.isEnabled, true);
      assert.equal((await cli(['schedules', 'disable', String(agentId), String(sched.id)], env)).code, 0);
      const list = await cli(['schedules', 'list', String(agentId), '--json'], env);
      assert.equal(list.code, 0, list.stderr);
      assert.equal((JSON.parse(list.stdout) as { id: number; isEnabled: boolean }[]).find((x) => x.id === sched.id)?.isEnabled, false);
      const [enable, bad] = await Promise.all([cli(['schedules', 'enable', String(agentId), String(sched.id)], env), cli(['schedules', 'create', String(agentId)], env)]);
      assert.equal(enable.code, 0, enable.stderr);
      assert.equal(bad.code, 2, 'no timing given');
    });

    const hasBuilder = allRoutes.some((r) => r.path === '/api/v1/agent-builder/start');
    await t.test('build: live events, sample with fill rates, --name saves the agent', { skip: hasBuilder ? false : 'builder endpoints not registered yet' }, async () => {
      const r = await cli(['build', `product names, prices and SKUs from ${demo.url}/products/`, '--name', 'Built products'], env);
      assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
      assert.ok(r.stderr.trim().split('\n').length >= 2, 'plain event lines on a non-TTY');
      assert.match(r.stdout, /Fill rates: .*\d+%/);
      assert.match(r.stdout, /Saved agent \d+ "Built products"/);
      const agents = (await (await s.api('/api/v1/agent/all')).json()) as { name: string }[];
      assert.ok(agents.some((a) => a.name === 'Built products'));
    });

    await t.test('OpenAPI document and reference page are served and cover the live routes', async () => {
      const res = await fetch(`${s.url}/api/v1/openapi.json`);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
      assert.equal(doc.openapi, '3.1.0');
      for (const r of allRoutes) assert.ok(doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()], `${r.method} ${r.path}`);
      const page = await fetch(`${s.url}/api/docs`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const html = await page.text();
      assert.match(html, /openapi\.json/);
      assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href="https?:/, 'self-contained: no external scripts or styles');
    });
  });
}
