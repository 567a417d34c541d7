/**
 * Aligns the fields of the records into candidate columns. Each element is keyed by its tag.class path from the
 * record root (a cheap stand-in for partial tree alignment that holds on template-generated lists), and each
 * value source (visible text, title/alt/content/datetime/href/src, a rating class) becomes its own column.
 */
import type { CheerioAPI } from 'cheerio/slim';
import { descendants, findIn, nameTokens, ownText, parentEl, stableClasses, stepSel, textOf, type El } from './dom.ts';

export type Source = { source: 'text' | 'attr'; attribute?: string };
export interface Column {
  key: string;
  /** One element per record (null when the record lacks it). */
  els: (El | null)[];
  values: (string | null)[];
  src: Source;
  /** Name tokens of the element itself (strong) and of its ancestors inside the record (weak). */
  own: string[];
  anc: string[];
  tag: string;
  /** Short text just before the element ("Price:"), a label hint. */
  label: string;
  /** Selector relative to the record; undefined when the record element itself holds the value. */
  selector?: string | undefined;
  selectorOk: boolean;
}

const ATTRS = ['title', 'alt', 'content', 'datetime', 'href', 'src', 'data-src', 'aria-label', 'value'];
const RATING_CLASS = /\b(?:one|two|three|four|five)\b|\b(?:stars?|rating)[_-]?\d/i;

export function buildColumns($: CheerioAPI, records: El[][]): Column[] {
  const cols = new Map<string, Column>();
  const n = records.length;
  records.forEach((rec, ri) => {
    const seen = new Set<string>();
    for (const root of rec) {
      for (const el of [root, ...descendants(root)]) {
        const path = relPath(el, rec);
        const add = (src: Source, value: string): void => {
          const key = `${path}|${src.source}:${src.attribute ?? ''}`;
          if (seen.has(key)) return;
          seen.add(key);
          let c = cols.get(key);
          if (!c) {
            c = { key, els: Array(n).fill(null), values: Array(n).fill(null), src, own: nameTokens(el), anc: ancTokens(el, rec), tag: el.name, label: labelOf(el), selectorOk: false };
            cols.set(key, c);
          }
          c.els[ri] = el;
          c.values[ri] = value;
        };
        const own = ownText(el);
        if (own) add({ source: 'text' }, textOf(el));
        for (const a of ATTRS) {
          const v = el.attribs[a];
          if (v === undefined || !v.trim()) continue;
          if (a === 'value' && el.name !== 'data' && el.name !== 'meter') continue;
          add({ source: 'attr', attribute: a }, v.replace(/\s+/g, ' ').trim());
        }
        const cls = el.attribs['class'];
        if (cls && RATING_CLASS.test(cls)) add({ source: 'attr', attribute: 'class' }, cls);
      }
    }
  });
  const minCover = Math.max(2, Math.ceil(n * 0.3));
  const out = [...cols.values()].filter((c) => c.values.filter((v) => v !== null).length >= Math.min(minCover, n));
  return out;
}

/** Selectors are costly to validate, so only columns that win a field get one. False: no stable selector. */
export function ensureSelector($: CheerioAPI, c: Column, records: El[][]): boolean {
  if (c.selectorOk) return true;
  const s = chooseSelector($, c, records);
  if (s === null) return false;
  c.selector = s;
  c.selectorOk = true;
  return true;
}

function relPath(el: El, rec: El[]): string {
  const parts: string[] = [];
  let cur: El | null = el;
  while (cur && !rec.includes(cur)) { parts.unshift(stepSel(cur)); cur = parentEl(cur); }
  return `${cur ? rec.indexOf(cur) : -1}/${parts.join('>')}`;
}

function ancTokens(el: El, rec: El[]): string[] {
  const out: string[] = [];
  let cur = parentEl(el);
  let depth = 0;
  while (cur && depth < 4) {
    out.push(...nameTokens(cur));
    if (rec.includes(cur)) break;
    cur = parentEl(cur);
    depth++;
  }
  return out;
}

function labelOf(el: El): string {
  let prev = el.prev;
  while (prev && prev.type === 'text' && !(prev as unknown as { data: string }).data.trim()) prev = prev.prev;
  if (!prev) return '';
  const t = prev.type === 'text' ? (prev as unknown as { data: string }).data : prev.type === 'tag' ? textOf(prev as El) : '';
  const s = t.replace(/\s+/g, ' ').trim();
  return s.length <= 30 ? s.toLowerCase() : '';
}

/** Shortest selector that, in every sampled record, finds this column's element first (or nothing when absent). */
function chooseSelector($: CheerioAPI, c: Column, records: El[][]): string | undefined | null {
  const idx = c.els.findIndex((e) => e !== null);
  const el = c.els[idx]!;
  if (records[idx]!.includes(el)) return records[idx]![0] === el ? undefined : null;
  const cands: string[] = [];
  const ip = el.attribs['itemprop'];
  if (ip) cands.push(`[itemprop="${ip}"]`);
  const cls = stableClasses(el);
  for (const k of cls) cands.push(`.${k}`);
  for (const k of cls) cands.push(`${el.name}.${k}`);
  if (cls.length > 1) cands.push(stepSel(el, 3));
  const parent = parentEl(el);
  if (parent && !records[idx]!.includes(parent)) {
    const ps = stepSel(parent);
    cands.push(`${ps} > ${el.name}`, ...cls.map((k) => `${ps} > ${el.name}.${k}`));
    if (!cls.length) { const gp = parentEl(parent); if (gp && !records[idx]!.includes(gp)) cands.push(`${stepSel(gp)} > ${ps} > ${el.name}`); }
  }
  cands.push(el.name);
  const path = c.key.split('|')[0]!.split('/')[1]!;
  cands.push(path.split('>').join(' > '));
  const sample = records.map((r, i) => i).filter((i) => i < 12 || i % 7 === 0);
  for (const s of cands) {
    let ok = true;
    for (const i of sample) {
      let hit: El | null;
      try { hit = findIn($, records[i]!, s); } catch { ok = false; break; }
      if (c.els[i] !== null && hit !== c.els[i]) { ok = false; break; }
    }
    if (ok) return s;
  }
  return null;
}
