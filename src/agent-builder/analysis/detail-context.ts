/**
 * Everything the single-item analysers share for one page, built once: the run engine's own view of the page
 * (structured data, meta keys), the page index, and which structured item is the page's main item. Candidate
 * field specs are checked by running them through the engine's extractor on this page, so what the analysis
 * reports is exactly what a run will output.
 */
import type { CheerioAPI } from 'cheerio/slim';
import type { FieldSpecInput } from '../../domain/agent-spec.ts';
import { extractDetail, type LoadedPage } from '../../engine/extract/extract.ts';
import { FieldSpec } from '../../domain/agent-spec.ts';
import type { RecordValue } from '../../engine/types.ts';
import { extractStructuredData, findItems, getPath, type StructuredData, type StructuredItem } from '../../engine/parse/structured-data.ts';
import { pageIndex, type PageIndex } from './page-index.ts';
import { textOf, type El } from './dom.ts';

export type Source = Pick<FieldSpecInput, 'selector' | 'source' | 'attribute' | 'jsonPath' | 'regex' | 'value' | 'all' | 'combine'>;

export interface DetailContext {
  $: CheerioAPI;
  page: LoadedPage;
  data: StructuredData;
  ix: PageIndex;
  /** The item the page is about (its name matches the title/h1), with the type its json paths start with. */
  main: { item: StructuredItem; type: string } | null;
  /** Lower-cased page title words (h1, og:title, <title>), to recognise the main item. */
  title: string;
}

/** Item types a single-item page is about, most specific first. */
export const MAIN_TYPES = ['Product', 'ProductGroup', 'IndividualProduct', 'ProductModel', 'Book', 'Vehicle', 'Car', 'SoftwareApplication', 'Event', 'Recipe', 'NewsArticle', 'Article', 'LocalBusiness'];

const CONTEXTS = new WeakMap<CheerioAPI, DetailContext>();

export function detailContext($: CheerioAPI, url = 'http://localhost/'): DetailContext {
  const hit = CONTEXTS.get($);
  if (hit) return hit;
  const data = extractStructuredData($);
  const root = $.root()[0]!;
  const page: LoadedPage = { url, baseUrl: url, $, root, structured: () => data };
  const ix = pageIndex($);
  const h1 = ix.byTag.get('h1')?.[0];
  const title = [h1 ? textOf(h1) : '', data.meta['og:title'] ?? '', data.meta['title'] ?? ''].join(' ').toLowerCase();
  const ctx: DetailContext = { $, page, data, ix, main: null, title };
  ctx.main = mainItem(ctx);
  CONTEXTS.set($, ctx);
  return ctx;
}

/**
 * Shop pages often describe related products too (carousels with their own Product markup). The main item
 * is the first item of the most specific type whose name appears in the page title; when no name matches,
 * the first item of that type.
 */
function mainItem(ctx: DetailContext): { item: StructuredItem; type: string } | null {
  for (const type of MAIN_TYPES) {
    const items = findItems(ctx.data, type);
    if (!items.length) continue;
    const named = items.find((i) => nameMatches(getPath(i, 'name'), ctx.title));
    // No name matches: the first item, which is the page's own in the usual markup order.
    return { item: named ?? items[0]!, type };
  }
  return null;
}

function nameMatches(name: unknown, title: string): boolean {
  if (typeof name !== 'string') return false;
  const n = name.toLowerCase().replace(/\s+/g, ' ').trim();
  return n.length >= 3 && title.replace(/\s+/g, ' ').includes(n.slice(0, 60));
}

/** What the run engine outputs for this field spec on this page (null: nothing). */
export function runField(ctx: DetailContext, name: string, type: FieldSpecInput['type'], src: Source): RecordValue {
  const parsed = FieldSpec.safeParse({ name, type, ...src });
  if (!parsed.success) return null;
  return extractDetail([parsed.data], ctx.page)[name] ?? null;
}

/**
 * A json path on the main item, as the engine will read it: `Type.path` reads the first item of that type
 * having the path, so the path is only usable when that first item is the main one (or agrees with it).
 */
export function mainPathValue(ctx: DetailContext, path: string): { jsonPath: string; value: unknown } | null {
  if (!ctx.main) return null;
  const own = getPath(ctx.main.item, path);
  if (own === null || own === undefined || own === '') return null;
  const jsonPath = `${ctx.main.type}.${path}`;
  for (const item of findItems(ctx.data, ctx.main.type)) {
    const v = getPath(item, path);
    if (v === null || v === undefined || v === '') continue;
    return JSON.stringify(v) === JSON.stringify(own) ? { jsonPath, value: own } : null;
  }
  return null;
}

/** Values of `key` across the main item's offers (an Offer list or AggregateOffer's `offers`). */
export function offerValues(ctx: DetailContext, key: string): unknown[] {
  if (!ctx.main) return [];
  // Raw property: the engine's getPath would give the first offer only.
  const offers = ctx.main.item['offers'];
  const list = Array.isArray(offers) ? offers : offers && typeof offers === 'object' ? [offers, ...asArray((offers as Record<string, unknown>)['offers'])] : [];
  return list.map((o) => getPath(o, key)).filter((v) => v !== null && v !== undefined && v !== '');
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/**
 * The element's owning microdata item is the main item's scope, or the page has one Product scope: an
 * itemprop inside a related product's scope must not describe the page.
 */
export function inMainScope(ctx: DetailContext, el: El): boolean {
  let p = el.parent as El | null;
  while (p && p.type === 'tag') {
    const t = p.attribs['itemtype'];
    if (t && p.attribs['itemscope'] !== undefined && /product|offer/i.test(t)) {
      const first = ctx.ix.all.find((e) => e.attribs['itemscope'] !== undefined && /schema\.org\/Product/i.test(e.attribs['itemtype'] ?? ''));
      if (!first || first === p || isAncestor(first, p)) return true;
      // A nested Offer scope belongs to the product scope around it.
      return /offer/i.test(t) && !!first && isAncestor(first, p);
    }
    p = p.parent as El | null;
  }
  return true;
}

function isAncestor(a: El, b: El): boolean {
  let p = b.parent as El | null;
  while (p) { if (p === a) return true; p = p.parent as El | null; }
  return false;
}
