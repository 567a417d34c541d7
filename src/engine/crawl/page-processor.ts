/**
 * Processes one frontier request: fetch (HTTP or browser), extract, and work out what it adds to the
 * frontier (detail pages, the next list page). Pure with respect to storage: the executor commits.
 */
import type { AgentSpec } from '../../domain/agent-spec.ts';
import { BlockedError, NonRetryableError, RetryableError } from '../../domain/errors.ts';
import type { FrontierRequest, PendingRequest } from '../../storage/repos/frontier-repo.ts';
import { extractDetail, extractRecords, findNextPageUrl, loadPage, pageUrlFromTemplate, recordKey } from '../extract/extract.ts';
import type { HttpClient, ScrapedRecord } from '../types.ts';
import type { HostLimiter } from '../http/host-limiter.ts';
import type { RobotsCache } from '../http/robots.ts';

export interface PageRenderer {
  /** Renders `url` in a browser and returns the DOM after the spec's commands and scrolling/clicking. */
  render(url: string, opts: { kind: 'list' | 'detail'; signal: AbortSignal }): Promise<{ url: string; status: number; html: string; elapsedMs: number }>;
}

export interface ProcessorDeps {
  http: HttpClient;
  robots: RobotsCache | null;
  limiter: HostLimiter;
  browser: PageRenderer | null;
  log: (level: 'info' | 'warn' | 'error' | 'debug', message: string) => void;
}

export interface ProcessedPage {
  records: Array<{ key: string; data: ScrapedRecord }>;
  newRequests: FrontierRequest[];
  wireBytes: number;
  dynamic: boolean;
  missing: Record<string, number>;
  warnings: string[];
}

export interface ProcessOptions {
  spec: AgentSpec;
  concurrencyPerHost: number;
  perHostDelayMs: number;
  maxPages: number;
  signal: AbortSignal;
}

export async function processRequest(req: PendingRequest, opts: ProcessOptions, deps: ProcessorDeps): Promise<ProcessedPage> {
  const { spec } = opts;
  const url = new URL(req.url);
  if (deps.robots && spec.respectRobotsTxt && !(await deps.robots.isAllowed(req.url))) {
    throw new BlockedError(`robots.txt disallows ${req.url} (set respectRobotsTxt: false in the agent to override)`, 'robots');
  }
  const useBrowser = spec.engine === 'browser' && deps.browser !== null;
  let html: string;
  let finalUrl: string;
  let wireBytes = 0;
  let dynamic = false;
  const release = await deps.limiter.acquire(url.host, { minDelayMs: opts.perHostDelayMs, maxConcurrent: opts.concurrencyPerHost }, opts.signal);
  try {
    if (useBrowser) {
      const r = await deps.browser!.render(req.url, { kind: req.kind, signal: opts.signal });
      ({ html, url: finalUrl } = r);
      checkStatus(r.status, req.url);
      dynamic = true;
    } else {
      const r = await deps.http.fetch({ url: req.url, timeoutMs: spec.limits.requestTimeoutMs, signal: opts.signal });
      wireBytes = r.wireBytes;
      checkStatus(r.status, req.url);
      html = r.text;
      finalUrl = r.url;
    }
  } finally {
    release();
  }

  let page = loadPage(finalUrl, html);
  const out: ProcessedPage = { records: [], newRequests: [], wireBytes, dynamic, missing: {}, warnings: [] };
  if (req.kind === 'detail' && spec.follow) {
    const detail = extractDetail(spec.follow.fields, page);
    const partial = (req.userData as { partial?: ScrapedRecord } | undefined)?.partial ?? {};
    const data = { ...partial, ...detail };
    out.records.push({ key: recordKey(data, spec.dedupeBy), data });
    return out;
  }

  let extracted = extractRecords(spec, page);
  // auto: a page that yields nothing over HTTP may need the browser (script-rendered lists).
  if (spec.engine === 'auto' && !useBrowser && extracted.records.length === 0 && deps.browser) {
    const r = await deps.browser.render(req.url, { kind: req.kind, signal: opts.signal });
    page = loadPage(r.url, r.html);
    extracted = extractRecords(spec, page);
    out.dynamic = true;
    deps.log('info', `${req.url}: no records in the static HTML, rendered in the browser (${extracted.records.length} records)`);
  }
  out.missing = extracted.missing;
  out.warnings = extracted.warnings;

  extracted.records.forEach((rec, i) => {
    const followUrl = spec.follow ? extracted.followUrls[i] : null;
    if (spec.follow && followUrl) {
      out.newRequests.push({ uniqueKey: `detail:${normalizeUrl(followUrl)}`, url: followUrl, kind: 'detail', depth: req.depth + 1, pageNumber: req.pageNumber, userData: { partial: rec } });
    } else {
      out.records.push({ key: recordKey(rec, spec.dedupeBy), data: spec.follow ? withNullDetailFields(rec, spec) : rec });
    }
  });

  const next = nextListPage(spec, req, page, extracted.records.length, opts.maxPages);
  if (next) out.newRequests.push(next);
  return out;
}

function nextListPage(spec: AgentSpec, req: PendingRequest, page: ReturnType<typeof loadPage>, recordCount: number, maxPages: number): FrontierRequest | null {
  const p = spec.pagination;
  if (!p || req.kind !== 'list') return null;
  const nextNumber = req.pageNumber + 1;
  if (nextNumber > maxPages) return null;
  if (p.kind === 'next-link') {
    if (nextNumber > p.maxPages) return null;
    const u = findNextPageUrl(p, page);
    if (!u) return null;
    return { uniqueKey: `list:${normalizeUrl(u)}`, url: u, kind: 'list', depth: req.depth, pageNumber: nextNumber };
  }
  if (p.kind === 'url-pattern') {
    // A page without records ends the sequence: pattern pagination has no other end signal.
    if (nextNumber > p.maxPages || recordCount === 0) return null;
    const u = pageUrlFromTemplate(p.template, p.start + (nextNumber - 2) * p.step);
    return { uniqueKey: `list:${normalizeUrl(u)}`, url: u, kind: 'list', depth: req.depth, pageNumber: nextNumber };
  }
  return null; // load-more / infinite-scroll happen inside the browser render
}

function withNullDetailFields(rec: ScrapedRecord, spec: AgentSpec): ScrapedRecord {
  const out: ScrapedRecord = { ...rec };
  for (const f of spec.follow?.fields ?? []) if (!(f.name in out)) out[f.name] = null;
  return out;
}

function checkStatus(status: number, url: string): void {
  if (status >= 200 && status < 300) return;
  if (status === 408 || status === 425) throw new RetryableError(`HTTP ${status} from ${url}`);
  throw new NonRetryableError(`HTTP ${status} from ${url}`);
}

/** Equivalent URLs collide: fragment dropped, host lower-cased (URL does that), default ports removed. */
export function normalizeUrl(u: string): string {
  try {
    const url = new URL(u);
    url.hash = '';
    return url.href;
  } catch {
    return u;
  }
}
