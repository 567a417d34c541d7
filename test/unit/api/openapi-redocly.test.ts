/**
 * The OpenAPI document, as served, passes `@redocly/cli lint` (its recommended rules): no errors. Warnings
 * are printed so they stay visible; the four left are the HTML pages and /health, which have no 4xx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { allRoutes } from '../../../src/api/routes/index.ts';
import { buildOpenApi } from '../../../src/api/openapi.ts';

const REDOCLY = resolve(import.meta.dirname, '../../../node_modules/@redocly/cli/bin/cli.js');

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
}

async function lint(doc: unknown): Promise<LintReport> {
  const dir = mkdtempSync(join(tmpdir(), 'gleaner-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 1));
    // Exit code 1 means "errors found": the report on stdout says which, so read it either way.
    const out = await promisify(execFile)(process.execPath, [REDOCLY, 'lint', file, '--format=json'], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      maxBuffer: 32 * 1024 * 1024,
    }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
    return JSON.parse(out.stdout) as LintReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const describeProblems = (r: LintReport, severity: string) =>
  r.problems.filter((p) => p.severity === severity).map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);

test('@redocly/cli lint: the served OpenAPI document has no errors', async (t) => {
  const report = await lint(buildOpenApi(allRoutes));
  for (const w of describeProblems(report, 'warn')) t.diagnostic(`redocly warning: ${w}`);
  assert.deepEqual(describeProblems(report, 'error'), []);
  assert.equal(report.totals.errors, 0);
});

test('@redocly/cli lint: a broken document is reported (the check can fail)', async () => {
  const doc = buildOpenApi(allRoutes) as unknown as { paths: Record<string, Record<string, { responses: unknown }>> };
  const first = Object.values(doc.paths)[0]!;
  Object.values(first)[0]!.responses = { '200': { $ref: '#/components/responses/DoesNotExist' } };
  const report = await lint(doc);
  assert.ok(report.totals.errors > 0, 'an unresolved $ref is an error');
});
