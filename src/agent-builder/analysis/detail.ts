/**
 * Fields of a single-item page (a product page). Candidates come from the main structured item (JSON-LD /
 * microdata, read with `Type.path` json paths), meta tags, itemprops, labels ("SKU: 123", "Brand: X") and
 * class/id hints, in that order of trust. Every candidate is run through the engine on this page; the first
 * that yields a value of the right shape is the field, and later candidates that yield the same value are
 * kept as fallbacks. A field with no such candidate is reported as not found, never guessed.
 */
import type { FieldSpecInput } from '../../domain/agent-spec.ts';
import type { RecordValue } from '../../engine/types.ts';
import { currencyToIso, parsePrice } from '../../engine/parse/price.ts';
import { normalizeAvailability } from '../../engine/parse/values.ts';
import type { Concept } from '../prompt/concepts.ts';
import { CONCEPT_HINTS } from '../prompt/concepts.ts';
import type { RequestedField } from '../prompt/parse-prompt.ts';
import { inMainScope, mainPathValue, offerValues, runField, type DetailContext, type Source } from './detail-context.ts';
import { nameTokens, ownText, textOf, type El } from './dom.ts';
import { buyButtonCands } from './buy-button.ts';
import { labelledValues } from './labels.ts';
import { elementsWithTokens, firstMatch, isFirstMatch, pageSelector } from './page-index.ts';
import { fieldType } from './types.ts';
import { looksLike } from './value-tests.ts';

/**
 * `weak`: found only by page-wide shape/class guesses (class hints, a stock phrase, the price's sign), which on
 * a list page hit the first record; the list-or-detail decision counts such a field as half.
 */
export interface DetailField { spec: FieldSpecInput | null; how: string; tried: string[]; weak?: boolean }
interface Cand { src: Source; how: string; weak?: boolean }

const JSON_PATHS: Partial<Record<Concept, string[]>> = {
  name: ['name', 'headline'],
  price: ['offers.price', 'offers.lowPrice', 'offers.priceSpecification.price', 'offers.offers.price', 'price'],
  currency: ['offers.priceCurrency', 'offers.priceSpecification.priceCurrency', 'offers.offers.priceCurrency', 'priceCurrency'],
  // No gtin: a barcode is not the shop's SKU. MPN last: the maker's part number, a known SKU confusion (§7).
  sku: ['sku', 'productID', 'offers.sku', 'mpn'],
  brand: ['brand.name', 'brand', 'manufacturer.name', 'manufacturer'],
  availability: ['offers.availability', 'offers.offers.availability', 'availability'],
  rating: ['aggregateRating.ratingValue'],
  review_count: ['aggregateRating.reviewCount', 'aggregateRating.ratingCount'],
  image: ['image.url', 'image'],
  text: ['description', 'articleBody'],
  summary: ['description'],
  url: ['url'],
  date: ['datePublished', 'startDate', 'dateCreated'],
  category: ['category'],
  author: ['author.name', 'author'],
};
const META: Partial<Record<Concept, string[]>> = {
  name: ['meta[property="og:title"]'],
  price: ['meta[property="product:price:amount"]', 'meta[property="og:price:amount"]'],
  currency: ['meta[property="product:price:currency"]', 'meta[property="og:price:currency"]'],
  brand: ['meta[property="product:brand"]', 'meta[property="og:brand"]', 'meta[name="brand"]'],
  availability: ['meta[property="product:availability"]', 'meta[property="og:availability"]'],
  image: ['meta[property="og:image"]'],
  text: ['meta[name="description"]', 'meta[property="og:description"]'],
  sku: ['meta[property="product:retailer_item_id"]', 'meta[property="product:sku"]'],
};
const ITEMPROP: Partial<Record<Concept, string[]>> = {
  name: ['name'], price: ['price', 'lowPrice'], currency: ['priceCurrency'], sku: ['sku', 'productID', 'mpn'], brand: ['brand'],
  availability: ['availability'], rating: ['ratingValue'], review_count: ['reviewCount'], image: ['image'], text: ['description'], date: ['datePublished'],
};
/**
 * Attributes shops put the product's own code in; used only when every element on the page agrees. Product
 * ids are often database keys, so those count only when the page also shows the value.
 */
const DATA_ATTRS: Array<{ attr: string; shown: boolean }> = [
  { attr: 'data-sku', shown: false }, { attr: 'data-product-sku', shown: false }, { attr: 'data-product-id', shown: true }, { attr: 'data-productid', shown: true },
];
const AFTER_LABEL = '[:：]\\s*([^:：]+?)\\s*$';
const BRAND_LABEL = /^(?:.{0,40}?\b)?(?:brand|marca|marke|marque|merk|manufacturer|hersteller|fabricante)\s*[:：]\s*(.+)$/i;
/** Class names that mark something other than the page's own value (old price, a placeholder, a filter...). */
const NOT_MAIN = /^(old|was|regular|strike|striked|list|from|label|title|related|similar|cart|basket|filter|empty|placeholder|recommend|recommended|upsell|crosssell|compare|suggest|recent|recently|viewed)$/;

export function detailFieldIn(ctx: DetailContext, f: RequestedField): DetailField {
  const type = fieldType(f.concept);
  const tried: string[] = [];
  const found: Array<Cand & { value: RecordValue }> = [];
  const consider = (cands: Cand[], what: string): void => {
    tried.push(what);
    for (const c of cands) {
      const v = runField(ctx, f.name, type, c.src);
      if (v !== null && accept(f.concept, v)) found.push({ ...c, value: v });
    }
  };
  // A code the page shows under an explicit SKU label is what users call the SKU; markup often holds an
  // internal id instead (the same rule as for prices: the visible value wins over markup when both exist).
  if (f.concept === 'sku') consider(labelCands(ctx, f, true), '"SKU:"-style labels');
  consider(jsonCands(ctx, f.concept), `main structured item (${(JSON_PATHS[f.concept] ?? []).join(', ') || 'no path for ' + f.concept})`);
  consider(metaCands(ctx, f.concept), 'meta tags');
  consider(itempropCands(ctx, f.concept), 'itemprop attributes');
  if (f.concept === 'sku') consider(dataAttrCands(ctx), 'data-sku / data-product-id attributes');
  if (f.concept === 'brand' || f.concept === 'sku') consider(labelCands(ctx, f, false), `"${f.concept === 'brand' ? 'Brand' : 'Model'}:"-style labels`);
  if (!found.length) consider(weak(hinted(ctx, f.concept)), `class/id hints (${CONCEPT_HINTS[f.concept].slice(0, 6).join(', ')}) with value shape`);
  if (!found.length && f.concept === 'currency') consider(weak(currencyFromPrice(ctx)), 'currency sign next to the price');
  if (!found.length && f.concept === 'availability') consider(weak(stockText(ctx)), 'a stock phrase on its own ("In stock", "Épuisé", "Nicht lieferbar"...)');
  if (!found.length && f.concept === 'availability') consider(weak(buyButtonCands(ctx, hidden)), 'an enabled "Add to cart" button ("In den Warenkorb", "Ajouter au panier"...)');
  if (!found.length) return { spec: null, how: '', tried };
  const [first, ...rest] = found;
  const spec: FieldSpecInput = { name: f.name, type, ...first!.src };
  // Fallbacks only from sources that agree on this page: a disagreeing one would be a guess when the first fails.
  // A fallback has no `all`/`combine`: such a source would read only the first offer there.
  const agree = rest.filter((r) => same(r.value, first!.value) && !sameSrc(r.src, first!.src) && !r.src.all);
  if (agree.length) spec.fallbacks = agree.slice(0, 3).map((r) => ({ ...r.src }));
  return { spec, how: first!.how, tried: [], ...(first!.weak ? { weak: true } : {}) };
}

const weak = (cs: Cand[]): Cand[] => cs.map((c) => ({ ...c, weak: true }));
const same = (a: RecordValue, b: RecordValue): boolean => String(a).trim().toLowerCase() === String(b).trim().toLowerCase();
const sameSrc = (a: Source, b: Source): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Shape of the engine's output value per concept. */
function accept(c: Concept, v: RecordValue): boolean {
  const s = String(v).trim();
  switch (c) {
    case 'price': return /^\d+(\.\d+)?$/.test(s);
    case 'currency': return currencyToIso(s) !== null || /^[A-Z]{3}$/.test(s);
    case 'availability': return normalizeAvailability(s) !== null;
    case 'sku': return s.length >= 3 && s.length <= 40 && /\d/.test(s) && /^[\w./#-]+$/.test(s);
    case 'brand': return s.length >= 2 && s.length <= 60 && !/^\d+([.,]\d+)?$/.test(s) && !/^(?:https?:|\/)/.test(s) && s.split(/\s+/).length <= 6;
    default: return s.length > 0 && looksLike(c === 'name' ? 'name' : 'other', s, { source: 'json' });
  }
}

function jsonCands(ctx: DetailContext, c: Concept): Cand[] {
  const out: Cand[] = [];
  for (const p of JSON_PATHS[c] ?? []) {
    const hit = mainPathValue(ctx, p);
    if (!hit) continue;
    let path = hit.jsonPath;
    // Some shops nest the amount ({"lowPrice": {"sales": {"value": 3499}}}): point at the number inside.
    if (c === 'price' && hit.value && typeof hit.value === 'object') {
      const inner = numericLeaf(hit.value, 3);
      if (!inner) continue;
      path = `${path}.${inner}`;
    }
    if (c === 'availability' && p.startsWith('offers')) {
      // Offers per size/colour that disagree: the first one's would be a guess, but one that can be bought
      // makes the product available, which the engine reads over every offer (`combine: any-in-stock`).
      const meanings = new Set(offerValues(ctx, 'availability').map((v) => normalizeAvailability(String(v))));
      if (meanings.size > 1) {
        if (!meanings.has('InStock') && !meanings.has('LimitedAvailability')) continue;
        const path = `${ctx.main!.type}.${p}`;
        out.push({ src: { source: 'json', jsonPath: path, all: true, combine: 'any-in-stock' }, how: `structured data ${path}: one of ${offerValues(ctx, 'availability').length} offers in stock` });
        continue;
      }
    }
    const src: Source = { source: 'json', jsonPath: path };
    // Microdata brand read from visible text may carry its label ("See more from Brand: Acme").
    if (c === 'brand' && typeof hit.value === 'string' && BRAND_LABEL.test(hit.value)) src.regex = AFTER_LABEL;
    out.push({ src, how: `structured data ${path} = ${JSON.stringify(hit.value).slice(0, 40)}` });
  }
  return out;
}

function numericLeaf(v: unknown, depth: number): string | null {
  if (depth < 0 || !v || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  for (const k of ['value', 'amount', 'price', 'decimalPrice']) if (typeof o[k] === 'number' || (typeof o[k] === 'string' && /^\d+(\.\d+)?$/.test(o[k] as string))) return k;
  for (const [k, x] of Object.entries(o)) {
    const r = numericLeaf(x, depth - 1);
    if (r) return `${k}.${r}`;
  }
  return null;
}

function metaCands(ctx: DetailContext, c: Concept): Cand[] {
  const out: Cand[] = [];
  for (const m of META[c] ?? []) {
    const el = firstMatch(ctx.$, m);
    if (el?.attribs['content']?.trim()) out.push({ src: { selector: m, source: 'attr', attribute: 'content' }, how: `${m} @content = "${el.attribs['content'].slice(0, 40)}"` });
  }
  return out;
}

function itempropCands(ctx: DetailContext, c: Concept): Cand[] {
  const out: Cand[] = [];
  for (const ip of ITEMPROP[c] ?? []) {
    const sel = `[itemprop="${ip}"]`;
    const el = firstMatch(ctx.$, sel);
    if (!el || !inMainScope(ctx, el)) continue;
    const a = el.attribs;
    const attr = a['content'] !== undefined ? 'content' : el.name === 'link' || (el.name === 'a' && c === 'availability') ? 'href' : undefined;
    if (attr) { out.push({ src: { selector: sel, source: 'attr', attribute: attr }, how: `${sel} @${attr} = "${(a[attr] ?? '').slice(0, 40)}"` }); continue; }
    const t = textOf(el);
    if (!t || t.length > 300) continue;
    const bl = c === 'brand' ? BRAND_LABEL.exec(t) : null;
    // "See more from Brand: Acme" inside the brand itemprop: keep what follows the label.
    if (bl) out.push({ src: { selector: sel, source: 'text', regex: AFTER_LABEL }, how: `${sel} text after label = "${bl[1]!.slice(0, 40)}"` });
    else out.push({ src: { selector: sel, source: 'text' }, how: `${sel} = "${t.slice(0, 40)}"` });
  }
  if (c === 'availability') {
    // <link href="http://schema.org/InStock"> anywhere in the main item's markup, with or without itemprop.
    for (const sel of ['link[href*="schema.org/InStock"]', 'link[href*="schema.org/OutOfStock"]']) {
      const el = firstMatch(ctx.$, sel);
      if (el && inMainScope(ctx, el)) { out.push({ src: { selector: 'link[href*="schema.org/"][href*="Stock"]', source: 'attr', attribute: 'href' }, how: `${sel}` }); break; }
    }
  }
  return out;
}

function dataAttrCands(ctx: DetailContext): Cand[] {
  const out: Cand[] = [];
  const body = ctx.ix.byTag.get('body')?.[0];
  for (const { attr, shown } of DATA_ATTRS) {
    const els = ctx.ix.all.filter((e) => e.attribs[attr] !== undefined && e.attribs[attr]!.trim());
    const values = new Set(els.map((e) => e.attribs[attr]!.trim()));
    if (values.size !== 1) continue;
    if (shown && !(body && textOf(body).includes([...values][0]!))) continue;
    out.push({ src: { selector: `[${attr}]`, source: 'attr', attribute: attr }, how: `[${attr}] = "${[...values][0]!.slice(0, 40)}" (the same on all ${els.length} elements)` });
  }
  return out;
}

function labelCands(ctx: DetailContext, f: RequestedField, strongOnly: boolean): Cand[] {
  if (f.concept !== 'sku' && f.concept !== 'brand') return [];
  const hits = labelledValues(ctx, f.name, f.concept, 'text');
  return hits.filter((h) => (strongOnly ? h.strong : !h.strong || f.concept === 'brand')).slice(0, 3).map((h) => ({ src: h.src, how: h.how }));
}

/** Elements whose own class/id names the concept and whose text has the right shape, document order. */
function hinted(ctx: DetailContext, concept: Concept): Cand[] {
  const out: Cand[] = [];
  for (const el of elementsWithTokens(ctx.ix, CONCEPT_HINTS[concept])) {
    if (/^(script|style|button|input|select|option|form|nav|ul|ol|table|meta|link)$/.test(el.name)) continue;
    if (nameTokens(el).some((t) => NOT_MAIN.test(t)) || insideNotMain(el) || hidden(el)) continue;
    const v = textOf(el);
    if (!v || v.length > 120 || !(shaped(concept, v) || (concept === 'price' && isPriceRange(v)))) continue;
    if (concept === 'price' && !/\d/.test(ownText(el)) && el.children.filter((c) => c.type === 'tag').length > 3) continue;
    const sel = pageSelector(ctx.$, el);
    if (!sel) continue;
    const src: Source = { selector: sel, source: 'text' };
    if (concept === 'sku' && /[:：#]/.test(v)) src.regex = '[:：#]\\s*([A-Za-z0-9][\\w./-]{1,39})\\s*$';
    out.push({ src, how: `css ${sel} text "${v.slice(0, 40)}"` });
    if (out.length >= 3) break;
  }
  return out;
}

/** Availability by the engine's own reading, so a delivery promise ("Usually ships within 3 days") counts too. */
function shaped(concept: Concept, v: string): boolean {
  if (concept === 'availability') return v.length < 80 && normalizeAvailability(v) !== null;
  return looksLike(concept, v, { source: 'text' });
}

/** "$3.499 - $4.059": a price range; the engine's price parser reads its first amount. */
function isPriceRange(v: string): boolean {
  const parts = v.split(/\s+[-–]\s+/);
  return parts.length === 2 && parts.every((p) => looksLike('price', p, { source: 'text' }));
}

/** Struck-through or "old" prices, and related-product blocks, are not the page's own value. */
function insideNotMain(el: El): boolean {
  let p: El | null = el;
  for (let i = 0; i < 4 && p && p.type === 'tag'; i++, p = p.parent as El | null) {
    if (/^(del|s|strike)$/.test(p.name)) return true;
    if (i > 0 && nameTokens(p).some((t) => NOT_MAIN.test(t))) return true;
  }
  return false;
}

/** The currency sign in the visible price ("12,44 €" → EUR), when the price comes from the page text. */
function currencyFromPrice(ctx: DetailContext): Cand[] {
  const out: Cand[] = [];
  for (const c of hinted(ctx, 'price')) {
    const el = firstMatch(ctx.$, c.src.selector!);
    const cur = el ? parsePrice(textOf(el)).currency : null;
    if (!cur) continue;
    out.push({ src: { ...c.src, regex: `(${cur.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})` }, how: `currency sign "${cur}" in the price (${c.how})` });
    break;
  }
  return out;
}

/**
 * A visible element whose whole text is a stock phrase, in any of the engine's languages. Hidden blocks (the
 * "sold out" notice a shop toggles with script) and option/filter labels are skipped; phrases that disagree
 * make the page ambiguous and nothing is returned.
 */
function stockText(ctx: DetailContext): Cand[] {
  const hits: Array<{ el: El; meaning: string; text: string }> = [];
  for (const el of ctx.ix.short) {
    if (/^(option|select|label|a|button|script|style|title|input)$/.test(el.name)) continue;
    const t = textOf(el);
    if (t.length > 30 || t.split(/\s+/).length > 4) continue;
    const m = normalizeAvailability(t);
    if (!m || hidden(el) || insideNotMain(el)) continue;
    // The innermost element: a child with the same text takes over.
    if (el.children.some((c) => c.type === 'tag' && textOf(c) === t)) continue;
    hits.push({ el, meaning: m === 'LimitedAvailability' ? 'InStock' : m, text: t });
  }
  if (!hits.length || new Set(hits.map((h) => h.meaning)).size > 1) return [];
  const { el, text } = hits[0]!;
  const sel = selectorFor(ctx, el, text);
  return sel ? [{ src: { selector: sel, source: 'text' }, how: `css ${sel} text "${text}"` }] : [];
}

function hidden(el: El): boolean {
  for (let p: El | null = el; p && p.type === 'tag'; p = p.parent as El | null) {
    const a = p.attribs;
    if (a['hidden'] !== undefined || a['aria-hidden'] === 'true' || /display\s*:\s*none|visibility\s*:\s*hidden/i.test(a['style'] ?? '')) return true;
    if (nameTokens(p).some((t) => /^(hidden|hide|d-none|sr-only|visually-hidden|is-hidden)$/.test(t))) return true;
  }
  return false;
}

/** A page-level selector whose first match is `el`: its own stable one, else its tag with the text it holds. */
function selectorFor(ctx: DetailContext, el: El, text: string): string | null {
  const own = pageSelector(ctx.$, el);
  if (own) return own;
  if (/["\\]/.test(text)) return null;
  const sel = `${el.name}:contains("${text}")`;
  return isFirstMatch(ctx.$, sel, el) ? sel : null;
}
