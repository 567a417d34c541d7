/**
 * Measures the Agent Builder end to end, as a user would meet it:
 *   npm run eval:builder -- <dir>        (a directory of cases in the format of shared/fixtures/real)
 * For each case: serve its page(s) on 127.0.0.1, start a builder session with the case prompt, wait for
 * ready_to_finish, finish, run the agent synchronously, compare the records with truth.json using the
 * case's compare rules. Prints per-field precision/recall/F1 per case, macro averages, and the builder's
 * time from start to ready_to_finish (p50 per page).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { macroF1, poolScores, scoreList, scoreSingle, type CompareRule, type FieldScore } from '../src/agent-builder/analysis/evaluate.ts';
import { loadConfig } from '../src/config/config.ts';
import { serve } from '../src/server.ts';
import type { ScrapedRecord } from '../src/engine/types.ts';
import type { FieldType } from '../src/domain/agent-spec.ts';

const dir = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (!dir || !existsSync(dir)) {
  console.error('usage: npm run eval:builder -- <dir-of-cases>   (e.g. ../shared/fixtures/real)');
  process.exit(2);
}
const verbose = process.argv.includes('--verbose');
const fmt = (n: number) => n.toFixed(2);

interface Case { prompt: string; fields: string[]; compare?: Record<string, CompareRule> }

const key = 'sk-eval-0123456789abcdef0123';
const server = await serve(
  loadConfig({ PORT: '0', GLEANER_API_KEY: key, GLEANER_ALLOW_HOSTS: '127.0.0.1', LOG_LEVEL: 'silent', GLEANER_RATE_LIMIT: '1000000' }, { databaseUrl: ':memory:' }),
  { quiet: true },
);
const api = async (path: string, body?: unknown) => {
  const r = await fetch(`${server.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { Authorization: `ApiKey ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (r.status >= 400) throw new Error(`${path}: HTTP ${r.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
};

/** prompt → session → ready → finish → sync run; returns records and build time. */
async function buildAndRun(prompt: string, name: string): Promise<{ records: ScrapedRecord[]; buildMs: number; types?: Record<string, FieldType>; error?: string }> {
  const t0 = performance.now();
  const s = await api('/api/v1/agent-builder/start', { mode: 'prompt', prompt });
  const id = s.sessionId as string;
  let last = -1;
  for (;;) {
    const ev = await api(`/api/v1/agent-builder/${id}/events?lastEventIndex=${last}`);
    const events = ev.events as Array<Record<string, unknown>>;
    for (const e of events) if (verbose && (e.type === 'thinking' || e.type === 'user_message' || e.type === 'error')) console.log(`   [${e.type}] ${String(e.message)}`);
    const fatal = events.find((e) => e.type === 'error' && e.isRecoverable === false);
    if (fatal) return { records: [], buildMs: performance.now() - t0, error: String(fatal.message) };
    last = ev.lastEventIndex as number;
    if (ev.phase === 'ready_to_finish') break;
    if (ev.status === 'error' || ev.status === 'cancelled') return { records: [], buildMs: performance.now() - t0, error: `session ${String(ev.status)}` };
  }
  const buildMs = performance.now() - t0;
  const fin = await api(`/api/v1/agent-builder/${id}/finish`, { agentName: name });
  const run = await api(`/api/v1/agent/${String(fin.agentId)}/start`, { isRunSynchronously: true, timeout: 300 });
  const def = (await api(`/api/v1/agent/${String(fin.agentId)}`)).definition as { fields: Array<{ name: string; type: FieldType }>; follow?: { fields: Array<{ name: string; type: FieldType }> } };
  // Truth is written as the page shows it; the field's type says how to read it (dates as ISO, prices as amounts).
  const types = Object.fromEntries([...def.fields, ...(def.follow?.fields ?? [])].map((f) => [f.name, f.type]));
  return { records: (run[name] as ScrapedRecord[]) ?? [], buildMs, types };
}

function serveDir(root: string): Promise<{ url: string; close(): Promise<void> }> {
  const srv = createServer((req, res) => {
    const file = join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/\.\./g, ''));
    if (!existsSync(file)) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'text/html' }).end(readFileSync(file));
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => new Promise((r) => srv.close(() => r())) })));
}

const summary: Array<{ name: string; f1: number; times: number[] }> = [];
let n = 0;
for (const name of readdirSync(dir).sort()) {
  const cdir = join(dir, name);
  if (!existsSync(join(cdir, 'case.json'))) continue;
  const c = JSON.parse(readFileSync(join(cdir, 'case.json'), 'utf8')) as Case;
  const truth = JSON.parse(readFileSync(join(cdir, 'truth.json'), 'utf8'));
  const site = await serveDir(cdir);
  try {
    if (existsSync(join(cdir, 'page.html'))) {
      const r = await buildAndRun(c.prompt.replaceAll('{{url}}', `${site.url}/page.html`), `case ${++n}`);
      const scores = scoreList(c.fields, c.compare ?? {}, truth, r.records, r.types);
      print(name, scores, `${r.records.length} records (truth ${truth.length}); builder ${r.buildMs.toFixed(0)} ms${r.error ? `; ERROR ${r.error}` : ''}`);
      summary.push({ name, f1: macroF1(scores), times: [r.buildMs] });
    } else {
      const perPage: number[] = [];
      const times: number[] = [];
      const all: FieldScore[][] = [];
      for (const id of Object.keys(truth)) {
        if (!existsSync(join(cdir, 'pages', `${id}.html`))) continue;
        const r = await buildAndRun(c.prompt.replaceAll('{{url}}', `${site.url}/pages/${id}.html`), `case ${++n}`);
        const s = scoreSingle(c.fields, c.compare ?? {}, truth[id], r.records[0] ?? null);
        all.push(s);
        perPage.push(macroF1(s));
        times.push(r.buildMs);
        if (verbose) console.log(`   ${id.slice(0, 12)} F1 ${fmt(macroF1(s))} ${r.buildMs.toFixed(0)} ms ${JSON.stringify(r.records[0] ?? null).slice(0, 200)}`);
      }
      const pooled = poolScores(c.fields, all);
      const avg = perPage.reduce((a, x) => a + x, 0) / (perPage.length || 1);
      print(name, pooled, `${perPage.length} pages; per-page macro F1 averaged ${fmt(avg)}; builder p50 ${fmt(p50(times) / 1000)} s`);
      summary.push({ name, f1: avg, times });
    }
  } finally {
    await site.close();
  }
}

console.log('\n== summary');
console.log('case'.padEnd(18) + 'macro F1  builder p50');
for (const s of summary) console.log(s.name.padEnd(18) + `${fmt(s.f1)}      ${fmt(p50(s.times) / 1000)} s`);
const lists = summary.filter((s) => s.name !== 'product-pages');
if (lists.length) console.log(`macro F1, list cases: ${fmt(lists.reduce((a, s) => a + s.f1, 0) / lists.length)}`);
const pp = summary.find((s) => s.name === 'product-pages');
if (pp) console.log(`macro F1, product pages: ${fmt(pp.f1)}`);
console.log(`builder time p50 over all pages: ${fmt(p50(summary.flatMap((s) => s.times)) / 1000)} s`);
await server.close();

function p50(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
}

function print(name: string, scores: FieldScore[], extra: string): void {
  console.log(`\n== ${name}: ${extra}`);
  console.log('field'.padEnd(14) + 'mapped to'.padEnd(16) + 'P     R     F1    (tp/predicted/actual)');
  for (const s of scores) console.log(s.field.padEnd(14) + String(s.mappedTo).padEnd(16) + `${fmt(s.precision)}  ${fmt(s.recall)}  ${fmt(s.f1)}  (${s.tp}/${s.predicted}/${s.actual})`);
  console.log(`macro F1 ${fmt(macroF1(scores))}`);
}
