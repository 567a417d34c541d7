/**
 * Names the columns: scores every (requested field, column) pair by name hints (class/id/itemprop/label
 * tokens), value shape and coverage, then assigns greedily, best pair first, one column per field.
 */
import { CONCEPT_HINTS, type Concept } from '../prompt/concepts.ts';
import type { RequestedField } from '../prompt/parse-prompt.ts';
import type { Column } from './columns.ts';
import { looksLike } from './value-tests.ts';

const HEADING = /^h[1-6]$/;

export function scoreColumn(concept: Concept, c: Column, fieldName: string): number {
  const vals = c.values.filter((v): v is string => v !== null && v !== '');
  if (!vals.length) return 0;
  const n = c.values.length;
  const coverage = vals.length / n;
  const shape = vals.filter((v) => looksLike(concept, v, c.src)).length / vals.length;
  const hints = new Set([...CONCEPT_HINTS[concept], ...fieldName.split('_')]);
  const ownHit = c.own.some((t) => hints.has(t)) ? 1 : 0;
  const exactOwn = c.own.some((t) => t === fieldName || CONCEPT_HINTS[concept].includes(t) && !t.includes('-')) ? 0.3 : 0;
  const ancHit = c.anc.some((t) => hints.has(t)) ? 0.5 : 0;
  const labelHit = c.label && [...hints].some((h) => h.length > 2 && c.label.includes(h)) ? 0.8 : 0;
  let hint = Math.min(1.5, ownHit + exactOwn + ancHit + labelHit);
  const avgLen = vals.reduce((a, v) => a + v.length, 0) / vals.length;
  const distinct = new Set(vals).size / vals.length;
  let bonus = 0;
  switch (concept) {
    case 'name':
      if (HEADING.test(c.tag) || c.tag === 'a') bonus += 0.6;
      if (c.src.attribute === 'title') bonus += 0.3;
      bonus += distinct - 1;
      if (avgLen > 200) bonus -= 1;
      break;
    case 'text':
      bonus += Math.min(avgLen / 150, 1.2) + distinct - 1;
      break;
    case 'summary':
      if (HEADING.test(c.tag)) bonus += 0.4;
      bonus += distinct - 1;
      break;
    case 'author':
      if (c.tag === 'a') bonus += 0.2;
      if (c.own.some((t) => /user|reviewer|author/.test(t))) bonus += 0.5;
      bonus += distinct - 1;
      break;
    case 'rating':
      if (c.src.attribute === 'content' && c.own.includes('ratingvalue')) bonus += 0.8;
      // Review pages often show sub-ratings next to the overall one: prefer main/overall/average.
      if (c.own.some((t) => /^(sub|count|best|worst|max)$/.test(t)) || c.anc.includes('sub')) bonus -= 1.2;
      if ([...c.own, ...c.anc].some((t) => /^(main|overall|average|avg|total|gemiddelde)$/.test(t))) bonus += 0.6;
      if (c.own.includes('best') || c.own.includes('hide')) bonus -= 0.5;
      break;
    case 'date':
      if (c.src.attribute === 'content' || c.src.attribute === 'datetime') bonus += 0.3;
      if (c.src.attribute === 'title') bonus -= 0.4;
      break;
    case 'url': if (HEADING.test(c.tag) || c.anc.some((t) => /^h\d$|title|name/.test(t))) bonus += 0.3; break;
    case 'price': if (c.own.some((t) => /old|was|regular|strike|list/.test(t))) bonus -= 0.8; break;
    default: break;
  }
  // A column that is all the same text is template, unless it is a status or unit that may well be constant.
  if (vals.length >= 3 && distinct < 0.2 && !['availability', 'currency', 'rating', 'brand', 'category', 'date'].includes(concept)) bonus -= 1.5;
  if (shape < 0.5) hint *= 0.4;
  const s = coverage * (1.2 * hint + 1.6 * shape + bonus);
  return shape < 0.3 ? Math.min(s, 0.3) : s;
}

export interface Assignment { field: RequestedField; column: Column | null; score: number; tried: string[] }

export function assignColumns(fields: RequestedField[], cols: Column[], usable: (c: Column) => boolean = () => true): Assignment[] {
  const pairs: Array<{ fi: number; ci: number; s: number }> = [];
  fields.forEach((f, fi) => cols.forEach((c, ci) => {
    const s = scoreColumn(f.concept, c, f.name);
    if (s > 0.9) pairs.push({ fi, ci, s });
  }));
  pairs.sort((a, b) => b.s - a.s);
  const out: Assignment[] = fields.map((f) => ({ field: f, column: null, score: 0, tried: [] }));
  const usedCols = new Set<number>();
  const usedEls = new Set<string>();
  for (const p of pairs) {
    const a = out[p.fi]!;
    if (a.column || usedCols.has(p.ci)) continue;
    // The same element read another way (text vs title) must not feed two fields.
    const elKey = cols[p.ci]!.key.split('|')[0]!;
    if (usedEls.has(elKey) && !/attr:(title|content|href|src|class)/.test(cols[p.ci]!.key)) continue;
    if (!usable(cols[p.ci]!)) continue;
    a.column = cols[p.ci]!;
    a.score = p.s;
    usedCols.add(p.ci);
    usedEls.add(elKey);
  }
  for (const a of out) {
    if (a.column) continue;
    const best = cols.map((c) => ({ c, s: scoreColumn(a.field.concept, c, a.field.name) })).sort((x, y) => y.s - x.s).slice(0, 3);
    a.tried = [`${a.field.concept} hints (${CONCEPT_HINTS[a.field.concept].slice(0, 6).join(', ')}) and value shape over ${cols.length} columns`, ...best.map((b) => `${b.c.selector ?? '(record)'} ${b.c.src.source}${b.c.src.attribute ? ':' + b.c.src.attribute : ''} scored ${b.s.toFixed(2)}`)];
  }
  return out;
}
