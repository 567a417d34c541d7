/**
 * Fields of a single-item page (a product page): structured data first (JSON-LD / microdata Product, read with
 * `Type.path` json paths), then meta tags, itemprops, and finally class/id hints with value-shape checks and
 * "SKU: 123"-style labels. Each field keeps the other sources that also worked as fallbacks.
 */
import type { CheerioAPI } from 'cheerio/slim';
import type { FieldSpecInput } from '../../domain/agent-spec.ts';
import type { Concept } from '../prompt/concepts.ts';
import { CONCEPT_HINTS } from '../prompt/concepts.ts';
import type { RequestedField } from '../prompt/parse-prompt.ts';
import { nameTokens, ownText, pageSelector, textOf, type El } from './dom.ts';
import { readTypedPath, type Obj } from './structured.ts';
import { looksLike } from './value-tests.ts';
import { fieldType } from './types.ts';

type Source = { selector?: string; source: 'text' | 'attr' | 'json'; attribute?: string; jsonPath?: string; regex?: string };
export interface DetailField { spec: FieldSpecInput | null; how: string; tried: string[] }

const TYPES = ['Product', 'ProductGroup', 'Book', 'Offer', 'SoftwareApplication', 'Vehicle', 'Event', 'Article', 'NewsArticle', 'Recipe', 'LocalBusiness', 'Organization'];
const JSON_PATHS: Partial<Record<Concept, string[]>> = {
  name: ['name', 'headline'],
  price: ['offers.price', 'offers.lowPrice', 'offers.priceSpecification.price', 'price'],
  currency: ['offers.priceCurrency', 'offers.priceSpecification.priceCurrency', 'priceCurrency'],
  sku: ['sku', 'productID', 'offers.sku'],
  brand: ['brand.name', 'brand', 'manufacturer.name', 'manufacturer'],
  availability: ['offers.availability', 'availability'],
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
  price: ['meta[property="product:price:amount"]', 'meta[property="og:price:amount"]', 'meta[itemprop="price"]'],
  currency: ['meta[property="product:price:currency"]', 'meta[property="og:price:currency"]', 'meta[itemprop="priceCurrency"]'],
  brand: ['meta[property="product:brand"]', 'meta[property="og:brand"]', 'meta[itemprop="brand"]'],
  availability: ['meta[property="product:availability"]', 'meta[property="og:availability"]', 'link[itemprop="availability"]', 'meta[itemprop="availability"]'],
  image: ['meta[property="og:image"]'],
  text: ['meta[name="description"]', 'meta[property="og:description"]'],
  sku: ['meta[itemprop="sku"]', 'meta[property="product:retailer_item_id"]'],
};
const ITEMPROP: Partial<Record<Concept, string[]>> = {
  name: ['name'], price: ['price', 'lowPrice'], currency: ['priceCurrency'], sku: ['sku', 'productID'], brand: ['brand'],
  availability: ['availability'], rating: ['ratingValue'], review_count: ['reviewCount'], image: ['image'], text: ['description'], date: ['datePublished'],
};
const SKU_LABEL = '(?:sku|art(?:ikel)?[.\\s-]*(?:nr|no|nummer)|item\\s*(?:no|#|number|code)|product\\s*(?:code|id|no)|ref(?:erence|érence|erencia)?|c[oó]digo|codice|model(?:\\s*(?:no|number))?|part\\s*(?:no|number))\\.?\\s*[:#]?\\s*';

export function detailField($: CheerioAPI, items: Obj[], f: RequestedField): DetailField {
  const found: Array<{ src: Source; how: string }> = [];
  const tried: string[] = [];
  for (const t of TYPES) {
    for (const p of JSON_PATHS[f.concept] ?? []) {
      const jp = `${t}.${p}`;
      const v = readTypedPath(items, jp);
      if (v !== null && looksLike(f.concept === 'price' ? 'other' : f.concept === 'sku' ? 'other' : f.concept, v, { source: 'json' })) {
        found.push({ src: { source: 'json', jsonPath: jp }, how: `structured data ${jp} = "${v.slice(0, 40)}"` });
        break;
      }
    }
    if (found.length) break;
  }
  tried.push(`structured data (${(JSON_PATHS[f.concept] ?? []).join(', ') || 'no path for ' + f.concept})`);
  for (const m of META[f.concept] ?? []) {
    const el = $(m).get(0) as El | undefined;
    const attr = el?.name === 'link' ? 'href' : 'content';
    if (el && el.attribs[attr]?.trim()) found.push({ src: { selector: m, source: 'attr', attribute: attr }, how: `${m} @${attr} = "${el.attribs[attr]!.slice(0, 40)}"` });
  }
  tried.push('meta tags');
  for (const ip of ITEMPROP[f.concept] ?? []) {
    const el = $(`[itemprop="${ip}"]`).get(0) as El | undefined;
    if (!el || el.name === 'meta' || el.name === 'link') continue;
    const sel = `[itemprop="${ip}"]`;
    const attr = el.attribs['content'] !== undefined ? 'content' : undefined;
    const v = attr ? el.attribs['content']! : textOf(el);
    if (v && v.length < 300) found.push({ src: attr ? { selector: sel, source: 'attr', attribute: attr } : { selector: sel, source: 'text' }, how: `${sel} = "${v.slice(0, 40)}"` });
  }
  tried.push('itemprop attributes');
  if (!found.length) {
    const h = hinted($, f.concept);
    if (h) found.push(h);
    tried.push(`class/id hints (${CONCEPT_HINTS[f.concept].slice(0, 6).join(', ')}) with value shape`);
  }
  if (!found.length && f.concept === 'sku') {
    const l = labelled($, SKU_LABEL);
    if (l) found.push(l);
    tried.push('"SKU:"-style labels');
  }
  if (!found.length && f.concept === 'currency') {
    const p = detailField($, items, { name: 'price', concept: 'price' });
    if (p.spec && p.spec.source !== 'json') {
      found.push({ src: { selector: p.spec.selector!, source: p.spec.source as 'text', ...(p.spec.attribute ? { attribute: p.spec.attribute } : {}), regex: '([$€£¥₹₽]|[A-Z]{3}|R\\$|zł|Kč|kr)' }, how: `currency sign in the price (${p.how})` });
    }
    tried.push('currency sign next to the price');
  }
  if (!found.length) return { spec: null, how: '', tried };
  const [first, ...rest] = found;
  const spec: FieldSpecInput = { name: f.name, type: fieldType(f.concept), ...first!.src };
  if (rest.length) spec.fallbacks = rest.slice(0, 3).map((r) => ({ ...r.src }));
  return { spec, how: first!.how, tried: [] };
}

/** First element, in document order, whose own class/id names the concept and whose text has the right shape. */
function hinted($: CheerioAPI, concept: Concept): { src: Source; how: string } | null {
  const hints = new Set(CONCEPT_HINTS[concept]);
  for (const el of $('body [class], body [id]').get() as El[]) {
    if (!nameTokens(el).some((t) => hints.has(t))) continue;
    if (/^(script|style|button|input|select|option|form|nav|ul|ol|table)$/.test(el.name)) continue;
    if (nameTokens(el).some((t) => /^(old|was|regular|strike|list|from|label|title|related|similar|cart|basket|filter)$/.test(t))) continue;
    const v = textOf(el);
    if (!v || v.length > 120 || !looksLike(concept, v, { source: 'text' })) continue;
    // The innermost such element: a child with the same text wins.
    if (concept === 'price' && !/\d/.test(ownText(el)) && $(el).children().length > 3) continue;
    const sel = pageSelector($, el);
    if (sel) return { src: { selector: sel, source: 'text' }, how: `css ${sel} text "${v.slice(0, 40)}"` };
  }
  return null;
}

/** "SKU: AB-123" in one element, or a label element followed by the value element. */
function labelled($: CheerioAPI, label: string): { src: Source; how: string } | null {
  const whole = new RegExp(`^${label}([A-Z0-9][\\w.\\/-]{2,30})$`, 'i');
  const lab = new RegExp(`^${label}$`, 'i');
  for (const el of $('body *').get() as El[]) {
    if (/^(script|style)$/.test(el.name)) continue;
    const t = textOf(el);
    if (t.length > 60) continue;
    if (whole.test(t) && /\d/.test(t.match(whole)![1]!)) {
      const sel = pageSelector($, el);
      if (sel) return { src: { selector: sel, source: 'text', regex: `([A-Z0-9][\\w.\\/-]{2,30})\\s*$` }, how: `css ${sel} label "${t.slice(0, 40)}"` };
    }
    if (lab.test(t) && el.next) {
      let nx: typeof el.next = el.next;
      while (nx && nx.type !== 'tag') nx = nx.next;
      if (nx && nx.type === 'tag' && looksLike('sku', textOf(nx as El), { source: 'text' })) {
        const sel = pageSelector($, nx as El);
        if (sel) return { src: { selector: sel, source: 'text' }, how: `css ${sel} after label "${t}"` };
      }
    }
  }
  return null;
}
