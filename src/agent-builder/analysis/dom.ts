/** Small DOM helpers shared by the analysers: stable selectors, text, tokens. Pure functions over cheerio. */
import type { CheerioAPI } from 'cheerio/slim';
import { selectOne } from 'css-select';
import type { AnyNode, Element } from 'domhandler';

export type El = Element;
export const isEl = (n: AnyNode | null | undefined): n is Element => !!n && (n.type === 'tag' || n.type === 'script' || n.type === 'style');
export const SKIP_TAGS = new Set(['script', 'style', 'noscript', 'template', 'svg', 'iframe', 'head', 'link', 'br', 'hr', 'path']);

/**
 * Classes that change per state or per build are useless in a selector that must work tomorrow; so are value
 * classes ("star-rating Three"), which would also split one column into one per value.
 */
const UNSTABLE_CLASS = /\d{4,}|^(?:js-|is-|has-|ng-|css-|sc-|jsx-)|active|selected|hover|focus|open|current|^[a-z]{1,2}\d|[^\w-]|^-|^\d|^(?:one|two|three|four|five)$/i;

export function stableClasses(el: El): string[] {
  return (el.attribs['class'] ?? '').split(/\s+/).filter((c) => c && c.length < 40 && !UNSTABLE_CLASS.test(c));
}

/** `tag.class1.class2` of one element. */
export function stepSel(el: El, maxClasses = 2): string {
  const cls = stableClasses(el).slice(0, maxClasses);
  return el.name + cls.map((c) => '.' + c).join('');
}

export function elementChildren(el: El): El[] {
  return el.children.filter((c): c is El => c.type === 'tag' && !SKIP_TAGS.has((c as El).name));
}

/** Visible text, whitespace collapsed, script/style skipped. */
const TEXT_MEMO = new WeakMap<AnyNode, string>();
/** Memoised: record detection asks for the text of every subtree many times. */
export function textOf(el: AnyNode): string {
  let t = TEXT_MEMO.get(el);
  if (t === undefined) { t = textOfRaw(el); TEXT_MEMO.set(el, t); }
  return t;
}
function textOfRaw(el: AnyNode): string {
  const parts: string[] = [];
  const walk = (n: AnyNode): void => {
    if (n.type === 'text') parts.push((n as unknown as { data: string }).data);
    else if (n.type === 'tag' && !SKIP_TAGS.has((n as El).name)) {
      if ((n as El).name === 'br' || /^(p|div|li|h\d)$/.test((n as El).name)) parts.push(' ');
      for (const c of (n as El).children) walk(c);
    }
  };
  walk(el);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

export function ownText(el: El): string {
  return el.children.filter((c) => c.type === 'text').map((c) => (c as unknown as { data: string }).data).join(' ').replace(/\s+/g, ' ').trim();
}

/** Tokens naming an element: class, id, itemprop, name, rel, split on - _ and camelCase, lower case. */
export function nameTokens(el: El): string[] {
  const a = el.attribs;
  const raw = [a['class'], a['id'], a['itemprop'], a['name'], a['property'], a['rel'], a['data-testid']].filter(Boolean).join(' ');
  const out = new Set<string>();
  for (const word of raw.split(/[\s:]+/)) {
    if (!word) continue;
    out.add(word.toLowerCase());
    for (const t of word.replace(/([a-z])([A-Z])/g, '$1 $2').split(/[\s_\-.]+/)) if (t) out.add(t.toLowerCase());
  }
  return [...out];
}

export function parentEl(el: El): El | null {
  const p = el.parent;
  return p && p.type === 'tag' ? (p as El) : null;
}

/** All descendant elements (pre-order), skipping non-content tags. */
export function descendants(root: El, out: El[] = []): El[] {
  for (const c of root.children) {
    if (c.type !== 'tag' || SKIP_TAGS.has((c as El).name)) continue;
    out.push(c as El);
    descendants(c as El, out);
  }
  return out;
}

/** First element matching `sel` inside any of the record's elements (descendants only), as the extractor does. */
export function findIn($: CheerioAPI, record: El[], sel: string): El | null {
  // css-select directly: cheerio's find() collects every match and wraps it, we only need the first.
  void $;
  for (const r of record) {
    const hit = selectOne<AnyNode, Element>(sel, r);
    if (hit) return hit;
  }
  return null;
}

/** Candidate page-level selectors for `el`, most readable first: #id, itemprop, tag.class, an ancestor chain. */
export function selectorCandidates(el: El): string[] {
  const id = el.attribs['id'];
  const cands: string[] = [];
  if (id && /^[A-Za-z][\w-]*$/.test(id) && !/\d{4,}/.test(id)) cands.push(`#${id}`);
  if (el.attribs['itemprop']) cands.push(`${el.name}[itemprop="${el.attribs['itemprop']}"]`);
  const cls = stableClasses(el);
  for (const c of cls) cands.push(`${el.name}.${c}`);
  if (cls.length > 1) cands.push(stepSel(el, 3));
  let chain = stepSel(el, 3);
  let p = parentEl(el);
  for (let i = 0; i < 4 && p; i++, p = parentEl(p)) {
    const pid = p.attribs['id'];
    chain = (pid && /^[A-Za-z][\w-]*$/.test(pid) ? `#${pid}` : stepSel(p)) + ' > ' + chain;
    cands.push(chain);
    if (pid) break;
  }
  return cands;
}

/** A selector for `el` whose first match in the document is `el` (page-index.ts has a faster one per page). */
export function pageSelector($: CheerioAPI, el: El): string | null {
  for (const s of selectorCandidates(el)) {
    try { if (selectOne<AnyNode, Element>(s, $.root()[0]!) === el) return s; } catch { /* invalid selector: next */ }
  }
  return null;
}
