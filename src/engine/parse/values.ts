/**
 * Raw extracted strings → typed field values, one rule per FieldType. The rule throughout: normalise what
 * can be read without doubt, otherwise keep the visible text rather than invent a value (a date we
 * cannot read stays as written; a rating "Three" is not turned into 3).
 */
import type { FieldType } from '../../domain/agent-spec.ts';
import type { RecordValue } from '../types.ts';
import { parseDate } from './dates.ts';
import { currencyToIso, parsePrice } from './price.ts';

export interface CoerceContext {
  /** URL of the page the value was found on, to resolve relative URLs. */
  baseUrl: string;
}

/** Turns a raw extracted string into the field's typed value; null when nothing usable remains. */
export function coerceValue(raw: string | null | undefined, type: FieldType, ctx: CoerceContext): RecordValue {
  if (raw == null) return null;
  const text = raw.replace(/\s+/g, ' ').trim();
  if (text === '') return null;
  switch (type) {
    case 'text':
      return text;
    case 'number':
      return parseLocaleNumber(text);
    case 'price':
      // A decimal string ("1235.99"): floats would round what the page says.
      return parsePrice(text).amount;
    case 'currency':
      return coerceCurrency(text);
    case 'url':
    case 'image':
      return coerceUrl(text, ctx.baseUrl);
    case 'date':
      return parseDate(text) ?? text;
    case 'boolean':
      return coerceBoolean(text);
    case 'rating':
      return coerceRating(text);
    case 'availability':
      return schemaAvailabilityName(text) ?? text;
  }
}

// ---------------------------------------------------------------------------------------------
// number

/**
 * The first number in the text, reading separators by locale: "1.234,56" and "1,234.56" → 1234.56,
 * "7,7" → 7.7, "1 234" → 1234. A single separator followed by exactly three digits is a thousands
 * separator ("1.234" → 1234) unless the integer part is 0 ("0.125"); that is the usual ambiguity and
 * the reading shops and review sites make more often.
 */
export function parseLocaleNumber(text: string): number | null {
  // Spaces and apostrophes only join digit groups of exactly three ("1 234", "1'234"); "4 out of 5" is 4.
  const m = /((?<![\p{L}\d])[-−])?(\d(?:[\d.,]|[ \u00a0\u202f'’](?=\d{3}(?!\d)))*)/u.exec(text);
  if (!m) return null;
  const sign = m[1] ? '-' : '';
  let num = m[2]!.replace(/[ \u00a0\u202f'’]/g, '').replace(/[.,]+$/, '');
  const seps = num.match(/[.,]/g) ?? [];
  const last = num.search(/[.,][^.,]*$/);
  if (seps.length === 0) {
    // nothing to decide
  } else if (new Set(seps).size === 2) {
    // Both kinds: the last one is the decimal point.
    const dec = num[last]!;
    num = num.slice(0, last).replace(/[.,]/g, '') + '.' + num.slice(last + 1).replace(dec === '.' ? /,/g : /\./g, '');
  } else if (seps.length > 1) {
    num = num.replace(/[.,]/g, '');
  } else {
    const [int = '', frac = ''] = num.split(/[.,]/);
    const thousands = frac.length === 3 && /^[1-9]\d{0,2}$/.test(int);
    num = thousands ? int + frac : `${int}.${frac}`;
  }
  const n = Number(sign + num);
  return Number.isFinite(n) ? n : null;
}

// ---------------------------------------------------------------------------------------------
// currency

/** ISO code when the symbol names one currency ("£" → "GBP"); else the symbol as written ("kr"). */
function coerceCurrency(text: string): string | null {
  const found = parsePrice(text).currency;
  if (found) return currencyToIso(found) ?? found;
  // Not a symbol we know: a short token is probably one we lack ("Kz", "Bs"), longer text is not.
  const iso = currencyToIso(text);
  if (iso) return iso;
  return text.length <= 4 && !/\d/.test(text) ? text : null;
}

// ---------------------------------------------------------------------------------------------
// url / image

/**
 * Absolute http(s) URL resolved against the page. A srcset ("a.jpg 1x, b.jpg 2x") gives its first URL;
 * CSS `url(...)` gives its argument. javascript:, data:, mailto: and the like give null: they are not
 * something to fetch or to show as a link.
 */
function coerceUrl(text: string, baseUrl: string): string | null {
  let s = text;
  const css = /url\(\s*(['"]?)(.*?)\1\s*\)/i.exec(s);
  if (css) s = css[2]!.trim();
  if (/\s\d+(?:\.\d+)?[wx]\s*(?:,|$)/.test(s) || /,\s+\S/.test(s)) s = s.split(/\s+/)[0]!.replace(/,$/, '');
  s = s.replace(/^['"]|['"]$/g, '');
  if (!s) return null;
  try {
    const u = new URL(s, baseUrl);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// boolean

const TRUE_WORDS = new Set(['yes', 'y', 'true', '1', 'on', 'checked', 'ja', 'oui', 'si', 'sí', 'da', 'tak', '✓', '✔', '☑']);
const FALSE_WORDS = new Set(['no', 'n', 'false', '0', 'off', 'unchecked', 'nee', 'nein', 'non', 'nie', 'нет', '✗', '✘', '☐']);

/** true/false for yes/no words in several languages and stock phrases; otherwise the text as found. */
function coerceBoolean(text: string): boolean | string {
  const t = text.toLowerCase().replace(/[.!]+$/, '');
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  const a = normalizeAvailability(text);
  if (a === 'InStock' || a === 'LimitedAvailability') return true;
  if (a === 'OutOfStock' || a === 'Discontinued') return false;
  return text;
}

// ---------------------------------------------------------------------------------------------
// rating

const NUMBER_WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/**
 * "4.5", "4,5 out of 5", "7.7/10" → "4.5" / "7.7" (the number as written, decimal comma made a point);
 * a number word on its own or in a class list ("star-rating Three") → that word, capitalised: the scale
 * is unknown, so it is not turned into a number here. Anything else: the text.
 */
function coerceRating(text: string): string {
  const num = /(?<![\d.,])\d+(?:[.,]\d+)?/.exec(text);
  if (num) return num[0].replace(',', '.');
  const tokens = text.split(/[\s,;|]+/);
  const word = tokens.find((t) => NUMBER_WORDS.includes(t.toLowerCase()));
  if (word && (tokens.length === 1 || tokens.every((t) => /^[\w-]+$/.test(t)))) return word[0]!.toUpperCase() + word.slice(1).toLowerCase();
  return text;
}

// ---------------------------------------------------------------------------------------------
// availability

export type Availability = 'InStock' | 'OutOfStock' | 'PreOrder' | 'BackOrder' | 'LimitedAvailability' | 'Discontinued';

/** schema.org ItemAvailability names, and what each means for comparisons. */
const SCHEMA_AVAILABILITY: ReadonlyMap<string, [name: string, meaning: Availability | null]> = new Map(
  (
    [
      ['InStock', 'InStock'], ['InStoreOnly', 'InStock'], ['OnlineOnly', 'InStock'], ['LimitedAvailability', 'LimitedAvailability'],
      ['OutOfStock', 'OutOfStock'], ['SoldOut', 'OutOfStock'], ['PreOrder', 'PreOrder'], ['PreSale', 'PreOrder'],
      ['BackOrder', 'BackOrder'], ['MadeToOrder', 'BackOrder'], ['Discontinued', 'Discontinued'], ['Reserved', null],
    ] as const
  ).map(([name, meaning]) => [name.toLowerCase(), [name, meaning]]),
);

const SCHEMA_VALUE_RE = /^(?:(?:(?:https?:)?\/\/)?(?:www\.)?schema\.org\/)?(?:ItemAvailability\/)?([A-Za-z]+)$/i;

/** "https://schema.org/InStock", "http://schema.org/OutOfStock", "instock" → the schema.org name. */
function schemaAvailabilityName(text: string): string | null {
  const m = SCHEMA_VALUE_RE.exec(text.trim());
  return m ? (SCHEMA_AVAILABILITY.get(m[1]!.toLowerCase())?.[0] ?? null) : null;
}

/**
 * Free-text phrases, accents removed and lower-cased, checked in this order: negative and qualified
 * phrases contain the positive ones ("nicht verfügbar" ⊃ "verfügbar", "only 2 left in stock" ⊃ "in stock").
 */
const AVAILABILITY_PHRASES: ReadonlyArray<[Availability, RegExp]> = [
  ['Discontinued', /discontinued|no longer (?:available|sold|made)|nicht mehr (?:erhaltlich|lieferbar|verfugbar)|niet meer (?:leverbaar|verkrijgbaar|beschikbaar)|n'est plus disponible|plus (?:disponible|fabrique)|descatalogado|fuori produzione|fuori catalogo/],
  ['PreOrder', /pre-?\s?order|vorbestell|voorbestel|pre-?\s?commande|preventa|pre-?venta|reserva(?:r)? ahora|prenota|coming soon/],
  ['BackOrder', /back-?\s?order|nachbestell|in nachlieferung|na-?\s?bestelling|en reapprovisionnement|bajo pedido|su ordinazione/],
  ['OutOfStock', /out of stock|sold out|unavailable|not (?:currently )?available|not in stock|no stock|nicht (?:auf lager|verfugbar|lieferbar|vorratig)|ausverkauft|vergriffen|niet (?:op voorraad|leverbaar|beschikbaar|verkrijgbaar)|uitverkocht|rupture|epuise|indisponible|(?:non|pas) disponible|agotad[oa]|sin (?:stock|existencias)|no disponible|esaurit[oa]|non disponibile|esgotado|indisponivel|brak w magazynie|niedostepny|wyprzedan|нет в наличии|отсутствует|slutsald|udsolgt|utsolgt|ikke pa lager|^0 (?:in stock|available)/],
  ['LimitedAvailability', /only \d+ left|few left|limited (?:stock|availability)|low stock|last (?:\d+ )?(?:items?|pieces?|units?)|nur noch \d+|wenige (?:verfugbar|auf lager|vorratig)|nog maar \d+|laatste \d+|plus que \d+|derniers? (?:articles?|exemplaires?)|quedan? (?:solo )?\d+|ultim[ie] \d+ (?:pezzi|disponibili)|solo \d+ (?:disponibil|rimast)/],
  ['InStock', /in stock|instock|\bavailable|ships (?:today|now|in)|(?:usually )?(?:ships|dispatched|despatched) within|usually (?:ships|dispatched)|expedie(?:e|s)? (?:sous|en|dans) \d|versandfertig|verzonden binnen|spedit[oa] entro|se envia en|ready to ship|op voorraad|leverbaar|beschikbaar|auf lager|lieferbar|verfugbar|vorratig|en stock|disponible|en existencia|disponibile|in magazzino|disponivel|em estoque|w magazynie|dostepny|в наличии|pa lager|^\d+ (?:stuks? )?(?:in stock|available|op voorraad|auf lager|en stock)/],
];

/**
 * The meaning of an availability value for comparisons: schema.org values and common free text in
 * English, Dutch, German, French, Spanish, Italian, Portuguese, Polish, Russian and Scandinavian. Null
 * when not recognised.
 */
export function normalizeAvailability(text: string | null | undefined): Availability | null {
  if (text == null) return null;
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return null;
  const schema = SCHEMA_VALUE_RE.exec(t);
  if (schema) {
    const hit = SCHEMA_AVAILABILITY.get(schema[1]!.toLowerCase());
    if (hit) return hit[1];
  }
  const folded = t.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  for (const [meaning, re] of AVAILABILITY_PHRASES) if (re.test(folded)) return meaning;
  return null;
}
