/**
 * The baseline Gleaner is measured against: a plain undici + cheerio/slim loop doing the same crawl
 * (list → detail, next-link pagination, same fields) at the same concurrency, with no database, no
 * frontier, no SSRF guard. Run as a child process (fork) so its memory and event loop are its own.
 */
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import * as cheerio from 'cheerio/slim';
import { DETAIL, LIST, listUrl, mb, percentile, withRssSampling } from './spec.ts';

type Task = { url: string; kind: 'list' | 'detail'; partial?: Record<string, unknown> };

async function get(url: string): Promise<string> {
  const res = await request(url, { headers: { 'user-agent': 'bench-baseline', accept: 'text/html' } });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`HTTP ${res.statusCode} from ${url}`);
  }
  return res.body.text();
}

const num = (s: string): number | null => {
  const m = /-?\d+(?:\.\d+)?/.exec(s.replace(/,/g, ''));
  return m ? Number(m[0]) : null;
};
const text = (s: string): string | null => s.replace(/\s+/g, ' ').trim() || null;

function listRecords(url: string, html: string): { cards: Array<{ rec: Record<string, unknown>; link: string | null }>; next: string | null } {
  const $ = cheerio.load(html);
  const cards = $(LIST.card)
    .toArray()
    .map((el) => {
      const $el = $(el);
      const href = $el.find(LIST.link).first().attr('href');
      const link = href ? new URL(href, url).href : null;
      return { rec: { name: text($el.find(LIST.name).first().text()), price: num($el.find(LIST.price).first().text()), url: link }, link };
    });
  const nextHref = $(LIST.next).first().attr('href');
  return { cards, next: nextHref ? new URL(nextHref, url).href : null };
}

function detailRecord(html: string): Record<string, unknown> {
  const $ = cheerio.load(html);
  return {
    sku: text($(DETAIL.sku).first().text()),
    rating: num($(DETAIL.rating).first().text()),
    availability: text($(DETAIL.availability).first().text()),
    description: text($(DETAIL.description).first().text()),
  };
}

/** The list → detail crawl with `concurrency` workers over one FIFO queue (Gleaner's frontier order). */
export async function baselineCrawl(siteUrl: string, concurrency: number): Promise<{ pages: number; records: number; ms: number }> {
  const started = performance.now();
  const queue: Task[] = [{ url: listUrl(siteUrl), kind: 'list' }];
  const seen = new Set<string>([queue[0]!.url]);
  const records: Record<string, unknown>[] = [];
  let pages = 0;
  let active = 0;
  let waiters: Array<() => void> = [];
  const wakeAll = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const task = queue.shift();
      if (!task) {
        if (active === 0) return wakeAll();
        await new Promise<void>((r) => waiters.push(r));
        continue;
      }
      active++;
      try {
        const html = await get(task.url);
        pages++;
        if (task.kind === 'detail') records.push({ ...task.partial, ...detailRecord(html) });
        else {
          const { cards, next } = listRecords(task.url, html);
          for (const c of cards) {
            if (c.link && !seen.has(c.link)) (seen.add(c.link), queue.push({ url: c.link, kind: 'detail', partial: c.rec }));
            else if (!c.link) records.push(c.rec);
          }
          if (next && !seen.has(next)) (seen.add(next), queue.push({ url: next, kind: 'list' }));
        }
      } finally {
        active--;
        wakeAll();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { pages, records: records.length, ms: performance.now() - started };
}

/** Latency of fetching and extracting the first list page, `iterations` times (after a short warm-up). */
export async function baselineOnePage(siteUrl: string, iterations: number): Promise<{ p50: number; p95: number; records: number }> {
  const url = listUrl(siteUrl);
  const times: number[] = [];
  let records = 0;
  for (let i = 0; i < iterations + 5; i++) {
    const t = performance.now();
    records = listRecords(url, await get(url)).cards.length;
    if (i >= 5) times.push(performance.now() - t);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), records };
}

async function main(): Promise<void> {
  const [siteUrl = '', concurrency = '8', runs = '3', iterations = '50'] = process.argv.slice(2);
  const crawls = [];
  for (let i = 0; i < Number(runs); i++) {
    const r = await withRssSampling(() => baselineCrawl(siteUrl, Number(concurrency)));
    (globalThis as { gc?: () => void }).gc?.();
    crawls.push({ ...r.value, peakRssMb: r.peakRssMb, endRssMb: r.endRssMb, cpuMs: r.cpuMs, heapMb: mb(process.memoryUsage().heapUsed) });
  }
  const sync = await baselineOnePage(siteUrl, Number(iterations));
  process.send?.({ crawls, sync });
  process.disconnect?.();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
