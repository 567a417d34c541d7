/**
 * `npm run bench`: Gleaner against a plain undici + cheerio loop on the same local site, same concurrency,
 * same machine, same run. Each side runs in its own child process and the site in a third, so no side
 * shares an event loop or heap with another. Reports ratios (Gleaner / baseline) because the absolute
 * figures move with the machine's load; writes the summary to .tmp/bench-latest.json.
 *
 * Each side first crawls `--warmup` times untimed (JIT and caches warm, as in a server that has been up a while;
 * the sync measurement has its own warm-up), then `--runs` timed crawls.
 *
 *   npm run bench -- [--db sqlite|postgres] [--products 2000] [--per-page 20] [--concurrency 8] [--warmup 1] [--runs 3] [--iterations 50] [--latency 0]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './spec.ts';

const here = dirname(fileURLToPath(import.meta.url));
const { values: a } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    products: { type: 'string', default: '2000' },
    'per-page': { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    iterations: { type: 'string', default: '50' },
    latency: { type: 'string', default: '0' },
  },
});
if (a.db !== 'sqlite' && a.db !== 'postgres') throw new Error('--db must be sqlite or postgres');

interface Crawl {
  pages: number;
  records: number;
  ms: number;
  peakRssMb: number;
  endRssMb: number;
  cpuMs: number;
  heapMb: number;
}
interface SideResult {
  crawls: Crawl[];
  sync: { p50: number; p95: number; records: number };
}

/** Forks a bench script and resolves with the first IPC message it sends. */
function child<T>(script: string, args: string[]): { proc: ChildProcess; result: Promise<T> } {
  // --expose-gc: each side collects fully after a crawl, so its live heap shows a leak apart from lazy GC.
  const proc = fork(join(here, script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, '--expose-gc'] });
  const result = new Promise<T>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as T));
    proc.once('exit', (code) => reject(new Error(`${script} exited (${code}) without a result`)));
  });
  return { proc, result };
}

const site = child<{ url: string }>('site-process.ts', [a.products!, a['per-page']!, a.latency!]);
const { url } = await site.result;
const expectedPages = Math.ceil(Number(a.products) / Number(a['per-page'])) + Number(a.products);
console.log(`site ${url}: ${expectedPages} pages per crawl (${a.products} products, ${a['per-page']} per page), concurrency ${a.concurrency}, ${a.warmup} warm-up + ${a.runs} timed crawls per side, db ${a.db}`);

try {
  const warmup = Number(a.warmup);
  const common = [a.concurrency!, String(warmup + Number(a.runs)), a.iterations!];
  // The warm-up crawls are dropped here, so both sides are measured the same way.
  const timed = (r: SideResult): SideResult => ({ ...r, crawls: r.crawls.slice(warmup) });
  const base = timed(await child<SideResult>('baseline.ts', [url, ...common]).result);
  const glean = timed(await child<SideResult>('gleaner-process.ts', [a.db, url, ...common]).result);

  for (const [name, r] of [['baseline', base], ['gleaner', glean]] as const) {
    for (const c of r.crawls) if (c.pages !== expectedPages) console.warn(`warning: ${name} crawled ${c.pages} pages, expected ${expectedPages}`);
  }
  const rate = (r: SideResult, k: 'pages' | 'records') => median(r.crawls.map((c) => (c[k] / c.ms) * 1000));
  const cpuPerPage = (r: SideResult) => median(r.crawls.map((c) => c.cpuMs / c.pages));
  const peak = (r: SideResult) => Math.max(...r.crawls.map((c) => c.peakRssMb));
  const g = { pagesPerSec: rate(glean, 'pages'), recordsPerSec: rate(glean, 'records'), peakRssMb: peak(glean), cpuMsPerPage: cpuPerPage(glean), syncP50: glean.sync.p50, syncP95: glean.sync.p95 };
  const b = { pagesPerSec: rate(base, 'pages'), recordsPerSec: rate(base, 'records'), peakRssMb: peak(base), cpuMsPerPage: cpuPerPage(base), syncP50: base.sync.p50, syncP95: base.sync.p95 };
  const growth = (k: 'endRssMb' | 'heapMb') => Math.round((glean.crawls[glean.crawls.length - 1]![k] - glean.crawls[0]![k]) * 10) / 10;
  const rssGrowthMb = growth('endRssMb');
  const heapGrowthMb = growth('heapMb');
  // Flat: after the first crawl, further crawls add no more than 10% (or 20 MB) to RSS, and live heap after GC stays put.
  const rssFlat = rssGrowthMb <= Math.max(20, glean.crawls[0]!.endRssMb * 0.1) && heapGrowthMb <= Math.max(10, glean.crawls[0]!.heapMb * 0.1);

  const rows: Array<[string, number, number, string, string]> = [
    ['pages/s (median)', g.pagesPerSec, b.pagesPerSec, '>= 0.80', g.pagesPerSec / b.pagesPerSec >= 0.8 ? 'ok' : 'MISS'],
    ['records/s (median)', g.recordsPerSec, b.recordsPerSec, '>= 0.80', g.recordsPerSec / b.recordsPerSec >= 0.8 ? 'ok' : 'MISS'],
    // Informational: CPU per page is the noise-resistant view of the same comparison (lower is better).
    ['CPU ms/page (median)', g.cpuMsPerPage, b.cpuMsPerPage, '', ''],
    ['peak RSS MB', g.peakRssMb, b.peakRssMb, 'flat', rssFlat ? 'ok' : 'MISS'],
    ['sync 1-page p50 ms', g.syncP50, b.syncP50, '< 50 ms', g.syncP50 < 50 ? 'ok' : 'MISS'],
    ['sync 1-page p95 ms', g.syncP95, b.syncP95, '', ''],
  ];
  const f = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  console.log(`\n${'metric'.padEnd(22)}${'gleaner'.padStart(10)}${'baseline'.padStart(10)}${'ratio'.padStart(8)}  target   result`);
  for (const [m, gv, bv, target, ok] of rows) console.log(`${m.padEnd(22)}${f(gv).padStart(10)}${f(bv).padStart(10)}${(gv / bv).toFixed(2).padStart(8)}  ${target.padEnd(8)} ${ok}`);
  console.log('\nper crawl (pages, seconds, pages/s, CPU ms/page, peak RSS MB, RSS MB at end, live heap MB after GC):');
  for (const [name, r] of [['gleaner', glean], ['baseline', base]] as const) {
    r.crawls.forEach((c, i) => console.log(`  ${name.padEnd(8)} #${i + 1}  ${String(c.pages).padStart(5)}  ${(c.ms / 1000).toFixed(2).padStart(6)} s  ${f((c.pages / c.ms) * 1000).padStart(6)}  ${(c.cpuMs / c.pages).toFixed(2).padStart(5)}  ${f(c.peakRssMb).padStart(6)}  ${f(c.endRssMb).padStart(6)}  ${f(c.heapMb).padStart(6)}`));
  }
  console.log(`  gleaner growth first → last crawl: RSS ${rssGrowthMb} MB, live heap ${heapGrowthMb} MB (${rssFlat ? 'flat' : 'GROWING'}); sync runs returned ${glean.sync.records} records`);

  const out = { at: new Date().toISOString(), options: a, expectedPages, gleaner: { ...g, crawls: glean.crawls, syncRecords: glean.sync.records }, baseline: { ...b, crawls: base.crawls }, ratios: { pagesPerSec: g.pagesPerSec / b.pagesPerSec, cpuMsPerPage: g.cpuMsPerPage / b.cpuMsPerPage, recordsPerSec: g.recordsPerSec / b.recordsPerSec, peakRss: g.peakRssMb / b.peakRssMb, syncP50: g.syncP50 / b.syncP50 }, rssGrowthMb, heapGrowthMb, targets: Object.fromEntries(rows.filter((r) => r[3]).map((r) => [r[0], r[4] === 'ok'])) };
  const file = join(here, '..', '.tmp', 'bench-latest.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2));
  console.log(`\nwritten to ${file}`);
} finally {
  site.proc.disconnect();
}
