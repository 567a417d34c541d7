/**
 * Offline measurement of the Agent Builder: node --import tsx scripts/eval-builder-offline.ts <dir>
 * For each case folder (case.json, truth.json, page.html or pages/): prompt → parsePrompt → analyzePage →
 * extractRecords (the run engine's own extractor) → compare with truth.json.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentSpec, type FieldType } from '../src/domain/agent-spec.ts';
import { extractRecords, loadPage } from '../src/engine/extract/extract.ts';
import { analyzePage } from '../src/agent-builder/analysis/analyze.ts';
import { macroF1, poolScores, scoreList, scoreSingle, type CompareRule, type FieldScore } from '../src/agent-builder/analysis/evaluate.ts';
import { parsePrompt } from '../src/agent-builder/prompt/parse-prompt.ts';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--')) ?? '/work/shared/fixtures/real';
/** --misses: per detail page, every scored field that is wrong or missing, with truth, output and how it was found. */
const showMisses = args.includes('--misses');
const fmt = (n: number): string => n.toFixed(2);

function run(file: string, prompt: string, html: string): { records: ReturnType<typeof extractRecords>['records']; ms: number; warmMs: number; types: Record<string, FieldType>; how: Record<string, string> } {
  const url = `http://127.0.0.1:1/${file}`;
  const intent = parsePrompt(prompt.replaceAll('{{url}}', url));
  let t = performance.now();
  analyzePage(url, html, intent);
  const ms = performance.now() - t;
  t = performance.now();
  const a = analyzePage(url, html, intent);
  const warmMs = performance.now() - t;
  const spec = AgentSpec.parse(a.spec);
  const types = Object.fromEntries(spec.fields.map((f) => [f.name, f.type]));
  const how = Object.fromEntries(a.fieldReport.map((r) => [r.field, r.found ? r.how : `not found; tried ${r.tried.join('; ')}`]));
  return { records: extractRecords(spec, loadPage(url, html)).records, ms, warmMs, types, how };
}

const summary: Array<[string, number]> = [];
for (const name of readdirSync(dir).sort()) {
  const cdir = join(dir, name);
  if (!existsSync(join(cdir, 'case.json'))) continue;
  const c = JSON.parse(readFileSync(join(cdir, 'case.json'), 'utf8')) as { prompt: string; fields: string[]; compare?: Record<string, CompareRule> };
  const truth = JSON.parse(readFileSync(join(cdir, 'truth.json'), 'utf8'));
  const compare = c.compare ?? {};
  if (existsSync(join(cdir, 'page.html'))) {
    const r = run('page.html', c.prompt, readFileSync(join(cdir, 'page.html'), 'utf8'));
    const scores = scoreList(c.fields, compare, truth, r.records, r.types);
    print(name, scores, `${r.records.length} records, truth ${truth.length}; analysis ${r.ms.toFixed(0)} ms (warm ${r.warmMs.toFixed(0)} ms)`);
    summary.push([name, macroF1(scores)]);
  } else {
    const all: FieldScore[][] = [];
    const pageF1: number[] = [];
    let ms = 0, warm = 0, n = 0;
    for (const id of Object.keys(truth)) {
      const f = join(cdir, 'pages', `${id}.html`);
      if (!existsSync(f)) continue;
      const r = run(`${id}.html`, c.prompt, readFileSync(f, 'utf8'));
      ms += r.ms; warm += r.warmMs; n++;
      const s = scoreSingle(c.fields, compare, truth[id], r.records[0] ?? null);
      all.push(s);
      pageF1.push(macroF1(s));
      if (showMisses) {
        for (const x of s) {
          if (x.actual === 0 && x.predicted === 0 || x.tp === x.actual && x.tp === x.predicted) continue;
          const got = x.mappedTo ? r.records[0]?.[x.mappedTo] : undefined;
          console.log(`  miss ${id.slice(0, 8)} ${x.field.padEnd(12)} truth ${JSON.stringify(truth[id][x.field])} got ${JSON.stringify(got ?? null)} <- ${x.mappedTo ? r.how[x.mappedTo] : 'unmapped'}`);
        }
      }
    }
    const pooled = poolScores(c.fields, all);
    const avg = pageF1.reduce((a, x) => a + x, 0) / (pageF1.length || 1);
    print(name, pooled, `${n} pages; per-page macro F1 averaged ${fmt(avg)}; analysis avg ${(ms / n).toFixed(0)} ms (warm ${(warm / n).toFixed(0)} ms)`);
    summary.push([name, avg]);
  }
}
const lists = summary.filter(([n]) => n !== 'product-pages');
console.log(`\nmacro F1 list cases (${lists.map(([n]) => n).join(', ')}): ${fmt(lists.reduce((a, [, f]) => a + f, 0) / (lists.length || 1))}`);
const pp = summary.find(([n]) => n === 'product-pages');
if (pp) console.log(`macro F1 product-pages (per page averaged): ${fmt(pp[1])}`);

function print(name: string, scores: FieldScore[], extra: string): void {
  console.log(`\n== ${name}: ${extra}`);
  console.log('field'.padEnd(14) + 'mapped'.padEnd(16) + 'P     R     F1    (tp/pred/actual)');
  for (const s of scores) console.log(s.field.padEnd(14) + String(s.mappedTo).padEnd(16) + `${fmt(s.precision)}  ${fmt(s.recall)}  ${fmt(s.f1)}  (${s.tp}/${s.predicted}/${s.actual})`);
  console.log(`macro F1 ${fmt(macroF1(scores))}`);
}
