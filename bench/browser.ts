/**
 * `npm run bench:browser`: the browser engine's cost. The same static list site (the demo store in its own
 * process), the same agent and concurrency, once with engine "http" and once with engine "browser":
 * pages/s of each and their ratio. Then memory: resident set size of this process plus every Chromium
 * process it started, sampled through a long browser run and reported at each 100 pages, to show it stays
 * flat (one context per run, one tab per page, closed after each page).
 *
 *   npm run bench:browser -- [--pages 500] [--concurrency 4] [--http-pages 500]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.ts';
import { serve } from '../src/server.ts';

const here = dirname(fileURLToPath(import.meta.url));
const { values: a } = parseArgs({ options: { pages: { type: 'string', default: '500' }, concurrency: { type: 'string', default: '4' }, 'http-pages': { type: 'string', default: '500' } } });
const PAGES = Number(a.pages);
const HTTP_PAGES = Number(a['http-pages']);
const CONCURRENCY = Number(a.concurrency);
const PER_PAGE = 10;
const KEY = 'sk-bench-browser-0123456789abcdef';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';

/** RSS in MB of this process and all its descendants (Chromium's browser, renderer, GPU and utility processes). */
function treeRssMb(): number {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) if (!mine.has(pid) && mine.has(ppid)) (mine.add(pid), (grew = true));
  }
  let kb = 0;
  for (const pid of mine) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* exited meanwhile */
    }
  }
  return Math.round(kb / 1024);
}

async function main(): Promise<void> {
  const products = Math.max(PAGES, HTTP_PAGES) * PER_PAGE;
  const site = fork(join(here, 'site-process.ts'), [String(products), String(PER_PAGE), '0'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const siteUrl = await new Promise<string>((r) => site.once('message', (m: { url: string }) => r(m.url)));
  const db = join(mkdtempSync(join(tmpdir(), 'gleaner-bench-browser-')), 'bench.db');
  const config = loadConfig(
    { PORT: '0', HOST: '127.0.0.1', DATA_DIR: '/tmp/gleaner-unused', GLEANER_API_KEY: KEY, GLEANER_ALLOW_HOSTS: '127.0.0.1', LOG_LEVEL: 'silent', GLEANER_RATE_LIMIT: '1000000' },
    { databaseUrl: db, chromiumPath: CHROMIUM },
  );
  const server = await serve(config, { quiet: true });
  const api = async (path: string, init: { method?: string; json?: unknown } = {}) => {
    const r = await fetch(`${server.url}${path}`, { method: init.method ?? 'GET', headers: { Authorization: `ApiKey ${KEY}`, 'Content-Type': 'application/json' }, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
    return r.json() as Promise<any>;
  };
  const agentFor = async (engine: 'http' | 'browser', pages: number) => {
    // Every page is a start URL, so both engines crawl with full concurrency (no next-link chain).
    const startUrls = Array.from({ length: pages }, (_, i) => `${siteUrl}/products/${i ? `?page=${i + 1}` : ''}`);
    const definition = { startUrls, engine, list: { kind: 'css', selector: 'article.product-card' }, fields: [{ name: 'name', selector: '.product-title' }, { name: 'price', selector: '.price', type: 'price' }], limits: { maxPages: pages, concurrency: CONCURRENCY }, respectRobotsTxt: false };
    return (await api('/api/v1/agent', { method: 'POST', json: { name: `bench ${engine}`, definition } })).id as number;
  };
  /** Runs the agent to the end; calls onPages(pagesDone) about every 100 ms. */
  const run = async (agentId: number, onPages: (n: number) => void) => {
    const started = performance.now();
    const r = await api(`/api/v1/agent/${agentId}/start`, { method: 'POST', json: {} });
    for (;;) {
      const st = await api(`/api/v1/agent/${agentId}/run/${r.id}/status`);
      onPages(st.pageCount ?? 0);
      if ([6, 7, 8, 9, 10, 11].includes(st.status)) return { ms: performance.now() - started, pages: st.pageCount as number, records: st.dataCount as number, status: st.status as number, message: st.message as string };
      await new Promise((res) => setTimeout(res, 100));
    }
  };

  try {
    const httpRun = await run(await agentFor('http', HTTP_PAGES), () => {});
    const httpRate = httpRun.pages / (httpRun.ms / 1000);
    console.log(`http:    ${httpRun.pages} pages, ${httpRun.records} records in ${(httpRun.ms / 1000).toFixed(1)} s → ${httpRate.toFixed(1)} pages/s`);

    const rssAt: Array<{ pages: number; rssMb: number }> = [];
    let peak = 0;
    let next = 100;
    const rssBefore = treeRssMb();
    const browserRun = await run(await agentFor('browser', PAGES), (n) => {
      const rss = treeRssMb();
      peak = Math.max(peak, rss);
      while (n >= next) (rssAt.push({ pages: next, rssMb: rss }), (next += 100));
    });
    const browserRate = browserRun.pages / (browserRun.ms / 1000);
    console.log(`browser: ${browserRun.pages} pages, ${browserRun.records} records in ${(browserRun.ms / 1000).toFixed(1)} s → ${browserRate.toFixed(1)} pages/s`);
    console.log(`ratio:   browser is ${(httpRate / browserRate).toFixed(1)}× slower than HTTP (${(browserRate / httpRate).toFixed(3)} of its rate), concurrency ${CONCURRENCY}`);
    console.log(`memory:  process tree RSS ${rssBefore} MB before the browser run, peak ${peak} MB; at each 100 pages: ${rssAt.map((x) => `${x.pages}: ${x.rssMb} MB`).join(', ')}`);
    if (browserRun.pages < PAGES || httpRun.pages < HTTP_PAGES) console.log(`warning: runs ended early (${httpRun.message}; ${browserRun.message})`);
    const out = { at: new Date().toISOString(), concurrency: CONCURRENCY, http: { ...httpRun, pagesPerSec: httpRate }, browser: { ...browserRun, pagesPerSec: browserRate }, slowdown: httpRate / browserRate, rss: { beforeMb: rssBefore, peakMb: peak, at: rssAt } };
    mkdirSync(join(here, '..', '.tmp'), { recursive: true });
    writeFileSync(join(here, '..', '.tmp', 'bench-browser-latest.json'), JSON.stringify(out, null, 2));
  } finally {
    await server.close();
    site.disconnect();
  }
}

await main();
