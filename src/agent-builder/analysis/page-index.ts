/**
 * One walk over a parsed page, shared by every analyser: elements in document order, by tag and by name token,
 * plus cheap subtree statistics. Analysis used to re-scan the document (and re-run whole-document CSS queries)
 * per field and per candidate group, which cost seconds on 1 MB shop pages; everything here is built once.
 */
import type { CheerioAPI } from 'cheerio/slim';
import { compile, selectOne } from 'css-select';
import type { AnyNode } from 'domhandler';
import { nameTokens, selectorCandidates, SKIP_TAGS, textOf, type El } from './dom.ts';

export interface PageIndex {
  /** Every element (any tag, head included) in document order. */
  all: El[];
  /** Elements inside <body>, body excluded, document order. */
  body: El[];
  order: Map<El, number>;
  byTag: Map<string, El[]>;
  /** Body elements by each of their name tokens (class, id, itemprop... split), document order. */
  byToken: Map<string, El[]>;
  /** Body elements whose visible text is short (≤ 80 chars) and not empty: label and value candidates. */
  short: El[];
}

const INDEX = new WeakMap<AnyNode, PageIndex>();

export function pageIndex($: CheerioAPI): PageIndex {
  const root = $.root()[0]!;
  let ix = INDEX.get(root);
  if (ix) return ix;
  ix = { all: [], body: [], order: new Map(), byTag: new Map(), byToken: new Map(), short: [] };
  const nonWs = new Map<El, number>();
  const walk = (n: AnyNode, inBody: boolean): number => {
    let chars = 0;
    for (const c of (n as El).children ?? []) {
      if (c.type === 'text') { chars += countNonWs((c as unknown as { data: string }).data); continue; }
      if (c.type !== 'tag' && c.type !== 'script' && c.type !== 'style') continue;
      const el = c as El;
      ix!.order.set(el, ix!.all.length);
      ix!.all.push(el);
      push(ix!.byTag, el.name, el);
      if (inBody) {
        ix!.body.push(el);
        for (const t of nameTokens(el)) push(ix!.byToken, t, el);
      }
      const sub = walk(el, inBody || el.name === 'body');
      nonWs.set(el, sub);
      if (!SKIP_TAGS.has(el.name)) chars += sub;
    }
    return chars;
  };
  walk(root, false);
  // Collapsed text is at least as long as its non-space characters, so big subtrees are skipped unread.
  for (const el of ix.body) {
    if (SKIP_TAGS.has(el.name) || (nonWs.get(el) ?? 0) > 80 || (nonWs.get(el) ?? 0) === 0) continue;
    const t = textOf(el);
    if (t && t.length <= 80) ix.short.push(el);
  }
  INDEX.set(root, ix);
  return ix;
}

function countNonWs(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c > 32 && c !== 160) n++; }
  return n;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v); else m.set(k, [v]);
}

/** Body elements carrying any of the tokens, in document order, each once. */
export function elementsWithTokens(ix: PageIndex, tokens: Iterable<string>): El[] {
  const set = new Set<El>();
  for (const t of tokens) for (const el of ix.byToken.get(t) ?? []) set.add(el);
  return [...set].sort((a, b) => ix.order.get(a)! - ix.order.get(b)!);
}

type Test = (el: El) => boolean;
const COMPILED = new Map<string, Test | null>();

/** A compiled selector test, cached across pages; null when css-select rejects the selector. */
export function selectorTest(sel: string): Test | null {
  let t = COMPILED.get(sel);
  if (t === undefined) {
    try { t = compile<AnyNode, El>(sel) as unknown as Test; } catch { t = null; }
    if (COMPILED.size > 20000) COMPILED.clear();
    COMPILED.set(sel, t);
  }
  return t;
}

/** The document's first match, stopping at it (cheerio's `$(sel).get(0)` computes every match first). */
export function firstMatch($: CheerioAPI, sel: string): El | null {
  try { return selectOne<AnyNode, El>(sel, $.root()[0]!); } catch { return null; }
}

/**
 * True when `sel` matches exactly the elements of `set` in the document, all of tag `tag` (the selector's last
 * step names it). Only elements with that tag are tested, and the scan stops at the first stray match.
 */
export function matchesExactly($: CheerioAPI, sel: string, set: Set<El>, tag: string): boolean {
  const test = selectorTest(sel);
  if (!test) return false;
  let hits = 0;
  for (const el of pageIndex($).byTag.get(tag) ?? []) {
    if (!test(el)) continue;
    if (!set.has(el)) return false;
    hits++;
  }
  return hits === set.size;
}

/**
 * True when `el` is the first element in the document matching `sel`: it matches, and no element before it
 * does. Only earlier elements are tested (of its tag when the selector's last step names the tag), where a
 * document query would walk the whole page for every candidate selector.
 */
export function isFirstMatch($: CheerioAPI, sel: string, el: El): boolean {
  const test = selectorTest(sel);
  if (!test || !test(el)) return false;
  const ix = pageIndex($);
  const last = sel.split(/\s*[>+~\s]\s*/).pop() ?? '';
  const pool = last.startsWith(el.name) && /^[a-z][\w-]*(?=[.#\[:]|$)/.exec(last)?.[0] === el.name ? ix.byTag.get(el.name) ?? [] : ix.all;
  const pos = ix.order.get(el)!;
  for (const e of pool) {
    if (e === el || ix.order.get(e)! >= pos) break;
    if (test(e)) return false;
  }
  return true;
}

/** `pageSelector` with the fast first-match check. */
export function pageSelector($: CheerioAPI, el: El): string | null {
  for (const s of selectorCandidates(el)) if (isFirstMatch($, s, el)) return s;
  return null;
}
