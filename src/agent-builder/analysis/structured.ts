/**
 * Minimal structured-data reader for analysis (JSON-LD blocks parsed independently and tolerantly, then
 * microdata). The run engine has its own, richer reader; paths produced here (`Product.offers.price`) follow the
 * same convention: the first segment is the @type, the rest a dot path, arrays take their first element.
 */
import type { CheerioAPI } from 'cheerio/slim';
import type { El } from './dom.ts';

export type Obj = Record<string, unknown>;

export function readStructured($: CheerioAPI): Obj[] {
  const items: Obj[] = [];
  $('script[type="application/ld+json"]').each((_, s) => {
    const raw = $(s).text().replace(/<!\[CDATA\[|\]\]>/g, '').replace(/^\s*\/\/.*$/gm, '');
    let data: unknown;
    try { data = JSON.parse(raw); } catch {
      try { data = JSON.parse(raw.replace(/[\u0000-\u001f]+/g, ' ')); } catch { return; }
    }
    collect(data, items);
  });
  $('[itemscope]').each((_, el) => {
    if ((el as El).attribs['itemprop'] && $(el).parents('[itemscope]').length) return; // nested: part of its parent
    items.push(microdataItem($, el as El));
  });
  return items;
}

function collect(d: unknown, out: Obj[]): void {
  if (Array.isArray(d)) { for (const x of d) collect(x, out); return; }
  if (!d || typeof d !== 'object') return;
  const o = d as Obj;
  if (o['@graph']) collect(o['@graph'], out);
  if (o['@type']) out.push(o);
  if (o['mainEntity']) collect(o['mainEntity'], out);
  if (typeTokens(o).includes('itemlist') && Array.isArray(o['itemListElement'])) {
    for (const li of o['itemListElement'] as Obj[]) if (li && typeof li === 'object' && li['item'] && typeof li['item'] === 'object') collect(li['item'], out);
  }
}

function microdataItem($: CheerioAPI, root: El): Obj {
  const o: Obj = {};
  const t = root.attribs['itemtype'];
  if (t) o['@type'] = t.split(/\s+/)[0]!.replace(/^https?:\/\/schema\.org\//i, '');
  const visit = (el: El): void => {
    for (const c of el.children) {
      if (c.type !== 'tag') continue;
      const ce = c as El;
      const prop = ce.attribs['itemprop'];
      if (prop) {
        const v = ce.attribs['itemscope'] !== undefined ? microdataItem($, ce) : propValue($, ce);
        for (const p of prop.split(/\s+/)) if (!(p in o)) o[p] = v;
      }
      if (ce.attribs['itemscope'] === undefined) visit(ce);
    }
  };
  visit(root);
  return o;
}

export function propValue($: CheerioAPI, el: El): string {
  const a = el.attribs;
  if (a['content'] !== undefined) return a['content'];
  if (el.name === 'a' || el.name === 'link') return a['href'] ?? '';
  if (el.name === 'img') return a['src'] ?? '';
  if (el.name === 'time' && a['datetime']) return a['datetime'];
  if (el.name === 'meta') return a['content'] ?? '';
  return $(el).text().replace(/\s+/g, ' ').trim();
}

export function typeTokens(o: Obj): string[] {
  const t = o['@type'];
  return (Array.isArray(t) ? t : [t]).filter((x) => typeof x === 'string').map((x) => (x as string).replace(/^.*[/#]/, '').toLowerCase());
}

export function findByType(items: Obj[], type: string): Obj[] {
  return items.filter((o) => typeTokens(o).includes(type.toLowerCase()));
}

/** Dot path; arrays take their first element. */
export function getPath(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const k of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[0];
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[k];
  }
  if (Array.isArray(cur)) cur = cur[0];
  return cur;
}

/** Reads `Type.path` against the page's items: the first item of that type with a value. */
export function readTypedPath(items: Obj[], typedPath: string): string | null {
  const [type, ...rest] = typedPath.split('.');
  for (const o of findByType(items, type!)) {
    const v = getPath(o, rest.join('.'));
    if (v !== undefined && v !== null && v !== '' && typeof v !== 'object') return String(v);
  }
  return null;
}
