/**
 * playwright-core is about a third of the server's start-up time and most processes never launch a browser,
 * so loading the server (or the CLI) must not load it; the browser pool imports it when it first launches.
 * Checked in a child process, since this one may already have loaded it for other tests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

// Reports every resolution into playwright-core, with the module that asked for it.
const hooks = `export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes('/playwright-core/')) process.stderr.write('PLAYWRIGHT from ' + c.parentURL + '\\n'); return r; }`;
const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
const dataUrl = (js: string) => `data:text/javascript,${encodeURIComponent(js)}`;

function importAndReport(script: string): string {
  const r = spawnSync(process.execPath, ['--import', dataUrl(register), '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr;
}

test('importing the server and the CLI does not load playwright-core', () => {
  for (const mod of ['./src/server.ts', './src/cli/index.ts']) {
    assert.doesNotMatch(importAndReport(`await import(${JSON.stringify(mod)});`), /PLAYWRIGHT/, mod);
  }
});

test('the probe does see playwright-core when it is loaded', () => {
  assert.match(importAndReport(`await import('playwright-core');`), /PLAYWRIGHT/);
});
