/**
 * The whole spine as a user runs it: `node bin/gleaner.js serve --demo` as a subprocess (temp DATA_DIR,
 * GLEANER_API_KEY), an agent for the demo store (list + pagination + detail pages) created over HTTP, run
 * sync and async, every record and the CSV checked, then SIGTERM → exit 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sleepUntil } from '../helpers/sleep-until.ts';
import { demoProduct } from '../../src/demo-site/demo-store.ts';

const KEY = 'sk-e2e-spine-key-0123456789abcdef';
const ROOT = resolve(import.meta.dirname, '../..');

test('serve --demo: create an agent, run it sync and async, download the CSV, SIGTERM exits 0', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gleaner-e2e-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, GLEANER_API_KEY: KEY, LOG_LEVEL: 'warn', GLEANER_WORKERS: '2' };
  delete env.DATABASE_URL;
  delete env.GLEANER_ALLOW_HOSTS;
  const child = spawn(process.execPath, ['bin/gleaner.js', 'serve', '--demo'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const base = await sleepUntil(() => /Gleaner is running at (http:\/\/\S+)/.exec(out)?.[1], 60_000, `server URL in stdout (stdout: ${out}, stderr: ${err})`);
    const demo = await sleepUntil(() => /Demo store: (http:\/\/\S+?)\/products\//.exec(out)?.[1], 5_000, 'demo URL in stdout');
    const api = (path: string, init: RequestInit & { json?: unknown } = {}) =>
      fetch(`${base}${path}`, { ...init, headers: { Authorization: `ApiKey ${KEY}`, ...(init.json !== undefined ? { 'Content-Type': 'application/json' } : {}) }, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
    assert.equal((await api('/api/v1/agent/all', { headers: {} as never }).then((r) => r.status)), 200);

    const definition = {
      startUrls: [`${demo}/products/`],
      list: { kind: 'css', selector: 'article.product-card' },
      fields: [
        { name: 'name', selector: '.product-title' },
        { name: 'price', selector: '.price', type: 'price' },
      ],
      follow: { linkSelector: 'a.product-link', fields: [{ name: 'sku', selector: 'td.sku' }, { name: 'description', selector: 'p.description' }] },
      pagination: { kind: 'next-link', selector: 'a.next' },
      successCriteria: { minRecords: 24, requiredFields: ['name', 'price', 'sku', 'description'] },
    };
    const created = await api('/api/v1/agent', { method: 'POST', json: { Name: 'Demo Products', Definition: definition } });
    assert.equal(created.status, 201, await created.clone().text());
    const agent = await created.json();

    const expected = Array.from({ length: 24 }, (_, i) => demoProduct(i)).map((p) => ({ name: p.name, price: p.price, sku: p.sku, description: p.description }));
    const sort = (rs: any[]) => [...rs].sort((a, b) => a.sku.localeCompare(b.sku));

    // sync
    const sync = await api(`/api/v1/agent/${agent.id}/start`, { method: 'POST', json: { isRunSynchronously: true, timeout: 60 } });
    assert.equal(sync.status, 200);
    const body = await sync.json();
    assert.deepEqual(Object.keys(body), ['Demo Products']);
    assert.deepEqual(sort(body['Demo Products']), sort(expected));
    assert.equal(sync.headers.get('x-run-status'), '10');

    // async
    const started = await api(`/api/v1/agent/${agent.id}/start`, { method: 'POST', json: {} });
    assert.equal(started.status, 202);
    const run = await started.json();
    assert.equal(run.status, 4);
    const final = await sleepUntil(async () => {
      const st = await (await api(`/api/v1/agent/${agent.id}/run/${run.id}/status`)).json();
      return [6, 8, 9, 10].includes(st.status) ? st : null;
    }, 60_000, 'async run terminal', 100);
    assert.equal(final.status, 10, final.message);
    assert.equal(final.dataCount, 24);
    assert.equal(final.pageCount, 3 + 24);
    assert.equal(final.errorCount, 0);

    const files = await (await api(`/api/v1/agent/${agent.id}/run/${run.id}/files`)).json();
    const csvFile = files.find((f: any) => f.fileType === 'CSV');
    assert.ok(csvFile, JSON.stringify(files));
    const csv = (await (await api(`/api/v1/agent/${agent.id}/run/${run.id}/file/${csvFile.id}/download`)).text()).replace(/^\uFEFF/, '');
    const lines = csv.trim().split(/\r?\n/);
    assert.equal(lines[0], 'name,price,sku,description');
    assert.equal(lines.length, 25);
    for (const p of expected) assert.ok(lines.some((l) => l.includes(p.sku) && l.includes(p.name) && l.includes(p.price)), `CSV has ${p.sku}`);
  } finally {
    child.kill('SIGTERM');
    const code = await exited;
    rmSync(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, `exit code after SIGTERM (stderr: ${err.slice(-2000)})`);
  }
});
