/**
 * Finds repeated record regions: siblings under one parent that share a tag+class signature (MDR-style), with
 * records spread over k sibling elements detected by periodicity. Candidates are ranked by size, text mass and
 * link density here; the analyser re-ranks the best ones by how many requested fields they can supply.
 */
import type { CheerioAPI } from 'cheerio/slim';
import { descendants, elementChildren, SKIP_TAGS, stableClasses, stepSel, textOf, parentEl, type El } from './dom.ts';
import { matchesExactly } from './page-index.ts';

export interface RecordGroup {
  selector: string;
  span: number;
  records: El[][];
  score: number;
}

function signature(el: El): string {
  return el.name + '.' + stableClasses(el).sort().join('.');
}

/** Link text length and element count under an element, memoised: nested groups ask for the same subtrees. */
const STATS = new WeakMap<El, { link: number; count: number }>();
function subtreeStats(el: El): { link: number; count: number } {
  let s = STATS.get(el);
  if (s) return s;
  s = { link: 0, count: 0 };
  for (const c of el.children) {
    if (c.type !== 'tag' || SKIP_TAGS.has((c as El).name)) continue;
    const k = subtreeStats(c as El);
    s.link += k.link + ((c as El).name === 'a' ? textOf(c).length : 0);
    s.count += 1 + k.count;
  }
  STATS.set(el, s);
  return s;
}
const linkTextLen = (el: El): number => subtreeStats(el).link;
/** Groups past this rank are never chosen in practice; each costs selector checks over the page. */
const MAX_SELECTOR_TRIES = 40;

export function findRecordGroups($: CheerioAPI, maxGroups = 8): RecordGroup[] {
  const body = $('body').get(0) as El | undefined;
  if (!body) return [];
  const out: RecordGroup[] = [];
  const all = [body, ...descendants(body)];
  for (const parent of all) {
    const kids = elementChildren(parent);
    if (kids.length < 2) continue;
    const bySig = new Map<string, number[]>();
    kids.forEach((k, i) => { const s = signature(k); bySig.set(s, [...(bySig.get(s) ?? []), i]); });
    for (const [sig, idx] of bySig) {
      if (idx.length < 3) continue;
      const span = detectSpan(kids, idx);
      const records = idx.map((i) => kids.slice(i, i + span));
      const texts = records.map((r) => r.map((e) => textOf(e)).join(' '));
      const withText = texts.filter((t) => t.length > 0).length;
      if (withText < Math.max(3, idx.length * 0.6)) continue;
      const totalLen = texts.reduce((a, t) => a + t.length, 0);
      const avgLen = totalLen / records.length;
      if (avgLen < 8) continue;
      const links = records.reduce((a, r) => a + r.reduce((b, e) => b + linkTextLen(e), 0), 0);
      const linkDensity = totalLen ? links / totalLen : 1;
      const distinct = new Set(texts).size / texts.length;
      const leafs = records.slice(0, 10).reduce((a, r) => a + r.reduce((b, e) => b + subtreeStats(e).count + 1, 0), 0) / Math.min(10, records.length);
      const score = Math.log2(records.length + 1) * Math.log2(avgLen + 2) * Math.log2(leafs + 2) * (1 - 0.7 * linkDensity) * distinct;
      out.push({ selector: '', span, records, score, sig } as RecordGroup & { sig: string });
    }
  }
  out.sort((a, b) => b.score - a.score);
  const chosen: RecordGroup[] = [];
  for (const g of out.slice(0, MAX_SELECTOR_TRIES)) {
    if (chosen.length >= maxGroups) break;
    const sel = recordSelector($, g.records.map((r) => r[0]!));
    if (!sel) continue;
    g.selector = sel;
    chosen.push(g);
  }
  return chosen;
}

/** Records spread over k siblings (header + body): the group's members recur every k children, the gap holds text. */
function detectSpan(kids: El[], idx: number[]): number {
  const gaps = new Set<number>();
  for (let i = 1; i < idx.length; i++) gaps.add(idx[i]! - idx[i - 1]!);
  if (gaps.size !== 1) return 1;
  const k = [...gaps][0]!;
  if (k < 2 || k > 5) return 1;
  const between = idx.slice(0, -1).map((i) => kids.slice(i + 1, i + k));
  const sigs = new Set(between.map((b) => b.map(signature).join('|')));
  if (sigs.size !== 1) return 1;
  const textBetween = between.filter((b) => b.some((e) => textOf(e).length > 0)).length;
  return textBetween >= between.length * 0.6 ? k : 1;
}

/** A selector matching exactly the records' first elements, preferring class names, then a parent chain. */
export function recordSelector($: CheerioAPI, firsts: El[]): string | null {
  const set = new Set(firsts);
  const el = firsts[0]!;
  const exact = (sel: string): boolean => matchesExactly($, sel, set, el.name);
  const own = [stepSel(el, 3), ...stableClasses(el).map((c) => `${el.name}.${c}`), ...(el.attribs['itemtype'] ? [`${el.name}[itemtype="${el.attribs['itemtype']}"]`] : [])];
  for (const s of own) if (exact(s)) return s;
  let chain = stepSel(el, 3);
  let p = parentEl(el);
  for (let i = 0; i < 5 && p; i++, p = parentEl(p)) {
    const id = p.attribs['id'];
    const ps = id && /^[A-Za-z][\w-]*$/.test(id) ? `#${id}` : stepSel(p, 3);
    chain = `${ps} > ${chain}`;
    if (exact(chain)) return chain;
  }
  return null;
}
