/**
 * A deterministic catalogue on 127.0.0.1 port 0 for integration tests: list pages (`/list?page=N`, next link
 * `a.next`, plus `/p/N` for url-pattern pagination) with `perPage` items each, and one detail page per item
 * (`/item/<id>`). Every hit is counted per path; `hook` lets a test answer a request itself (faults, delays).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLoopbackServer, type LoopbackServer } from '../loopback-http-server.ts';

export interface CatalogItem {
  id: number;
  name: string;
  price: string;
  sku: string;
  description: string;
}

export interface CatalogOptions {
  items?: number;
  perPage?: number;
  /** Overrides an item's name (e.g. a CSV-injection payload). */
  nameOf?: (id: number) => string;
  /** Items repeated at the top of the next page too (identical records across pages). */
  repeatLastOnNextPage?: boolean;
  /** robots.txt body; default: 404. */
  robots?: string;
  /** Delay before every page (not robots.txt), ms. */
  delayMs?: number;
  /** Return true when the hook answered the request itself. */
  hook?: (req: IncomingMessage, res: ServerResponse, hitsOfPath: number) => boolean;
}

export interface CatalogSite extends LoopbackServer {
  items: CatalogItem[];
  hits: Map<string, number>;
  pageHits(): number;
  listUrl: string;
}

export function catalogItem(id: number, nameOf?: (id: number) => string): CatalogItem {
  return { id, name: nameOf?.(id) ?? `Item ${id}`, price: (10 + id * 1.25).toFixed(2), sku: `SKU-${String(1000 + id)}`, description: `Description of item ${id}.` };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export async function startCatalogSite(o: CatalogOptions = {}): Promise<CatalogSite> {
  const n = o.items ?? 12;
  const perPage = o.perPage ?? 4;
  const pages = Math.max(1, Math.ceil(n / perPage));
  const items = Array.from({ length: n }, (_, i) => catalogItem(i + 1, o.nameOf));
  const hits = new Map<string, number>();
  const card = (it: CatalogItem) => `<div class="item"><a class="title" href="/item/${it.id}">${esc(it.name)}</a> <span class="price">$${it.price}</span></div>`;
  const listPage = (page: number) => {
    if (page < 1 || page > pages) return null;
    const slice = items.slice((page - 1) * perPage, page * perPage);
    if (o.repeatLastOnNextPage && page > 1) slice.unshift(items[(page - 1) * perPage - 1]!);
    const next = page < pages ? `<a class="next" href="/list?page=${page + 1}">Next</a>` : '';
    return `<!doctype html><html><head><title>List ${page}</title></head><body><h1>Catalogue page ${page}</h1><div class="items">${slice.map(card).join('\n')}</div><nav>${next}</nav></body></html>`;
  };
  const detail = (it: CatalogItem) => `<!doctype html><html><head><title>${esc(it.name)}</title></head><body><h1 class="name">${esc(it.name)}</h1><p class="sku">${it.sku}</p><p class="desc">${esc(it.description)}</p></body></html>`;

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const h = (hits.get(u.pathname) ?? 0) + 1;
    hits.set(u.pathname, h);
    const send = (status: number, body: string, type = 'text/html; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (u.pathname === '/robots.txt') return o.robots === undefined ? send(404, 'no robots', 'text/plain') : send(200, o.robots, 'text/plain');
    if (o.hook?.(req, res, h)) return;
    let m: RegExpExecArray | null;
    if (u.pathname === '/list') {
      const html = listPage(Number(u.searchParams.get('page') ?? '1'));
      return html ? send(200, html) : send(404, 'no such page');
    }
    if ((m = /^\/p\/(\d+)$/.exec(u.pathname))) {
      const html = listPage(Number(m[1]));
      // Past the end: a page without records (url-pattern pagination stops there).
      return send(200, html ?? '<html><body><div class="items"></div></body></html>');
    }
    if ((m = /^\/item\/(\d+)$/.exec(u.pathname))) {
      const it = items[Number(m[1]) - 1];
      return it ? send(200, detail(it)) : send(404, 'no such item');
    }
    send(404, 'not found');
  };

  const srv = await startLoopbackServer((req, res) => {
    if (o.delayMs && !req.url?.startsWith('/robots.txt')) setTimeout(() => answer(req, res), o.delayMs);
    else answer(req, res);
  });
  return Object.assign(srv, {
    items,
    hits,
    pageHits: () => [...hits.entries()].filter(([p]) => p !== '/robots.txt').reduce((a, [, v]) => a + v, 0),
    listUrl: `${srv.origin}/list`,
  });
}

/** An agent definition for the catalogue: list + next-link pagination + detail pages. */
export function catalogDefinition(origin: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    startUrls: [`${origin}/list`],
    list: { kind: 'css', selector: 'div.item' },
    fields: [
      { name: 'name', selector: 'a.title' },
      { name: 'price', selector: '.price', type: 'price' },
    ],
    follow: { linkSelector: 'a.title', fields: [{ name: 'sku', selector: '.sku' }, { name: 'description', selector: '.desc' }] },
    pagination: { kind: 'next-link', selector: 'a.next' },
    limits: { concurrency: 4, requestTimeoutMs: 5000, maxRetries: 2 },
    ...extra,
  };
}

/** List-only definition (no detail pages). */
export function catalogListDefinition(origin: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { follow: _f, ...rest } = catalogDefinition(origin, extra) as Record<string, unknown> & { follow?: unknown };
  return rest;
}
