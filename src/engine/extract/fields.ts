/**
 * Field extraction: one FieldSpec (plus its fallbacks) against one record scope. Specs are compiled into
 * plans once (selectors, regexes) and cached by identity, so a crawl pays for compilation once per run.
 */
import type { AnyNode } from 'domhandler';
import type { FieldSpec, FieldType } from '../../domain/agent-spec.ts';
import type { RecordValue, ScrapedRecord } from '../types.ts';
import { coerceValue, normalizeAvailability } from '../parse/values.ts';
import { findItems, getPath, type StructuredData, type StructuredItem } from '../parse/structured-data.ts';
import { attrOf, compileSelector, ownText, selectAll, selectFirst, visibleText, type Compiled } from './select.ts';
import type { LoadedPage } from './page.ts';

type Source = FieldSpec['source'];

interface Candidate {
  selector?: string;
  compiled?: Compiled;
  source: Source;
  attribute?: string;
  jsonPath?: string;
  value?: string;
  regex?: RegExp | { error: string };
}

export interface FieldPlan {
  name: string;
  type: FieldType;
  all: boolean;
  separator: string;
  combine: 'join' | 'any-in-stock';
  /** The field itself, then its fallbacks in order. */
  candidates: Candidate[];
  /** Constant/url fields say nothing about whether a record was found; they don't keep a record alive. */
  informative: boolean;
}

/** Where a record's fields are read: DOM nodes (record elements or the document) and, for json-ld lists, the item. */
export interface Scope {
  page: LoadedPage;
  nodes: AnyNode[];
  item?: StructuredItem;
  /** Run-time problems (bad selector/regex), collected instead of thrown. */
  warnings: Set<string>;
}

const planCache = new WeakMap<readonly FieldSpec[], FieldPlan[]>();

export function planFields(fields: readonly FieldSpec[]): FieldPlan[] {
  let plans = planCache.get(fields);
  if (!plans) {
    plans = fields.map(planField);
    planCache.set(fields, plans);
  }
  return plans;
}

function planField(f: FieldSpec): FieldPlan {
  const main: Candidate = { selector: f.selector, source: f.source ?? 'text', attribute: f.attribute, jsonPath: f.jsonPath, value: f.value, regex: compileRegex(f.regex) };
  const fallbacks: Candidate[] = (f.fallbacks ?? []).map((fb) => ({
    selector: fb.selector,
    source: fb.source ?? 'text',
    // A fallback reading the same kind of attribute rarely repeats its name.
    attribute: fb.attribute ?? f.attribute,
    jsonPath: fb.jsonPath,
    value: fb.value,
    regex: compileRegex(fb.regex),
  }));
  const candidates = [main, ...fallbacks];
  for (const c of candidates) if (c.selector !== undefined) c.compiled = compileSelector(c.selector);
  return {
    name: f.name,
    type: f.type ?? 'text',
    all: f.all ?? false,
    separator: f.separator ?? ' | ',
    combine: f.combine ?? 'join',
    candidates,
    informative: candidates.some((c) => c.source !== 'constant' && c.source !== 'url'),
  };
}

const regexCache = new Map<string, RegExp | { error: string }>();

function compileRegex(src: string | undefined): RegExp | { error: string } | undefined {
  if (src === undefined || src === '') return undefined;
  let r = regexCache.get(src);
  if (!r) {
    try {
      r = new RegExp(src);
    } catch (e) {
      r = { error: (e as Error).message };
    }
    if (regexCache.size > 5000) regexCache.clear();
    regexCache.set(src, r);
  }
  return r;
}

export function extractFields(plans: FieldPlan[], scope: Scope): ScrapedRecord {
  const rec: ScrapedRecord = {};
  for (const p of plans) rec[p.name] = extractField(p, scope);
  return rec;
}

export function extractField(plan: FieldPlan, scope: Scope): RecordValue {
  for (const c of plan.candidates) {
    const v = runCandidate(plan, c, scope);
    if (v !== null) return v;
  }
  return null;
}

function runCandidate(plan: FieldPlan, c: Candidate, scope: Scope): RecordValue {
  const raws = rawValues(plan, c, scope);
  if (raws.length === 0) return null;
  const ctx = { baseUrl: scope.page.baseUrl };
  if (!plan.all) return finish(raws[0]!, c, plan.type, ctx, scope);
  const parts: string[] = [];
  for (const raw of raws) {
    const v = finish(raw, c, plan.type, ctx, scope);
    if (v !== null) parts.push(String(v));
  }
  if (!parts.length) return null;
  if (plan.combine === 'any-in-stock') {
    // One variant that can be bought makes the product available; otherwise the first says why not.
    return parts.find((p) => { const m = normalizeAvailability(p); return m === 'InStock' || m === 'LimitedAvailability'; }) ?? parts[0]!;
  }
  return parts.join(plan.separator);
}

function finish(raw: string | null, c: Candidate, type: FieldType, ctx: { baseUrl: string }, scope: Scope): RecordValue {
  if (raw === null) return null;
  if (c.regex) {
    if (!(c.regex instanceof RegExp)) {
      scope.warnings.add(`invalid regex: ${c.regex.error}`);
      return null;
    }
    const m = c.regex.exec(raw);
    if (!m) return null;
    raw = m.length > 1 ? (m[1] ?? null) : m[0];
    if (raw === null) return null;
  }
  return coerceValue(raw, type, ctx);
}

/** The raw strings a candidate yields in this scope: one for a single field, every match for `all`. */
function rawValues(plan: FieldPlan, c: Candidate, scope: Scope): (string | null)[] {
  switch (c.source) {
    case 'constant':
      return [c.value ?? null];
    case 'url':
      return [scope.page.url];
    case 'json':
      return jsonValues(plan, c, scope);
    default:
      break;
  }
  let targets: AnyNode[];
  if (c.compiled) {
    if (c.compiled.kind === 'bad') {
      scope.warnings.add(`invalid selector "${c.selector}": ${c.compiled.error}`);
      return [];
    }
    const $ = scope.page.$;
    if (plan.all) targets = selectAll($, c.compiled, scope.nodes);
    else {
      const hit = selectFirst($, c.compiled, scope.nodes);
      targets = hit ? [hit] : [];
    }
  } else {
    targets = plan.all ? scope.nodes : scope.nodes.slice(0, 1);
  }
  // A presence flag: one value however many elements match.
  if (c.source === 'exists') return targets.length && c.selector !== undefined ? [c.value ?? null] : [];
  return targets.map((n) => nodeValue(n, c, scope));
}

function nodeValue(n: AnyNode, c: Candidate, scope: Scope): string | null {
  switch (c.source) {
    case 'own-text':
      return ownText(n);
    case 'attr':
      return c.attribute ? attrOf(n, c.attribute) : null;
    case 'html':
      return scope.page.$(n).html();
    default:
      return visibleText(n);
  }
}

// ---- json ---------------------------------------------------------------------------------------

function jsonValues(plan: FieldPlan, c: Candidate, scope: Scope): (string | null)[] {
  if (!c.jsonPath) return [];
  const v = scope.item
    ? (plan.all ? allAtPath(scope.item, c.jsonPath) : getPath(scope.item, c.jsonPath))
    : plan.all && plan.combine !== 'join' ? pageJsonAll(scope.page.structured(), c.jsonPath) : pageJson(scope.page.structured(), c.jsonPath);
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => jsonToRaw(x, plan.type)).filter((x) => x !== null);
}

/**
 * A page-level json path: `Product.offers.price` reads the first Product item that has `offers.price`;
 * a path without a leading type reads the first item that has it; a key with a colon (`og:title`,
 * `product:price:amount`) or a bare `title` reads the page's meta tags.
 */
export function pageJson(data: StructuredData, path: string): unknown {
  const key = path.toLowerCase();
  if (path.includes(':') && data.meta[key] !== undefined) return data.meta[key];
  const dot = path.indexOf('.');
  const head = dot < 0 ? path : path.slice(0, dot);
  if (/^[A-Z]/.test(head)) {
    const typed = findItems(data, head);
    if (typed.length) {
      if (dot < 0) return typed[0];
      const rest = path.slice(dot + 1);
      for (const item of typed) {
        const v = getPath(item, rest);
        if (present(v)) return v;
      }
      return null;
    }
  }
  for (const item of data.items) {
    const v = getPath(item, path);
    if (present(v)) return v;
  }
  return data.meta[key] ?? null;
}

/**
 * Every value at a page-level path, in the first item having it (`Product.offers.availability`: all the
 * offers of one product, never a related product's). Only for `combine`, so `all` keeps its old reading.
 */
function pageJsonAll(data: StructuredData, path: string): unknown[] {
  const dot = path.indexOf('.');
  const head = dot < 0 ? path : path.slice(0, dot);
  const typed = /^[A-Z]/.test(head) ? findItems(data, head) : [];
  const [items, rest] = typed.length && dot > 0 ? [typed, path.slice(dot + 1)] : [data.items, path];
  for (const item of items) {
    const vs = allAtPath(item, rest).filter(present);
    if (vs.length) return vs;
  }
  const v = pageJson(data, path);
  return present(v) ? [v] : [];
}

function present(v: unknown): boolean {
  return v !== null && v !== undefined && v !== '';
}

/** Every value at a path, arrays expanded at each step (for `all`). */
function allAtPath(obj: unknown, path: string): unknown[] {
  let cur: unknown[] = [obj];
  for (const seg of path.split('.').filter(Boolean)) {
    const next: unknown[] = [];
    for (const v of cur.flat(3)) {
      if (v === null || typeof v !== 'object') continue;
      const r = Object.hasOwn(v, seg) ? (v as Record<string, unknown>)[seg] : undefined;
      if (r !== undefined && r !== null) next.push(r);
    }
    cur = next;
  }
  return cur.flat(3).map((v) => getPath(v, ''));
}

/** Turns a JSON value into the raw string coerceValue expects; objects give their url or name. */
function jsonToRaw(v: unknown, type: FieldType): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length ? jsonToRaw(v[0], type) : null;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = type === 'url' || type === 'image' ? ['url', 'contentUrl', '@id', 'name'] : ['@value', 'name', 'value', 'text', 'price', 'url', '@id'];
    for (const k of keys) {
      const r = Object.hasOwn(o, k) ? o[k] : undefined;
      if (r !== undefined && r !== null && typeof r !== 'object') return String(r);
    }
  }
  return null;
}
