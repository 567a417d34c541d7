/**
 * Executes one claimed run: seeds the frontier (first attempt only), processes pending requests with
 * bounded concurrency, commits each page atomically, retries transient failures, honours stop/kill and
 * the run's limits, then decides the final status. Resumes from the stored frontier after a takeover.
 */
import { fillTemplate, type AgentSpec } from '../../domain/agent-spec.ts';
import { BlockedError, RetryableError, errorMessage } from '../../domain/errors.ts';
import { RunStatus } from '../../domain/run-status.ts';
import type { Clock } from '../../domain/clock.ts';
import { LeaseLostError, type FrontierRepo, type PendingRequest } from '../../storage/repos/frontier-repo.ts';
import type { RunRow } from '../../storage/repos/runs-repo.ts';
import { backoffDelay, sleep } from '../http/retry.ts';
import { normalizeUrl, processRequest, type ProcessorDeps } from './page-processor.ts';
import { evaluateSuccess } from './success-criteria.ts';
import { WorkQueue, throttle } from './work-queue.ts';

export interface RunOptionsOverride {
  concurrency?: number;
  perHostDelayMs?: number;
  retryFailedOnly?: boolean;
}

export interface ExecuteContext {
  run: RunRow;
  spec: AgentSpec;
  inputs: Record<string, string>;
  owner: string;
  frontier: FrontierRepo;
  clock: Clock;
  deps: ProcessorDeps;
  /** Aborted on kill, lease loss or run timeout: in-flight requests are cancelled at once. */
  hardSignal: AbortSignal;
  /** True once a graceful stop was requested: no new requests start. */
  stopRequested: () => boolean;
  overrides: RunOptionsOverride;
  onProgress?: () => void;
}

export interface ExecuteResult {
  status: number;
  message: string;
}

export async function executeRun(ctx: ExecuteContext): Promise<ExecuteResult> {
  const { run, spec, frontier, clock } = ctx;
  const now = () => clock.now().toISOString();
  const limits = spec.limits;
  const concurrency = clamp(ctx.overrides.concurrency ?? limits.concurrency, 1, 64);
  const perHostDelayMs = ctx.overrides.perHostDelayMs ?? limits.perHostDelayMs;
  const maxPages = limits.maxPages;
  const maxRecords = limits.maxRecords;

  const counts = await frontier.stateCounts(run.id);
  if (!Object.keys(counts).length) {
    const params = { ...spec.inputParameters, ...ctx.inputs };
    const seeds = spec.startUrls.map((u) => fillTemplate(u, params)).filter((u) => u.trim() !== '');
    if (!seeds.length) return { status: RunStatus.Failure, message: 'No start URL: every start URL is empty after filling input parameters' };
    for (const s of seeds) {
      try {
        new URL(s);
      } catch {
        return { status: RunStatus.Failure, message: `Invalid start URL "${s}"` };
      }
    }
    await frontier.add(run.id, seeds.map((u) => ({ uniqueKey: `list:${normalizeUrl(u)}`, url: u, kind: 'list' as const, depth: 0, pageNumber: 1 })), now());
    ctx.deps.log('info', `Run started with ${seeds.length} start URL(s), concurrency ${concurrency}`);
  } else {
    ctx.deps.log('info', `Resuming: ${counts.done ?? 0} requests done, ${counts.pending ?? 0} pending, ${counts.failed ?? 0} failed`);
  }

  // A fresh run has done nothing yet; a resumed one starts from the counts read above.
  let pagesDone = counts.done ?? 0;
  let recordsStored = run.data_count;
  let recordsCommitting = 0;
  const fieldMissing: Record<string, number> = {};
  let recordsSeen = 0;
  const inFlight = new Map<string, Promise<void>>();
  let limitHit: string | null = null;
  let fatal: string | null = null;
  const warned = new Set<string>();
  const work = new WorkQueue(frontier, run.id, Math.max(64, concurrency * 8));
  const progress = throttle(() => ctx.onProgress?.(), 250);

  // `concurrency` bounds fetches. A fetched page then waits for its group commit without holding a fetch
  // slot, so database latency does not throttle crawling; the backlog of pages not yet committed is bounded.
  let fetching = 0;
  const maxUncommitted = concurrency * 4;
  let wake: (() => void) | null = null;
  const wakeLoop = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  let crashed: { error: unknown } | null = null;

  const handle = async (req: PendingRequest): Promise<void> => {
    const started = Date.now();
    try {
      let page;
      try {
        page = await processRequest(req, { spec, concurrencyPerHost: concurrency, perHostDelayMs, maxPages, signal: ctx.hardSignal }, ctx.deps);
      } finally {
        fetching--;
        wakeLoop();
      }
      let records = page.records;
      if (maxRecords !== undefined) {
        // Records of pages still waiting for their commit count too, or pages committing together could overshoot.
        const room = Math.max(0, maxRecords - recordsStored - recordsCommitting);
        if (records.length > room) {
          records = records.slice(0, room);
          limitHit = `maxRecords (${maxRecords}) reached`;
        }
      }
      const newRequests = limitHit ? [] : page.newRequests;
      for (const w of page.warnings) if (!warned.has(w)) (warned.add(w), ctx.deps.log('warn', w));
      recordsCommitting += records.length;
      let stored: number;
      try {
        stored = await frontier.completePage(run.id, ctx.owner, req.uniqueKey, { records, newRequests, counters: { pages: 1, requests: 1, traffic: page.wireBytes, dynamicPages: page.dynamic ? 1 : 0 } }, now());
      } finally {
        recordsCommitting -= records.length;
      }
      if (newRequests.length) work.grew();
      recordsStored += stored;
      pagesDone++;
      recordsSeen += page.records.length;
      for (const [k, v] of Object.entries(page.missing)) fieldMissing[k] = (fieldMissing[k] ?? 0) + v;
      ctx.deps.log('debug', `${req.url} ${Date.now() - started} ms: ${page.records.length} records, ${page.newRequests.length} new requests`);
      progress();
    } catch (e) {
      if (e instanceof LeaseLostError) throw e;
      if (ctx.hardSignal.aborted) return;
      const retryable = e instanceof RetryableError;
      const final = !retryable || req.attempts + 1 > limits.maxRetries;
      const msg = errorMessage(e);
      ctx.deps.log(final ? 'error' : 'warn', `${req.url}: ${msg}${final ? '' : ` (retry ${req.attempts + 1} of ${limits.maxRetries})`}`);
      await frontier.failAttempt(run.id, ctx.owner, req.uniqueKey, msg, final, { requests: 1 }, now());
      if (!final) work.retryLater({ ...req, attempts: req.attempts + 1 }, Date.now() + backoffDelay(req.attempts + 1, e as RetryableError, { maxRetries: limits.maxRetries, baseDelayMs: 250, maxDelayMs: 30_000 }));
      if (e instanceof BlockedError && req.depth === 0 && req.kind === 'list' && req.pageNumber === 1) fatal = msg;
      progress();
    }
  };

  for (;;) {
    // A lost lease or a failing database: stop at once, as before. (The cast: TS cannot see the callback's write.)
    const crash = crashed as { error: unknown } | null;
    if (crash) throw crash.error;
    if (ctx.hardSignal.aborted) break;
    if (ctx.stopRequested() || limitHit || fatal) break;
    if (pagesDone + inFlight.size >= maxPages) {
      if (!inFlight.size) {
        limitHit ??= `maxPages (${maxPages}) reached`;
        break;
      }
    } else if (fetching < concurrency && inFlight.size < maxUncommitted) {
      await work.fill(concurrency - fetching, (key) => inFlight.has(key));
      for (;;) {
        if (fetching >= concurrency || inFlight.size >= maxUncommitted || pagesDone + inFlight.size >= maxPages) break;
        const r = work.take();
        if (!r) break;
        fetching++;
        const p = handle(r)
          .catch((error: unknown) => void (crashed ??= { error }))
          .finally(() => {
            inFlight.delete(r.uniqueKey);
            wakeLoop();
          });
        inFlight.set(r.uniqueKey, p);
      }
      if (!inFlight.size) {
        const wait = work.nextRetryIn();
        if (wait === null) {
          // Nothing queued, running or waiting: done, unless a full re-read finds pending rows we never saw.
          if (await work.rescan((key) => inFlight.has(key))) continue;
          break;
        }
        // Only back-off waits remain: sleep until the earliest is due.
        await sleep(Math.max(10, wait), ctx.hardSignal).catch(() => {});
        continue;
      }
    }
    // Woken when a fetch ends (a slot is free) or a page settles.
    await new Promise<void>((resolve) => (wake = resolve));
  }
  await Promise.allSettled(inFlight.values());

  if (ctx.hardSignal.aborted) return { status: RunStatus.Stopped, message: 'Killed' };
  const final = await frontier.stateCounts(run.id);
  const summary = `${pagesDone} pages, ${recordsStored} records, ${final.failed ?? 0} failed requests`;
  if (ctx.stopRequested()) return { status: RunStatus.Stopped, message: `Stopped by request after ${summary}` };
  if (fatal) return { status: RunStatus.Failure, message: fatal };
  const missingReport = Object.entries(fieldMissing).filter(([, n]) => n > 0).map(([k, n]) => `${k} empty in ${n} of ${recordsSeen}`);
  if (missingReport.length) ctx.deps.log('warn', `Fields with empty values: ${missingReport.join('; ')}`);
  const notes = [summary, ...(limitHit ? [`stopped early: ${limitHit}`] : [])];
  const verdict = evaluateSuccess(spec, { records: recordsStored, errors: final.failed ?? 0, pagesDone, fieldMissing, recordsSeen });
  if (verdict.kind === 'failure') return { status: RunStatus.Failure, message: `${verdict.reason} (${notes.join('; ')})` };
  if (pagesDone === 0 && (final.failed ?? 0) > 0) return { status: RunStatus.Failure, message: `Every request failed (${notes.join('; ')})` };
  return { status: verdict.kind === 'success' ? RunStatus.Success : RunStatus.Completed, message: notes.join('; ') };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Math.floor(n)));
}
