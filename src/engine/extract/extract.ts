/**
 * Applies an AgentSpec to one loaded page: records, the links to follow, the next page. Pure and
 * synchronous; never throws on what a page contains (a bad selector is a missing value and a warning).
 */
import { createHash } from 'node:crypto';
import type { AnyNode, Element } from 'domhandler';
import type { AgentSpec, FieldSpec, PaginationSpec } from '../../domain/agent-spec.ts';
import type { ScrapedRecord } from '../types.ts';
import { findItems, getPath, itemSource, type StructuredItem } from '../parse/structured-data.ts';
import { extractFields, planFields, type FieldPlan, type Scope } from './fields.ts';
import type { LoadedPage } from './page.ts';
import { attrOf, compileSelector, isElement, selectAll, selectFirst } from './select.ts';

export { loadPage, type LoadedPage } from './page.ts';

export interface PageRecords {
  records: ScrapedRecord[];
  /** Parallel to `records`, only filled when the spec has `follow`: the detail URL, null when the record has none. */
  followUrls: (string | null)[];
  /** Per field name: how many of `records` have it null. Every list/page field is present, 0 included. */
  missing: Record<string, number>;
  /** Run-time problems worth surfacing once per page (invalid selector or regex). */
  warnings: string[];
}

export function extractRecords(spec: AgentSpec, page: LoadedPage): PageRecords {
  const plans = planFields(spec.fields);
  const warnings = new Set<string>();
  const out: PageRecords = { records: [], followUrls: [], missing: {}, warnings: [] };
  for (const p of plans) out.missing[p.name] = 0;
  const follow = spec.follow;

  const add = (scope: Scope, followUrl: () => string | null): void => {
    const rec = extractFields(plans, scope);
    if (isEmpty(rec, plans)) return;
    out.records.push(rec);
    for (const p of plans) if (rec[p.name] === null) out.missing[p.name]!++;
    if (follow) out.followUrls.push(followUrl());
  };

  const list = spec.list;
  if (!list) {
    const scope: Scope = { page, nodes: [page.root], warnings };
    add(scope, () => (follow ? linkIn(page, follow.linkSelector, follow.attribute ?? 'href', scope.nodes, warnings) : null));
  } else if (list.kind === 'css') {
    const compiled = compileSelector(list.selector);
    if (compiled.kind === 'bad') warnings.add(`list.selector "${list.selector}": ${compiled.error}`);
    const span = list.span ?? 1;
    // With span > 1 a loose selector may also match the trailing blocks; those belong to the record before.
    const taken = new Set<AnyNode>();
    for (const el of selectAll(page.$, compiled, [page.root], false)) {
      if (taken.has(el)) continue;
      const nodes = span > 1 ? withNextSiblings(el, span - 1) : [el];
      if (span > 1) for (const n of nodes) taken.add(n);
      const scope: Scope = { page, nodes, warnings };
      add(scope, () => (follow ? linkIn(page, follow.linkSelector, follow.attribute ?? 'href', nodes, warnings) : null));
    }
  } else {
    for (const item of listItems(page, list.itemType)) {
      add({ page, nodes: [page.root], item, warnings }, () => itemUrl(page, item));
    }
  }
  out.warnings = [...warnings];
  return out;
}

/** Page-scope extraction, for detail pages reached through `follow`. Every field is present, null when absent. */
export function extractDetail(fields: FieldSpec[], page: LoadedPage): ScrapedRecord {
  return extractFields(planFields(fields), { page, nodes: [page.root], warnings: new Set() });
}

/** A record with only constant/url values is an artefact of a loose list selector, not data. */
function isEmpty(rec: ScrapedRecord, plans: FieldPlan[]): boolean {
  const informative = plans.some((p) => p.informative);
  return plans.every((p) => rec[p.name] === null || (informative && !p.informative));
}

function withNextSiblings(el: Element, count: number): AnyNode[] {
  const nodes: AnyNode[] = [el];
  let n = el.nextSibling;
  while (n && nodes.length <= count) {
    if (isElement(n)) nodes.push(n);
    n = n.nextSibling;
  }
  return nodes;
}

/** JSON-LD wins over microdata when both describe the items, which pages often do for the same products. */
function listItems(page: LoadedPage, itemType: string): StructuredItem[] {
  const all = findItems(page.structured(), itemType);
  const ld = all.filter((i) => itemSource(i) === 'json-ld');
  return ld.length ? ld : all;
}

function linkIn(page: LoadedPage, selector: string, attribute: string, nodes: AnyNode[], warnings: Set<string>): string | null {
  const c = compileSelector(selector);
  if (c.kind === 'bad') {
    warnings.add(`follow.linkSelector "${selector}": ${c.error}`);
    return null;
  }
  const el = selectFirst(page.$, c, nodes);
  return el ? absoluteHttpUrl(attrOf(el, attribute), page.baseUrl) : null;
}

/** A json-ld record has no element to select a link in; its `url` (or `@id`) is the detail page. */
function itemUrl(page: LoadedPage, item: StructuredItem): string | null {
  for (const key of ['url', '@id']) {
    const v = getPath(item, key);
    if (typeof v === 'string') {
      const u = absoluteHttpUrl(v, page.baseUrl);
      if (u) return u;
    }
  }
  return null;
}

export function absoluteHttpUrl(raw: string | null | undefined, base: string): string | null {
  const s = raw?.trim();
  if (!s || s.startsWith('#') || /^javascript:/i.test(s)) return null;
  try {
    const u = new URL(s, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

// ---- pagination ---------------------------------------------------------------------------------

/**
 * The next page for `next-link` pagination: the first matching element with a usable link, resolved
 * against the page. Null when there is none, or when it points back at this page (last-page paginators
 * often link to themselves). Other pagination kinds are not link-driven: null.
 */
export function findNextPageUrl(pagination: PaginationSpec, page: LoadedPage): string | null {
  if (pagination.kind !== 'next-link') return null;
  const c = compileSelector(pagination.selector);
  const here = withoutHash(page.url);
  for (const el of selectAll(page.$, c, [page.root], false)) {
    const url = absoluteHttpUrl(attrOf(el, pagination.attribute ?? 'href'), page.baseUrl);
    if (url && withoutHash(url) !== here) return url;
  }
  return null;
}

function withoutHash(u: string): string {
  const i = u.indexOf('#');
  return i < 0 ? u : u.slice(0, i);
}

export function pageUrlFromTemplate(template: string, pageNumber: number): string {
  return template.replaceAll('{page}', String(pageNumber));
}

// ---- de-duplication -----------------------------------------------------------------------------

/**
 * Stable key of a record (or of its `dedupeBy` fields) for de-duplication within a run. Independent of
 * key order. When every dedupeBy field is null the whole record is used, so records lacking the key are
 * not all collapsed into one.
 */
export function recordKey(record: ScrapedRecord, dedupeBy?: string[]): string {
  let keys = dedupeBy && dedupeBy.length ? dedupeBy : Object.keys(record).sort();
  if (dedupeBy && dedupeBy.length && dedupeBy.every((k) => record[k] === null || record[k] === undefined)) keys = Object.keys(record).sort();
  const parts = keys.map((k) => [k, record[k] ?? null]);
  return createHash('sha1').update(JSON.stringify(parts)).digest('base64url');
}

// ---- validation ---------------------------------------------------------------------------------

/**
 * Up-front check of every CSS selector (and fallback regex, which the schema does not check) a run will
 * use, one readable line per problem naming its path, e.g. `fields[1].selector: invalid selector "a[": …`.
 * Browser-command selectors are left out: they are Playwright selectors with their own syntax.
 */
export function validateSelectors(spec: AgentSpec): string[] {
  const errors: string[] = [];
  const check = (path: string, selector: string | undefined): void => {
    if (selector === undefined) return;
    const c = compileSelector(selector);
    if (c.kind === 'bad') errors.push(`${path}: invalid selector "${selector}": ${c.error}`);
  };
  const checkFields = (prefix: string, fields: FieldSpec[]): void => {
    fields.forEach((f, i) => {
      check(`${prefix}[${i}].selector`, f.selector);
      (f.fallbacks ?? []).forEach((fb, j) => {
        check(`${prefix}[${i}].fallbacks[${j}].selector`, fb.selector);
        if (fb.regex !== undefined) {
          try {
            new RegExp(fb.regex);
          } catch (e) {
            errors.push(`${prefix}[${i}].fallbacks[${j}].regex: invalid regular expression: ${(e as Error).message}`);
          }
        }
      });
    });
  };
  if (spec.list?.kind === 'css') check('list.selector', spec.list.selector);
  checkFields('fields', spec.fields);
  if (spec.follow) {
    check('follow.linkSelector', spec.follow.linkSelector);
    checkFields('follow.fields', spec.follow.fields);
  }
  if (spec.pagination?.kind === 'next-link' || spec.pagination?.kind === 'load-more') check('pagination.selector', spec.pagination.selector);
  return errors;
}
