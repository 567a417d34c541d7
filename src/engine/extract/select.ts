/**
 * Selector matching tuned for running one spec over thousands of pages: selectors are compiled once per
 * string (css-select) and matched by a plain walk over the parsed tree. Cheerio's `.find()` recompiles and
 * wraps on every call, which costs more than parsing the page. Selectors css-select cannot compile on its
 * own (jQuery extensions such as `:first`/`:eq()`, or ones relative to the scope such as `> a`) go through
 * cheerio, which handles them.
 */
import type { CheerioAPI } from 'cheerio/slim';
import * as cheerio from 'cheerio/slim';
import { compile } from 'css-select';
import type { AnyNode, Element } from 'domhandler';

export type Compiled =
  | { kind: 'fn'; test: (el: Element) => boolean }
  | { kind: 'cheerio'; selector: string }
  | { kind: 'bad'; error: string };

const cache = new Map<string, Compiled>();
const CACHE_MAX = 5000;
let probe: CheerioAPI | undefined;

export function compileSelector(selector: string): Compiled {
  let c = cache.get(selector);
  if (c) return c;
  c = compileUncached(selector);
  // Specs are few; the bound only guards against a caller feeding unbounded distinct selectors.
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(selector, c);
  return c;
}

function compileUncached(selector: string): Compiled {
  const s = selector.trim();
  if (!s) return { kind: 'bad', error: 'empty selector' };
  const relative = /^[>+~]/.test(s) || /:scope\b/i.test(s);
  if (!relative) {
    try {
      return { kind: 'fn', test: compile<AnyNode, Element>(s) };
    } catch {
      // fall through: maybe a jQuery extension cheerio-select understands
    }
  }
  try {
    probe ??= cheerio.load('<div></div>');
    probe.root().find(s);
    return { kind: 'cheerio', selector: s };
  } catch (e) {
    return { kind: 'bad', error: (e as Error).message || 'invalid selector' };
  }
}

export function isElement(n: AnyNode): n is Element {
  return n.type === 'tag' || n.type === 'script' || n.type === 'style';
}

/**
 * First element matching within `scope`, in document order: each scope element itself, then its
 * descendants (a record's own element can be a field's target, e.g. the `<tr>` of a table row record).
 */
export function selectFirst($: CheerioAPI, c: Compiled, scope: AnyNode[]): Element | null {
  if (c.kind === 'bad') return null;
  if (c.kind === 'cheerio') return selectAllCheerio($, c.selector, scope, true)[0] ?? null;
  for (const n of scope) {
    const hit = firstIn(n, c.test, true);
    if (hit) return hit;
  }
  return null;
}

export function selectAll($: CheerioAPI, c: Compiled, scope: AnyNode[], includeSelf = true): Element[] {
  if (c.kind === 'bad') return [];
  if (c.kind === 'cheerio') return selectAllCheerio($, c.selector, scope, includeSelf);
  const out: Element[] = [];
  for (const n of scope) allIn(n, c.test, includeSelf, out);
  return out;
}

function firstIn(n: AnyNode, test: (el: Element) => boolean, self: boolean): Element | null {
  if (self && isElement(n) && test(n)) return n;
  if (!('children' in n)) return null;
  for (const child of n.children) {
    if (!isElement(child)) continue;
    const hit = firstIn(child, test, true);
    if (hit) return hit;
  }
  return null;
}

function allIn(n: AnyNode, test: (el: Element) => boolean, self: boolean, out: Element[]): void {
  if (self && isElement(n) && test(n)) out.push(n);
  if (!('children' in n)) return;
  for (const child of n.children) if (isElement(child)) allIn(child, test, true, out);
}

function selectAllCheerio($: CheerioAPI, selector: string, scope: AnyNode[], includeSelf: boolean): Element[] {
  try {
    const out: Element[] = [];
    for (const n of scope) {
      const $n = $(n);
      if (includeSelf && isElement(n) && $n.is(selector)) out.push(n);
      for (const el of $n.find(selector).toArray()) out.push(el);
    }
    return out;
  } catch {
    return [];
  }
}

const SKIP_TEXT = new Set(['script', 'style', 'template', 'head', 'noscript']);
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main',
  'nav', 'ol', 'option', 'p', 'pre', 'section', 'summary', 'table', 'td', 'th', 'tr', 'ul',
]);

/**
 * Visible text, whitespace collapsed. Block boundaries count as whitespace so `<p>a</p><p>b</p>` reads
 * "a b" (cheerio's `.text()` gives "ab"); script/style/template and the head are skipped below the element.
 */
export function visibleText(n: AnyNode): string {
  const parts: string[] = [];
  pushText(n, parts);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

function pushText(n: AnyNode, parts: string[]): void {
  if (n.type === 'text') {
    parts.push(n.data);
    return;
  }
  if (!('children' in n)) return;
  for (const c of n.children) {
    if (c.type === 'text') parts.push(c.data);
    else if (c.type === 'tag') {
      if (SKIP_TEXT.has(c.name)) continue;
      const block = BLOCK.has(c.name);
      if (block) parts.push(' ');
      pushText(c, parts);
      if (block) parts.push(' ');
    }
  }
}

/** Text of the element's own text nodes, not its children's. */
export function ownText(n: AnyNode): string {
  if (n.type === 'text') return n.data.replace(/\s+/g, ' ').trim();
  if (!('children' in n)) return '';
  let s = '';
  for (const c of n.children) if (c.type === 'text') s += c.data + ' ';
  return s.replace(/\s+/g, ' ').trim();
}

/** Attribute value; names are matched lower-cased too since the HTML parser lower-cases them. */
export function attrOf(n: AnyNode, name: string): string | null {
  if (!isElement(n)) return null;
  const v = n.attribs[name] ?? n.attribs[name.toLowerCase()];
  return v === undefined ? null : v;
}
