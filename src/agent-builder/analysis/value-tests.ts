/** Value-shape tests per concept: what a price, a date, a rating, a SKU… looks like, in several languages. */
import type { Concept } from '../prompt/concepts.ts';

const CUR = '[$€£¥₹₽₩₺₸]|R\\$|тг\\.?|\\b(?:USD|EUR|GBP|CHF|PLN|BRL|CAD|AUD|SEK|NOK|DKK|CZK|HUF|RON|JPY|INR|RUB|zł|kr|Kč|Ft|lei|руб|грн)\\b';
export const PRICE_RE = new RegExp(`^(?:[^\\d]{0,25})?(?:(?:${CUR})\\s*\\d[\\d.,\\s\\u00a0']*|\\d[\\d.,\\s\\u00a0']*\\s*(?:${CUR}))(?:[^\\d]{0,15})?$`, 'i');
const NUMBER_RE = /^\s*\d{1,7}(?:[.,]\d{1,2})?\s*$/;
const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januari|februari|maart|mei|juni|juli|augustus|oktober|januar|februar|märz|mai|okt|dez|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|gennaio|maggio|giugno|luglio|settembre|ottobre|dicembre';
export const DATE_RE = new RegExp(`^\\D{0,20}(?:\\d{4}-\\d{2}-\\d{2}(?:[T ][\\d:.+\\-Z]*)?|\\d{1,2}[-/.]\\d{1,2}[-/.]\\d{2,4}|\\d{1,2}\\.?\\s+(?:${MONTHS})\\w*\\.?,?\\s+\\d{4}|(?:${MONTHS})\\w*\\.?\\s+\\d{1,2},?\\s+\\d{4}|\\d+\\s+(?:days?|weeks?|months?|hours?|dagen|tagen|jours)\\s+(?:ago|geleden)?)\\s*$`, 'i');
const RATING_WORD = /\b(one|two|three|four|five)\b/i;
const RATING_RE = /^\s*(?:\d{1,2}(?:[.,]\d{1,2})?)\s*(?:\/\s*(?:5|10|100)|(?:out of|van|von|sur|de)\s+(?:5|10)|stars?|sterren|sterne|étoiles|star rating)?\s*$/i;
const STAR_CLASS = /(?:stars?|rating)[_-]?(\d(?:[_-]\d)?)\b/i;
const AVAIL_RE = /\b(?:in stock|out of stock|available|unavailable|sold out|pre-?order|backorder|op voorraad|leverbaar|uitverkocht|auf lager|lieferbar|ausverkauft|en stock|disponible|épuisé|agotado|disponibile|esaurito|dostępny|schema\.org\/\w*stock|instock|outofstock)\b/i;
const SKU_RE = /^(?:[\p{L} .#-]{0,25}[:#]\s*)?([A-Z0-9][A-Z0-9._\/-]{2,30})$/iu;

export function looksLike(concept: Concept, v: string, src: { source: string; attribute?: string }): boolean {
  const attr = src.attribute;
  switch (concept) {
    case 'price': return v.length < 50 && PRICE_RE.test(v) || (!!attr && attr === 'content' && NUMBER_RE.test(v));
    case 'currency': return /^(?:[A-Z]{3}|[$€£¥₹₽])$/.test(v.trim());
    case 'date': return attr === 'href' || attr === 'src' ? false : DATE_RE.test(v);
    case 'rating': {
      if (attr === 'class') return RATING_WORD.test(v) || STAR_CLASS.test(v);
      if (attr === 'href' || attr === 'src') return false;
      if (RATING_RE.test(v)) { const n = Number.parseFloat(v.replace(',', '.')); return n >= 0 && n <= 10; }
      return /^\s*\d(?:[.,]\d)?\s+(?:star|sterren|sterne|étoile)/i.test(v);
    }
    case 'availability': return v.length < 80 && AVAIL_RE.test(v);
    case 'sku': return v.length < 45 && /\d/.test(v) && SKU_RE.test(v.trim()) && !PRICE_RE.test(v) && !DATE_RE.test(v);
    case 'review_count': return /^\(?\d[\d,.]*\)?\s*(?:reviews?|ratings?|beoordelingen|recensies|bewertungen|avis|reseñas|votes?)?\)?$/i.test(v.trim());
    case 'url': return attr === 'href';
    case 'image': return attr === 'src' || attr === 'data-src';
    case 'email': return /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i.test(v) || attr === 'href' && v.startsWith('mailto:');
    case 'phone': return /^\+?[\d\s().-]{7,20}$/.test(v);
    case 'location': return v.length < 60 && !/\d{3,}/.test(v) && /^[\p{L} .'-]+,\s*[\p{L} .'-]+$/u.test(v);
    case 'address': return v.length < 150 && /\d/.test(v) && /,/.test(v);
    case 'author': return v.length >= 2 && v.length < 40 && v.split(/\s+/).length <= 4 && !/\d{2,}/.test(v) && !attr?.match(/href|src/);
    case 'text': return v.length >= 40 && !attr?.match(/href|src|class/);
    case 'summary': return v.length >= 3 && v.length <= 160 && !attr?.match(/href|src|class/);
    case 'name': return v.length >= 2 && v.length <= 250 && !attr?.match(/href|src|class|datetime/) && !PRICE_RE.test(v) && !DATE_RE.test(v);
    case 'brand': return v.length >= 2 && v.length < 40 && !attr?.match(/href|src|class/);
    case 'category': return v.length >= 2 && v.length < 60 && !attr?.match(/href|src|class/);
    default: return v.length > 0 && !attr?.match(/class/);
  }
}

/** A regex that keeps the rating out of a class attribute ("star-rating Three", "stars_4"). */
export function ratingClassRegex(values: string[]): string | undefined {
  if (values.some((v) => RATING_WORD.test(v))) return '\\b(One|Two|Three|Four|Five|one|two|three|four|five)\\b';
  if (values.some((v) => STAR_CLASS.test(v))) return '(?:stars?|rating)[_-]?(\\d(?:[_-]\\d)?)\\b';
  return undefined;
}
