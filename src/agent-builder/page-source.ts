/**
 * How the builder opens pages: the same guarded HTTP client as runs (SSRF rules apply to prompts too),
 * or the browser pool. Pages are cached per session so follow-ups rebuild without refetching.
 */
import type { AgentSpec, BrowserCommand } from '../domain/agent-spec.ts';
import type { HttpClient } from '../engine/types.ts';
import type { BrowserPool } from '../engine/browser/browser-pool.ts';
import { renderPage, type BrowserPagination } from '../engine/browser/render.ts';
import { probeList, type BrowserProbe } from './browser-detect.ts';

export interface FetchedPage {
  url: string;
  status: number;
  html: string;
  title: string;
  screenshotPng?: Buffer;
}

/** What a browser render does between load and reading the DOM: the same steps a run of the agent takes. */
export interface BrowserPlan {
  commands?: BrowserCommand[];
  pagination?: BrowserPagination;
  recordSelector?: string;
  inputParameters?: Record<string, string>;
}

export interface PageSource {
  fetch(url: string, engine: 'http' | 'browser', signal: AbortSignal, plan?: BrowserPlan): Promise<FetchedPage>;
  /** Tries waiting, "load more" and scrolling on the live page (see browser-detect.ts). */
  probe?(url: string, recordSelector: string, plan: BrowserPlan, signal: AbortSignal): Promise<BrowserProbe>;
}

/** The render plan of an agent's list pages, so the draft test sees what a run will see. */
export function browserPlanOf(spec: AgentSpec): BrowserPlan {
  const p = spec.pagination;
  return {
    commands: spec.browserCommands,
    pagination: p && (p.kind === 'load-more' || p.kind === 'infinite-scroll') ? p : undefined,
    recordSelector: spec.list?.kind === 'css' ? spec.list.selector : undefined,
    inputParameters: spec.inputParameters,
  };
}

export function createPageSource(http: HttpClient, browserPool: () => BrowserPool | null, opts: { timeoutMs?: number } = {}): PageSource {
  const cache = new Map<string, Promise<FetchedPage>>();
  return {
    fetch(url, engine, signal, plan) {
      // The plan is part of the key: the same URL after a login or a full scroll is another page.
      const key = `${engine} ${url}${engine === 'browser' && plan ? ` ${JSON.stringify(plan)}` : ''}`;
      let p = cache.get(key);
      if (!p) {
        p = engine === 'http' ? viaHttp(http, url, signal, opts.timeoutMs ?? 20_000) : viaBrowser(browserPool(), url, signal, plan);
        cache.set(key, p);
        p.catch(() => cache.delete(key));
        if (cache.size > 50) cache.delete(cache.keys().next().value!);
      }
      return p;
    },
    async probe(url, recordSelector, plan, signal) {
      const pool = browserPool();
      if (!pool) throw new Error('no browser is available on this server');
      return probeList(pool, url, { recordSelector, commands: plan.commands, inputParameters: plan.inputParameters, signal });
    },
  };
}

async function viaHttp(http: HttpClient, url: string, signal: AbortSignal, timeoutMs: number): Promise<FetchedPage> {
  const r = await http.fetch({ url, signal, timeoutMs, maxBytes: 15 * 1024 * 1024 });
  return { url: r.url, status: r.status, html: r.text, title: titleOf(r.text) };
}

async function viaBrowser(pool: BrowserPool | null, url: string, signal: AbortSignal, plan: BrowserPlan = {}): Promise<FetchedPage> {
  if (!pool) throw new Error('no browser is available on this server');
  // Without a pagination plan a few scrolls (stopping when the page stops growing) let late and lazily
  // loaded content in; with one, the agent's own pagination runs to the end, as in a run.
  const pagination = plan.pagination ?? { kind: 'infinite-scroll' as const, maxScrolls: 5 };
  const steps = pagination.kind === 'load-more' ? pagination.maxClicks : pagination.maxScrolls;
  const r = await renderPage(pool, url, {
    signal,
    timeoutMs: plan.pagination ? Math.min(300_000, 60_000 + steps * 1_500) : 45_000,
    screenshot: true,
    commands: plan.commands,
    inputParameters: plan.inputParameters,
    recordSelector: plan.recordSelector,
    pagination,
  });
  return { url: r.url, status: r.status, html: r.html, title: r.title, screenshotPng: r.screenshotPng };
}

function titleOf(html: string): string {
  return (/<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1] ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
}
