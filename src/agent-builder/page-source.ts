/**
 * How the builder opens pages: the same guarded HTTP client as runs (SSRF rules apply to prompts too),
 * or the browser pool. Pages are cached per session so follow-ups rebuild without refetching.
 */
import type { HttpClient } from '../engine/types.ts';
import type { BrowserPool } from '../engine/browser/browser-pool.ts';
import { renderPage } from '../engine/browser/render.ts';

export interface FetchedPage {
  url: string;
  status: number;
  html: string;
  title: string;
  screenshotPng?: Buffer;
}

export interface PageSource {
  fetch(url: string, engine: 'http' | 'browser', signal: AbortSignal): Promise<FetchedPage>;
}

export function createPageSource(http: HttpClient, browserPool: () => BrowserPool | null, opts: { timeoutMs?: number } = {}): PageSource {
  const cache = new Map<string, Promise<FetchedPage>>();
  return {
    fetch(url, engine, signal) {
      const key = `${engine} ${url}`;
      let p = cache.get(key);
      if (!p) {
        p = engine === 'http' ? viaHttp(http, url, signal, opts.timeoutMs ?? 20_000) : viaBrowser(browserPool(), url, signal);
        cache.set(key, p);
        p.catch(() => cache.delete(key));
        if (cache.size > 50) cache.delete(cache.keys().next().value!);
      }
      return p;
    },
  };
}

async function viaHttp(http: HttpClient, url: string, signal: AbortSignal, timeoutMs: number): Promise<FetchedPage> {
  const r = await http.fetch({ url, signal, timeoutMs, maxBytes: 15 * 1024 * 1024 });
  return { url: r.url, status: r.status, html: r.text, title: titleOf(r.text) };
}

async function viaBrowser(pool: BrowserPool | null, url: string, signal: AbortSignal): Promise<FetchedPage> {
  if (!pool) throw new Error('no browser is available on this server');
  const r = await renderPage(pool, url, { signal, timeoutMs: 30_000, screenshot: true, pagination: { kind: 'infinite-scroll', maxScrolls: 5 } });
  return { url: r.url, status: r.status, html: r.html, title: r.title, screenshotPng: r.screenshotPng };
}

function titleOf(html: string): string {
  return (/<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1] ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
}
