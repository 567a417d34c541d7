/**
 * Page analysis without an LLM: request + HTML → a draft AgentSpec plus a per-field report. List pages go
 * through record detection → column alignment → naming; single-item pages through structured data and hints.
 * A requested field that cannot be located is reported with what was tried, never filled with a guess.
 */
import * as cheerio from 'cheerio/slim';
import type { FieldSpecInput } from '../../domain/agent-spec.ts';
import type { PromptIntent, RequestedField } from '../prompt/parse-prompt.ts';
import { CONCEPTS, type Concept } from '../prompt/concepts.ts';
import { buildColumns, ensureSelector, type Column } from './columns.ts';
import { findItems } from '../../engine/parse/structured-data.ts';
import { detailContext } from './detail-context.ts';
import { detailFieldIn } from './detail.ts';
import { assignColumns, scoreColumn, type Assignment } from './match.ts';
import { detectPagination } from './pagination.ts';
import { findRecordGroups, type RecordGroup } from './records.ts';
import type { AgentSpecInput } from './spec-types.ts';
import { fieldType } from './types.ts';
import { ratingClassRegex } from './value-tests.ts';

export interface FieldReport { field: string; found: boolean; how: string; tried: string[] }
export interface Analysis {
  kind: 'list' | 'detail';
  spec: AgentSpecInput;
  fieldReport: FieldReport[];
  /** Per record, the link to its detail page (for following items), when one was found. */
  detailCandidates: string[];
  /**
   * CSS selector, relative to a record, of the link to its detail page (the `follow.linkSelector` to use);
   * set on list pages when such a link was found, the same link `detailCandidates` were read from.
   */
  detailLinkSelector?: string;
  notes: string[];
}

const MAX_GROUPS = 5;

export function analyzePage(url: string, html: string, intent: PromptIntent): Analysis {
  const $ = cheerio.load(html);
  const ctx = detailContext($, url);
  const notes: string[] = [];
  let fields = intent.fields;
  const products = findItems(ctx.data, 'Product').length + findItems(ctx.data, 'ProductGroup').length;
  let detail = fields.map((f) => ({ f, d: detailFieldIn(ctx, f) }));
  // Fields found only by page-wide guesses count half: on a list page they are the first record's.
  const score = (d: typeof detail): number => d.reduce((a, x) => a + (x.d.spec ? (x.d.weak ? 0.5 : 1) : 0), 0);
  let detailFound = score(detail);
  // Without a list wording, a list only wins with more than one extra field and not on a one-Product page:
  // when that cannot happen, record detection (the costly part on big shop pages) is skipped.
  const listPossible = !fields.length || intent.listHint || (products !== 1 && detailFound < fields.length - 1);
  const groups = listPossible ? findRecordGroups($, MAX_GROUPS) : [];
  let best: { g: RecordGroup; cols: Column[]; asg: Assignment[]; score: number } | null = null;
  for (const g of groups) {
    const cols = buildColumns($, g.records);
    const req = fields.length ? fields : autoFields(cols);
    const asg = assignColumns(req, cols, (c) => ensureSelector($, c, g.records));
    const score = asg.reduce((a, x) => a + (x.column ? 1 + Math.min(x.score, 3) / 3 : 0), 0) + 0.1 * Math.log2(g.records.length) + 0.05 * g.score;
    if (!best || score > best.score) best = { g, cols, asg, score };
  }
  if (!fields.length && best) {
    fields = best.asg.filter((a) => a.column).map((a) => a.field);
    notes.push(`no fields were named: using the detected columns (${fields.map((f) => f.name).join(', ')})`);
    detail = fields.map((f) => ({ f, d: detailFieldIn(ctx, f) }));
    detailFound = score(detail);
  }
  if (!listPossible) notes.push('record detection skipped: a single-item request on a page whose fields were found without a list');
  const listFound = best ? best.asg.filter((a) => a.column).length : 0;
  const preferList = best && best.g.records.length >= 3 && (intent.listHint ? listFound >= Math.max(1, detailFound * 0.5) : listFound > detailFound + 1 && products !== 1);
  const base: AgentSpecInput = { startUrls: [url], fields: [{ name: 'placeholder', source: 'url' }] };
  const limits: AgentSpecInput['limits'] = {
    ...(intent.scope.maxPages ? { maxPages: intent.scope.maxPages } : {}),
    ...(intent.scope.maxRecords ? { maxRecords: intent.scope.maxRecords } : {}),
  } as AgentSpecInput['limits'];
  if (limits && Object.keys(limits).length) base.limits = limits;

  if (!preferList || !best) {
    const specs = detail.filter((x) => x.d.spec).map((x) => x.d.spec!);
    const fieldReport = detail.map((x) => ({ field: x.f.name, found: !!x.d.spec, how: x.d.how, tried: x.d.tried }));
    notes.push(products ? `single-item page: ${products} Product item(s) in structured data` : 'no repeated records matched the request: treated as a single-item page');
    return { kind: 'detail', spec: { ...base, fields: specs.length ? specs : [{ name: 'url', source: 'url' }] }, fieldReport, detailCandidates: [], notes };
  }

  const { g, cols, asg } = best;
  const specs: FieldSpecInput[] = [];
  const fieldReport: FieldReport[] = [];
  for (const a of asg) {
    if (!a.column) { fieldReport.push({ field: a.field.name, found: false, how: '', tried: a.tried }); continue; }
    const fs = toFieldSpec($, g, a.field, a.column, cols);
    specs.push(fs);
    fieldReport.push({ field: a.field.name, found: true, how: describe(fs, a.score), tried: [] });
  }
  notes.push(`${g.records.length} records at ${g.selector}${g.span > 1 ? ` (each ${g.span} sibling elements)` : ''}`);
  const spec: AgentSpecInput = { ...base, list: { kind: 'css', selector: g.selector, ...(g.span > 1 ? { span: g.span } : {}) }, fields: specs.length ? specs : [{ name: 'url', source: 'url' }] };
  if (intent.scope.maxPages !== 1) {
    const p = detectPagination($, url, intent.scope.maxPages);
    if (p.spec) spec.pagination = p.spec;
    notes.push(`pagination: ${p.how}`);
  }
  for (const c of cols) if (c.src.attribute === 'href' && !c.selectorOk && c.values.every(Boolean)) { ensureSelector($, c, g.records); break; }
  const link = linkColumn(cols);
  const detailCandidates = link ? link.values.filter((v): v is string => !!v).map((v) => { try { return new URL(v, url).href; } catch { return v; } }) : [];
  // The record element itself may be the link: the engine's link lookup includes the record element.
  const detailLinkSelector = link ? (link.selector ?? 'a[href]') : undefined;
  if (link && (intent.scope.followItems || fieldReport.some((r) => !r.found))) {
    notes.push(`detail links per record: ${detailLinkSelector} (${detailCandidates.length}); analyse one with analyzeDetailFields to build follow fields`);
  }
  return { kind: 'list', spec, fieldReport, detailCandidates, ...(detailLinkSelector ? { detailLinkSelector } : {}), notes };
}

/** Fields of a detail page reached by following a record's link: used to fill `follow.fields`. */
export function analyzeDetailFields(html: string, fields: RequestedField[]): { specs: FieldSpecInput[]; report: FieldReport[] } {
  const ctx = detailContext(cheerio.load(html));
  const specs: FieldSpecInput[] = [];
  const report: FieldReport[] = [];
  for (const f of fields) {
    const d = detailFieldIn(ctx, f);
    if (d.spec) specs.push(d.spec);
    report.push({ field: f.name, found: !!d.spec, how: d.how, tried: d.tried });
  }
  return { specs, report };
}

function toFieldSpec($: cheerio.CheerioAPI, g: RecordGroup, f: RequestedField, c: Column, cols: Column[]): FieldSpecInput {
  const spec: FieldSpecInput = { name: f.name, type: fieldType(f.concept), source: c.src.source };
  if (c.selector) spec.selector = c.selector;
  if (c.src.attribute) spec.attribute = c.src.attribute;
  if (c.src.attribute === 'class' && f.concept === 'rating') {
    const re = ratingClassRegex(c.values.filter((v): v is string => !!v));
    if (re) spec.regex = re;
  }
  // Visible text cut short ("A Light in the ..."): the full text usually sits in the same element's title/alt.
  const vals = c.values.filter((v): v is string => !!v);
  if (c.src.source === 'text' && vals.some((v) => /(\.\.\.|…)$/.test(v))) {
    const base = c.key.split('|')[0];
    for (const attr of ['title', 'alt', 'aria-label']) {
      const alt = cols.find((x) => x.key === `${base}|attr:${attr}`);
      if (alt && ensureSelector($, alt, g.records) && alt.values.every((v, i) => !c.values[i] || (v !== null && v.startsWith(c.values[i]!.replace(/\s*(\.\.\.|…)$/, ''))))) {
        spec.source = 'attr';
        spec.attribute = attr;
        if (alt.selector) spec.selector = alt.selector;
        break;
      }
    }
  }
  if (spec.source === 'text' && !spec.regex && (spec.type === 'text' || spec.type === undefined)) {
    const re = labelPrefixRegex(vals);
    if (re) spec.regex = re;
  }
  return spec;
}

/**
 * Values that all start with the same label ("SKU: GL-1", "SKU: GL-2"): the label is template, the rest is
 * data. Returns a regex keeping the part after the label, or null when there is no shared label.
 */
export function labelPrefixRegex(values: string[]): string | null {
  if (values.length < 2) return null;
  const m = /^([^\d:#]{1,30}?)\s*[:#]\s*/.exec(values[0]!);
  if (!m) return null;
  const label = m[1]!.trim();
  if (!label) return null;
  const re = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*[:#][\\s:#]*(.+?)\\s*$`);
  if (!values.every((v) => { const x = re.exec(v); return !!x && x[1]!.length > 0; })) return null;
  return re.source;
}

function linkColumn(cols: Column[]): Column | null {
  const hrefs = cols.filter((c) => c.src.attribute === 'href' && c.values.filter(Boolean).length >= c.values.length * 0.8 && c.selectorOk);
  hrefs.sort((a, b) => scoreColumn('url', b, 'url') - scoreColumn('url', a, 'url'));
  return hrefs[0] ?? null;
}

function describe(fs: FieldSpecInput, score: number): string {
  const src = fs.source === 'attr' ? `@${fs.attribute}` : fs.source;
  return `css ${fs.selector ?? '(record)'} ${src}${fs.regex ? ` /${fs.regex}/` : ''}, type ${fs.type} (score ${score.toFixed(2)})`;
}

/** With no fields named: every concept's best column, one per concept, in page order of concepts. */
function autoFields(cols: Column[]): RequestedField[] {
  const out: RequestedField[] = [];
  for (const c of CONCEPTS as readonly Concept[]) {
    if (c === 'other' || c === 'summary' || c === 'author' || c === 'location') continue;
    if (cols.some((col) => scoreColumn(c, col, c) > 1.5)) out.push({ name: c, concept: c });
  }
  return out;
}
