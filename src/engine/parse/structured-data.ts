/**
 * Embedded structured data: JSON-LD, microdata and meta tags (OpenGraph, product:*, twitter:*, itemprop).
 * See /work/shared/docs/extraction.md §6. Everything is gathered in one walk over the parsed document so
 * callers can afford it per page; the page loader still calls this lazily, only when a spec needs it.
 */
import type { CheerioAPI } from 'cheerio/slim';
import type { AnyNode, Element } from 'domhandler';

export type StructuredItem = Record<string, unknown> & { '@type'?: string | string[] };

export interface StructuredData {
  /** Every typed object, JSON-LD first (document order, outer before nested), then microdata. */
  items: StructuredItem[];
  /** og:*, product:*, twitter:*, article:*, itemprop metas, `description` and `title`; first value wins. */
  meta: Record<string, string>;
  /** One line per JSON-LD block that could not be parsed even after repair (the block is skipped). */
  warnings: string[];
}

/** Items that came from microdata; JSON-LD is preferred when both describe the same things. */
const microdataItems = new WeakSet<object>();

export function itemSource(item: StructuredItem): 'json-ld' | 'microdata' {
  return microdataItems.has(item) ? 'microdata' : 'json-ld';
}

// Deeper nesting than this is either an attack or noise; stop walking instead of risking the stack.
const MAX_DEPTH = 64;

export function extractStructuredData($: CheerioAPI): StructuredData {
  const scripts: string[] = [];
  const scopes: Element[] = [];
  // Null prototype: keys come from the page (itemprop="constructor" must be stored, not shadowed).
  const meta: Record<string, string> = Object.create(null) as Record<string, string>;
  collect($.root()[0]!, scripts, scopes, meta, false);

  const items: StructuredItem[] = [];
  const warnings: string[] = [];
  scripts.forEach((text, i) => {
    if (!text.trim()) return;
    const values = parseJsonLd(text);
    if (values === null) {
      warnings.push(`JSON-LD block ${i + 1}: unparseable, skipped (${text.trim().slice(0, 60).replace(/\s+/g, ' ')}…)`);
      return;
    }
    for (const v of values) walk(v, items, 0);
  });

  const micro: StructuredItem[] = [];
  for (const el of scopes) walk(readMicrodataItem(el, 0), micro, 0);
  for (const m of micro) microdataItems.add(m);
  items.push(...micro);
  return { items, meta, warnings };
}

/** One walk collecting JSON-LD script texts, top-level itemscopes and metas. */
function collect(node: AnyNode, scripts: string[], scopes: Element[], meta: Record<string, string>, inScope: boolean): void {
  const children = 'children' in node ? node.children : undefined;
  if (!children) return;
  for (const child of children) {
    if (child.type !== 'tag' && child.type !== 'script' && child.type !== 'style') continue;
    const el = child as Element;
    const a = el.attribs;
    if (el.name === 'script') {
      if ((a.type ?? '').trim().toLowerCase().startsWith('application/ld+json')) scripts.push(textContent(el));
      continue;
    }
    if (el.name === 'meta') readMeta(a, meta);
    else if (el.name === 'title' && meta.title === undefined) {
      const t = collapse(textContent(el));
      if (t) meta.title = t;
    }
    let nowInScope = inScope;
    if (a.itemscope !== undefined) {
      // A scope that is not some item's property is a top-level item (also when a stray itemprop sits outside any item).
      if (a.itemprop === undefined || !inScope) scopes.push(el);
      nowInScope = true;
    }
    collect(el, scripts, scopes, meta, nowInScope);
  }
}

const META_PREFIX = /^(og|product|twitter|article|book|music|video|profile):/i;

function readMeta(a: Record<string, string>, meta: Record<string, string>): void {
  const content = a.content;
  if (content === undefined) return;
  const value = content.trim();
  if (!value) return;
  const keys: string[] = [];
  for (const k of [a.property, a.name]) if (k && (META_PREFIX.test(k) || k.toLowerCase() === 'description')) keys.push(k.toLowerCase());
  if (a.itemprop) keys.push(...a.itemprop.trim().split(/\s+/));
  for (const k of keys) if (meta[k] === undefined) meta[k] = value;
}

/** Parses one JSON-LD block, repairing common breakage; null when it stays unparseable. */
export function parseJsonLd(text: string): unknown[] | null {
  const cleaned = text
    .replace(/^\s*(?:\/\/\s*)?<!\[CDATA\[/, '')
    .replace(/(?:\/\/\s*)?\]\]>\s*$/, '')
    .replace(/^\s*<!--/, '')
    .replace(/-->\s*$/, '')
    .trim();
  if (!cleaned) return null;
  try {
    return [JSON.parse(cleaned)];
  } catch {
    return repairJson(cleaned);
  }
}

/**
 * Tolerant pass for blocks JSON.parse rejects: drops JS comments and trailing commas, escapes raw control
 * characters inside strings, closes unterminated values, and reads each balanced top-level value in turn,
 * ignoring whatever garbage follows (e.g. a stray closing brace).
 */
function repairJson(src: string): unknown[] | null {
  const out: unknown[] = [];
  let pos = skipSeparators(src, 0);
  while (pos < src.length && (src[pos] === '{' || src[pos] === '[')) {
    const { text, end } = scanValue(src, pos);
    try {
      out.push(JSON.parse(text));
    } catch {
      break;
    }
    pos = skipSeparators(src, end);
  }
  return out.length ? out : null;
}

function skipSeparators(src: string, pos: number): number {
  while (pos < src.length) {
    const c = src[pos]!;
    if (c === ',' || c === ';' || c <= ' ') pos++;
    else if (c === '/' && src[pos + 1] === '/') pos = lineEnd(src, pos);
    else if (c === '/' && src[pos + 1] === '*') pos = blockEnd(src, pos);
    else break;
  }
  return pos;
}

function lineEnd(src: string, pos: number): number {
  const nl = src.indexOf('\n', pos);
  return nl < 0 ? src.length : nl + 1;
}

function blockEnd(src: string, pos: number): number {
  const e = src.indexOf('*/', pos + 2);
  return e < 0 ? src.length : e + 2;
}

function scanValue(src: string, start: number): { text: string; end: number } {
  let out = '';
  const stack: string[] = [];
  let inString = false;
  let pendingComma = false;
  let i = start;
  for (; i < src.length; i++) {
    const c = src[i]!;
    if (inString) {
      if (c === '\\') {
        out += c + (src[i + 1] ?? '');
        i++;
      } else if (c === '"') {
        out += c;
        inString = false;
      } else if (c < ' ') {
        out += c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
      } else out += c;
      continue;
    }
    if (c <= ' ') continue;
    if (c === '/' && src[i + 1] === '/') { i = lineEnd(src, i) - 1; continue; }
    if (c === '/' && src[i + 1] === '*') { i = blockEnd(src, i) - 1; continue; }
    // Commas are held back so one before a closing bracket (a trailing comma) can be dropped.
    if (c === ',') { pendingComma = true; continue; }
    const closing = c === '}' || c === ']';
    if (pendingComma && !closing) out += ',';
    pendingComma = false;
    out += c;
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') stack.push(c === '{' ? '}' : ']');
    else if (closing) {
      stack.pop();
      if (stack.length === 0) return { text: out, end: i + 1 };
    }
  }
  if (inString) out += '"';
  while (stack.length) out += stack.pop();
  return { text: out, end: i };
}

function walk(value: unknown, out: StructuredItem[], depth: number): void {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) walk(v, out, depth + 1);
    return;
  }
  const obj = value as Record<string, unknown>;
  if (obj['@type'] !== undefined) out.push(obj as StructuredItem);
  for (const [k, v] of Object.entries(obj)) {
    if (k === '@context' || v === null || typeof v !== 'object') continue;
    // A ListItem's `item` is the record even when it carries no @type of its own.
    if (k === 'item' && !Array.isArray(v) && (v as Record<string, unknown>)['@type'] === undefined && hasType(obj, 'listitem')) {
      out.push(v as StructuredItem);
    }
    walk(v, out, depth + 1);
  }
}

// ---- microdata ----------------------------------------------------------------------------------

function readMicrodataItem(el: Element, depth: number): StructuredItem {
  const item: StructuredItem = {};
  const types = (el.attribs.itemtype ?? '').trim().split(/\s+/).filter(Boolean).map(typeName);
  if (types.length === 1) item['@type'] = types[0]!;
  else if (types.length > 1) item['@type'] = types;
  if (el.attribs.itemid) item['@id'] = el.attribs.itemid;
  if (depth < MAX_DEPTH) readProperties(el, item, depth);
  return item;
}

function readProperties(parent: Element, item: StructuredItem, depth: number): void {
  for (const child of parent.children) {
    if (child.type !== 'tag') continue;
    const el = child as Element;
    const props = el.attribs.itemprop;
    const isScope = el.attribs.itemscope !== undefined;
    if (props) {
      const value = isScope ? readMicrodataItem(el, depth + 1) : propertyValue(el);
      for (const name of props.trim().split(/\s+/)) addProperty(item, name, value);
    }
    // A nested scope owns everything inside it.
    if (!isScope) readProperties(el, item, depth);
  }
}

function addProperty(item: StructuredItem, name: string, value: unknown): void {
  if (name === '__proto__') return;
  const prev = Object.hasOwn(item, name) ? item[name] : undefined;
  if (prev === undefined) item[name] = value;
  // Microdata values are strings or objects, so an array here is one addProperty built.
  else if (Array.isArray(prev)) prev.push(value);
  else item[name] = [prev, value];
}

/** Property values per the HTML microdata spec, plus the common `content` attribute on any element. */
function propertyValue(el: Element): string {
  const a = el.attribs;
  if (a.content !== undefined) return a.content.trim();
  switch (el.name) {
    case 'audio': case 'embed': case 'iframe': case 'img': case 'source': case 'track': case 'video':
      return (a.src ?? '').trim();
    case 'a': case 'area': case 'link':
      return (a.href ?? '').trim();
    case 'object':
      return (a.data ?? '').trim();
    case 'data': case 'meter':
      return (a.value ?? '').trim();
    case 'time':
      return (a.datetime ?? collapse(textContent(el))).trim();
    default:
      return collapse(textContent(el));
  }
}

// ---- lookups ------------------------------------------------------------------------------------

function typeName(t: string): string {
  const s = t.trim().replace(/[/#]+$/, '');
  const cut = Math.max(s.lastIndexOf('/'), s.lastIndexOf('#'));
  return (cut >= 0 ? s.slice(cut + 1) : s).replace(/^schema:/i, '');
}

function hasType(obj: Record<string, unknown>, wanted: string): boolean {
  const t = obj['@type'];
  if (typeof t === 'string') return typeName(t).toLowerCase() === wanted;
  if (Array.isArray(t)) return t.some((x) => typeof x === 'string' && typeName(x).toLowerCase() === wanted);
  return false;
}

/** Items whose @type (or one of its @types) is `type`, ignoring case and schema.org prefixes. */
export function findItems(data: StructuredData, type: string): StructuredItem[] {
  const wanted = typeName(type).toLowerCase();
  return data.items.filter((item) => hasType(item, wanted));
}

/**
 * Follows a dot path (`offers.price`, `brand.name`, `image.0`). Arrays yield their first element that has
 * the rest of the path; `{"@value": …}` wrappers are unwrapped. Keys match exactly, else case-insensitively.
 */
export function getPath(obj: unknown, path: string): unknown {
  const segs = path.split('.').filter((s) => s !== '');
  const v = follow(obj, segs, 0, 0);
  return v === undefined ? null : v;
}

function follow(cur: unknown, segs: string[], i: number, depth: number): unknown {
  cur = unwrap(cur);
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(cur)) {
    const seg = segs[i];
    if (seg !== undefined && /^\d+$/.test(seg)) return follow(cur[Number(seg)], segs, i + 1, depth + 1);
    for (const el of cur) {
      const r = follow(el, segs, i, depth + 1);
      if (r !== undefined && r !== null && r !== '') return r;
    }
    return undefined;
  }
  if (i >= segs.length) return cur;
  if (cur === null || typeof cur !== 'object') return undefined;
  const rec = cur as Record<string, unknown>;
  const seg = segs[i]!;
  let next = Object.hasOwn(rec, seg) ? rec[seg] : undefined;
  if (next === undefined) {
    const lower = seg.toLowerCase();
    const key = Object.keys(rec).find((k) => k.toLowerCase() === lower || typeName(k).toLowerCase() === lower);
    if (key !== undefined) next = rec[key];
  }
  return next === undefined ? undefined : follow(next, segs, i + 1, depth + 1);
}

function unwrap(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && '@value' in v) return (v as Record<string, unknown>)['@value'];
  return v;
}

// ---- text helpers (shared with extract/) ---------------------------------------------------------

/** Raw text of an element's subtree, as written (script/style bodies included: needed for JSON-LD). */
export function textContent(node: AnyNode): string {
  if (node.type === 'text') return node.data;
  if (!('children' in node)) return '';
  let s = '';
  for (const c of node.children) {
    if (c.type === 'text') s += c.data;
    else if ('children' in c) s += textContent(c);
  }
  return s;
}

export function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
