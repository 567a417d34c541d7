/**
 * Tests a draft agent before it is handed over, with the run engine's own extraction: page 1, page 2 when
 * it paginates, and a few item pages when it follows links. Reports records, count and fill rate per field.
 */
import { fillTemplate, outputFieldNames, type AgentSpec } from '../domain/agent-spec.ts';
import { extractDetail, extractRecords, findNextPageUrl, loadPage, pageUrlFromTemplate } from '../engine/extract/extract.ts';
import type { ScrapedRecord } from '../engine/types.ts';
import { browserPlanOf, type FetchedPage, type PageSource } from './page-source.ts';

export interface DraftTest {
  records: ScrapedRecord[];
  recordCount: number;
  pagesTested: number;
  fillRates: Record<string, number>;
  nextPageUrl: string | null;
}

const DETAIL_SAMPLES = 3;

export async function testDraft(spec: AgentSpec, first: FetchedPage, o: { source: PageSource; signal: AbortSignal; engine: 'http' | 'browser' }): Promise<DraftTest> {
  // A browser agent's page 1 is rendered again with its own commands and pagination (login, waits, every
  // "load more" click or scroll), so sample records and counts are what a run will get.
  const plan = o.engine === 'browser' ? browserPlanOf(spec) : null;
  if (plan && (plan.commands?.length || plan.pagination)) {
    const start = fillTemplate(spec.startUrls[0]!, spec.inputParameters);
    first = await o.source.fetch(start, 'browser', o.signal, plan);
  }
  const page1 = loadPage(first.url, first.html);
  const r1 = extractRecords(spec, page1);
  let records = r1.records.map((r, i) => ({ rec: r, follow: r1.followUrls[i] ?? null }));
  let pagesTested = 1;
  let nextPageUrl: string | null = null;
  const p = spec.pagination;
  if (p && (p.kind === 'next-link' || p.kind === 'url-pattern') && (spec.limits.maxPages ?? 2) > 1) {
    nextPageUrl = p.kind === 'next-link' ? findNextPageUrl(p, page1) : pageUrlFromTemplate(p.template, p.start);
    if (nextPageUrl) {
      const second = await o.source.fetch(nextPageUrl, o.engine, o.signal).catch(() => null);
      if (second && second.status < 400) {
        const r2 = extractRecords(spec, loadPage(second.url, second.html));
        records = records.concat(r2.records.map((r, i) => ({ rec: r, follow: r2.followUrls[i] ?? null })));
        pagesTested++;
      }
    }
  }
  if (spec.follow) {
    const fields = spec.follow.fields;
    for (const item of records.slice(0, DETAIL_SAMPLES)) {
      if (!item.follow) continue;
      const d = await o.source.fetch(item.follow, o.engine, o.signal).catch(() => null);
      if (d && d.status < 400) Object.assign(item.rec, extractDetail(fields, loadPage(d.url, d.html)));
      pagesTested++;
    }
  }
  const columns = outputFieldNames(spec);
  const sampled = spec.follow ? records.slice(0, DETAIL_SAMPLES).map((x) => x.rec) : records.map((x) => x.rec);
  const fillRates: Record<string, number> = {};
  for (const c of columns) {
    const base = spec.follow?.fields.some((f) => f.name === c) ? sampled : records.map((x) => x.rec);
    fillRates[c] = base.length ? round(base.filter((r) => r[c] !== null && r[c] !== undefined && r[c] !== '').length / base.length) : 0;
  }
  const limited = spec.limits.maxRecords !== undefined ? records.slice(0, spec.limits.maxRecords) : records;
  return { records: limited.map((x) => fill(x.rec, columns)), recordCount: limited.length, pagesTested, fillRates, nextPageUrl };
}

function fill(r: ScrapedRecord, columns: string[]): ScrapedRecord {
  const out: ScrapedRecord = {};
  for (const c of columns) out[c] = r[c] ?? null;
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
