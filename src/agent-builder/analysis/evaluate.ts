/**
 * Scores extracted records against a case's truth (format of fixtures/real): field mapping by name/synonym,
 * per-field compare rules, records matched by the first (identifying) field. Shared by the offline and online
 * builder evaluations.
 */
import { conceptOf, outputName } from '../prompt/concepts.ts';
import type { RecordValue, ScrapedRecord } from '../../engine/types.ts';
import type { FieldType } from '../../domain/agent-spec.ts';
import { coerceValue, normalizeAvailability } from '../../engine/parse/values.ts';
import { currencyToIso } from '../../engine/parse/price.ts';

/**
 * Truth is written as the page shows it ("11-08-2014"); the engine outputs typed values (ISO dates). Coercing
 * the truth with the output field's type compares meanings, not formats. Only for date-like types.
 */
export function coerceTruth(t: unknown, type: FieldType | undefined, baseUrl = 'http://127.0.0.1/'): unknown {
  if (type !== 'date' || typeof t !== 'string') return t;
  const c = coerceValue(t, type, { baseUrl });
  return c === null ? t : c;
}

export type CompareRule = 'number' | 'prefix' | 'any-of' | 'schema-availability' | 'exact';
export interface FieldScore { field: string; mappedTo: string | null; tp: number; predicted: number; actual: number; precision: number; recall: number; f1: number }

const norm = (v: unknown): string => (v === null || v === undefined ? '' : String(v)).replace(/\s+/g, ' ').trim();
const WORD_NUM: Record<string, string> = { one: '1', two: '2', three: '3', four: '4', five: '5' };

/** Availability meaning: InStock / OutOfStock / '' from schema URLs or words in several languages. */
export function availabilityMeaning(v: unknown): string {
  const s = norm(v).toLowerCase();
  if (!s) return '';
  if (/out ?of ?stock|outofstock|sold ?out|unavailable|discontinued|uitverkocht|ausverkauft|épuisé|agotado|esaurito|niet leverbaar|not available/.test(s)) return 'OutOfStock';
  if (/in ?stock|instock|available|limitedavailability|presale|preorder|op voorraad|leverbaar|auf lager|lieferbar|en stock|disponible|disponibile|true/.test(s)) return 'InStock';
  // The engine's own reading covers more languages ("Disponível", "в наличии").
  const n = normalizeAvailability(s);
  if (n === 'OutOfStock' || n === 'Discontinued') return 'OutOfStock';
  if (n) return 'InStock';
  return s;
}

function num(v: unknown): number | null {
  const s = norm(v).toLowerCase();
  if (WORD_NUM[s]) return Number(WORD_NUM[s]);
  const m = s.replace(/(\d)[\s\u00a0'](?=\d{3}\b)/g, '$1').match(/-?\d[\d.,]*/);
  if (!m) return null;
  let t = m[0];
  if (/,\d{1,2}$/.test(t)) t = t.replace(/\./g, '').replace(',', '.');
  else t = t.replace(/,/g, '');
  const n = Number.parseFloat(t);
  return Number.isFinite(n) ? n : null;
}

export function valuesEqual(got: RecordValue | undefined, truth: unknown, rule: CompareRule): boolean {
  const g = norm(got);
  if (!g) return false;
  switch (rule) {
    case 'number': { const a = num(g), b = num(truth); return a !== null && b !== null && Math.abs(a - b) < 1e-9; }
    case 'prefix': { const t = norm(truth); return t.length > 0 && g.startsWith(t); }
    case 'any-of': return (truth as unknown[]).some((t) => norm(t).toLowerCase() === g.toLowerCase() || sameCurrency(norm(t), g) || (num(t) !== null && /^\d+([.,]\d+)?$/.test(norm(t)) && num(t) === num(g) && /^\d+([.,]\d+)?$/.test(g)));
    case 'schema-availability': return availabilityMeaning(g) === availabilityMeaning(Array.isArray(truth) ? truth[0] : truth);
    default: {
      const t = norm(truth);
      // A rating word and its number mean the same rating ("Three" = 3).
      if (WORD_NUM[t.toLowerCase()] && num(g) === Number(WORD_NUM[t.toLowerCase()])) return true;
      return g === t;
    }
  }
}

/** Maps each case field to an output field: same normalised name, then same concept. */
export function mapFields(caseFields: string[], outputFields: string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const used = new Set<string>();
  for (const f of caseFields) {
    const exact = outputFields.find((o) => !used.has(o) && outputName(o) === outputName(f));
    const bySyn = exact ?? outputFields.find((o) => !used.has(o) && conceptOf(o.replace(/_/g, ' ')) === conceptOf(f) && conceptOf(f) !== 'other');
    out[f] = bySyn ?? null;
    if (bySyn) used.add(bySyn);
  }
  return out;
}

const CURRENCY_SIGNS: Record<string, string> = { '€': 'EUR', '$': 'USD', '£': 'GBP', '¥': 'JPY', '₹': 'INR', '₽': 'RUB', 'R$': 'BRL', 'zł': 'PLN', 'Kč': 'CZK' };
/** "€" and "EUR" name the same currency; so do "Lei" and "RON" (the engine's symbol table decides). */
function sameCurrency(a: string, b: string): boolean {
  const c = (x: string): string => CURRENCY_SIGNS[x] ?? currencyToIso(x) ?? x.toUpperCase();
  return a.length <= 4 && b.length <= 4 && c(a) === c(b);
}

const isEmptyTruth = (t: unknown): boolean => t === undefined || t === null || norm(t) === '' || (Array.isArray(t) && t.length === 0);

/** List case: records matched in order by the first field; returns per-field scores. */
export function scoreList(caseFields: string[], compare: Record<string, CompareRule>, truth: Record<string, unknown>[], got: ScrapedRecord[], types: Record<string, FieldType> = {}): FieldScore[] {
  const map = mapFields(caseFields, Object.keys(got[0] ?? {}));
  const idField = caseFields[0]!;
  const idOut = map[idField];
  const pairs: Array<[Record<string, unknown>, ScrapedRecord | null]> = [];
  let cursor = 0;
  for (const t of truth) {
    let hit: ScrapedRecord | null = null;
    if (idOut) {
      for (let i = cursor; i < got.length; i++) {
        if (valuesEqual(got[i]![idOut], t[idField], compare[idField] ?? 'exact')) { hit = got[i]!; cursor = i + 1; break; }
      }
    }
    pairs.push([t, hit]);
  }
  return caseFields.map((f) => {
    const o = map[f] ?? null;
    const rule = compare[f] ?? 'exact';
    let tp = 0;
    for (const [t, g] of pairs) if (o && g && !isEmptyTruth(t[f]) && valuesEqual(g[o], coerceTruth(t[f], types[o]), rule)) tp++;
    const predicted = o ? got.filter((g) => norm(g[o]) !== '').length : 0;
    const actual = truth.filter((t) => !isEmptyTruth(t[f])).length;
    return finish(f, o, tp, predicted, actual);
  });
}

/** One-record case (a detail page): a field with empty truth is not scored. */
export function scoreSingle(caseFields: string[], compare: Record<string, CompareRule>, truth: Record<string, unknown>, got: ScrapedRecord | null): FieldScore[] {
  const map = mapFields(caseFields, Object.keys(got ?? {}));
  return caseFields.filter((f) => f in truth).map((f) => {
    const o = map[f] ?? null;
    const t = truth[f];
    if (isEmptyTruth(t)) return finish(f, o, 0, 0, 0);
    const v = o && got ? got[o] : null;
    const predicted = norm(v) ? 1 : 0;
    // Truth lists are lists of acceptable answers: any one of them counts, under the field's rule.
    const answers = Array.isArray(t) ? t : [t];
    const rule = compare[f] ?? 'any-of';
    const tp = predicted && answers.some((a) => valuesEqual(v, rule === 'any-of' ? [a] : a, rule)) ? 1 : 0;
    return finish(f, o, tp, predicted, 1);
  });
}

function finish(field: string, mappedTo: string | null, tp: number, predicted: number, actual: number): FieldScore {
  const precision = predicted ? tp / predicted : actual ? 0 : 1;
  const recall = actual ? tp / actual : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { field, mappedTo, tp, predicted, actual, precision, recall, f1 };
}

/** Sums each field's counts over many single-page scores (fields never present in the truth are left out). */
export function poolScores(fields: string[], perPage: FieldScore[][]): FieldScore[] {
  return fields
    .map((field) => {
      const xs = perPage.map((s) => s.find((x) => x.field === field)).filter((x): x is FieldScore => !!x);
      const tp = xs.reduce((a, x) => a + x.tp, 0), predicted = xs.reduce((a, x) => a + x.predicted, 0), actual = xs.reduce((a, x) => a + x.actual, 0);
      const p = predicted ? tp / predicted : 1, rr = actual ? tp / actual : 1;
      return { field, mappedTo: xs[0]?.mappedTo ?? null, tp, predicted, actual, precision: p, recall: rr, f1: p + rr ? (2 * p * rr) / (p + rr) : 0 };
    })
    .filter((x) => x.actual > 0);
}

export function macroF1(scores: FieldScore[]): number {
  const s = scores.filter((x) => x.actual > 0 || x.predicted > 0);
  return s.length ? s.reduce((a, x) => a + x.f1, 0) / s.length : 0;
}
