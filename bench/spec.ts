/**
 * What the benchmark crawls and extracts, shared by the Gleaner agent and the baseline so both do the same
 * work: demo-store list pages (cards: name, price, detail link; next-link pagination) and each product's
 * detail page (sku, rating, availability, description).
 */
import type { AgentSpecInput } from '../src/domain/agent-spec.ts';

export interface BenchSite {
  products: number;
  perPage: number;
  latencyMs: number;
}

export const LIST = { card: 'article.product-card', name: '.product-title', price: '.price', link: 'a.product-link', next: 'a.next' } as const;
export const DETAIL = { sku: 'td.sku', rating: 'td.rating', availability: 'td.availability', description: 'p.description' } as const;

export function listUrl(siteUrl: string): string {
  return `${siteUrl}/products/`;
}

/** The crawl agent: list → detail for every product. */
export function crawlSpec(siteUrl: string, concurrency: number): AgentSpecInput {
  return {
    startUrls: [listUrl(siteUrl)],
    list: { kind: 'css', selector: LIST.card },
    fields: [
      { name: 'name', selector: LIST.name },
      { name: 'price', selector: LIST.price, type: 'price' },
      { name: 'url', selector: LIST.link, source: 'attr', attribute: 'href', type: 'url' },
    ],
    follow: {
      linkSelector: LIST.link,
      fields: [
        { name: 'sku', selector: DETAIL.sku },
        { name: 'rating', selector: DETAIL.rating, type: 'number' },
        { name: 'availability', selector: DETAIL.availability },
        { name: 'description', selector: DETAIL.description },
      ],
    },
    pagination: { kind: 'next-link', selector: LIST.next, maxPages: 100000 },
    limits: { maxPages: 1_000_000, concurrency, maxRetries: 1 },
  };
}

/** The one-page sync agent: the first list page only, no follow, no pagination. */
export function onePageSpec(siteUrl: string): AgentSpecInput {
  const s = crawlSpec(siteUrl, 1);
  return { startUrls: s.startUrls, list: s.list, fields: s.fields, limits: { maxPages: 1, concurrency: 1 } };
}

/** Nearest-rank percentile of `xs` (unsorted), p in 0..100. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/**
 * Peak RSS of this process, sampled on a timer while `fn` runs, and the CPU time it used: on a shared machine
 * CPU per page moves far less with other load than wall-clock throughput does.
 */
export async function withRssSampling<T>(fn: () => Promise<T>, everyMs = 100): Promise<{ value: T; peakRssMb: number; endRssMb: number; cpuMs: number }> {
  let peak = process.memoryUsage.rss();
  const cpu = process.cpuUsage();
  const t = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  try {
    const value = await fn();
    const end = process.memoryUsage.rss();
    const used = process.cpuUsage(cpu);
    return { value, peakRssMb: mb(Math.max(peak, end)), endRssMb: mb(end), cpuMs: (used.user + used.system) / 1000 };
  } finally {
    clearInterval(t);
  }
}

export function mb(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}
