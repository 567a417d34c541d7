/** Multi-call workflows on top of the client: wait for a run to end, build an agent from a prompt. */
import type { GleanerClient } from './client.ts';
import { GleanerApiError } from './http.ts';
import { isTerminal, type BuilderEvent, type BuilderFinish, type BuilderStatus, type RunInfo, type SampleRecordsEvent } from './types.ts';

export interface WaitForRunOptions {
  /** Called with each status whose counters or status changed. */
  onProgress?: (run: RunInfo) => void;
  /** Give up (GleanerTimeoutError) after this long; default: wait forever. */
  timeoutMs?: number;
  /** Minimum time between polls (default 1000 ms). */
  intervalMs?: number;
  signal?: AbortSignal;
}

export class GleanerTimeoutError extends Error {
  override readonly name = 'GleanerTimeoutError';
}

/** The builder reported an unrecoverable error, or the session ended without an agent. */
export class GleanerBuildError extends Error {
  override readonly name = 'GleanerBuildError';
  constructor(message: string, readonly sessionId: string, readonly status: BuilderStatus | null) {
    super(message);
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

const progressKey = (r: RunInfo) => `${r.status}|${r.pageCount}|${r.dataCount}|${r.errorCount}|${r.requestCount}`;

export async function waitForRun(client: GleanerClient, agentId: number, runId: number, opts: WaitForRunOptions = {}): Promise<RunInfo> {
  const interval = opts.intervalMs ?? 1000;
  const deadline = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : Infinity;
  let last = '';
  for (;;) {
    const began = Date.now();
    // waitForFinish=1 lets Gleaner answer the moment the run ends; a server without it answers at once.
    const run = await client.runs.status(agentId, runId, interval >= 1000 ? 1 : undefined);
    const key = progressKey(run);
    if (key !== last) {
      last = key;
      opts.onProgress?.(run);
    }
    if (isTerminal(run.status)) return run;
    if (Date.now() >= deadline) throw new GleanerTimeoutError(`Run ${runId} did not finish within ${Math.round(opts.timeoutMs! / 1000)} s (status ${run.status})`);
    const wait = Math.min(interval - (Date.now() - began), deadline - Date.now());
    if (wait > 0) await sleep(wait, opts.signal);
  }
}

export interface BuildAgentOptions {
  /** Every builder event, in order. */
  onEvent?: (e: BuilderEvent) => void;
  /** When given, `finish` saves the agent under this name once the builder is ready. */
  agentName?: string;
  spaceId?: number;
  /** Give up after this long (default 15 min); the session is cancelled. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface BuildAgentResult {
  sessionId: string;
  status: BuilderStatus | null;
  /** The last `sample_records` event: records from a test extraction with fill rates. */
  sample: SampleRecordsEvent | null;
  events: BuilderEvent[];
  /** Set when `agentName` was given and finish succeeded (or the builder completed on its own, Gen-B). */
  agent: { agentId: number; agentName: string } | null;
  finish: BuilderFinish | null;
}

/** The builder is ready to finish: the quickstart's `phase`, Gen-A's `ready_for_interaction` or a `ready` status. */
function isReadyEvent(e: BuilderEvent): boolean {
  return e.phase === 'ready_to_finish' || e.type === 'ready_to_finish' || (e.type === 'ready_for_interaction' && e.phase === undefined);
}

/**
 * Start a session, long-poll its events from -1 until the builder is ready to finish (or fails with an
 * error event whose isRecoverable is false), then finish it when `agentName` is given.
 */
export async function buildAgent(client: GleanerClient, prompt: string, opts: BuildAgentOptions = {}): Promise<BuildAgentResult> {
  const started = await client.builder.start({ prompt, mode: 'prompt', ...(opts.spaceId !== undefined ? { spaceId: opts.spaceId } : {}) });
  if (!started.sessionId) throw new GleanerBuildError(started.error ?? 'The builder did not start a session', '', null);
  const sessionId = started.sessionId;
  const deadline = Date.now() + (opts.timeoutMs ?? 15 * 60_000);
  const events: BuilderEvent[] = [];
  let sample: SampleRecordsEvent | null = null;
  let cursor = -1;
  let status: BuilderStatus | null = null;
  let ready = false;
  let agent: BuildAgentResult['agent'] = null;
  try {
    while (!ready) {
      if (Date.now() > deadline) throw new GleanerTimeoutError(`The builder did not get ready within ${Math.round((opts.timeoutMs ?? 900_000) / 1000)} s`);
      const page = await client.builder.events(sessionId, cursor, opts.signal);
      for (const e of page.events ?? []) {
        if (typeof e.eventIndex === 'number' && e.eventIndex <= cursor) continue; // a replay after a retried poll
        events.push(e);
        opts.onEvent?.(e);
        if (e.type === 'sample_records') sample = e as SampleRecordsEvent;
        if (e.type === 'error' && e.isRecoverable === false) throw new GleanerBuildError(String(e.message ?? 'The builder failed'), sessionId, status);
        if (isReadyEvent(e)) ready = true;
        // Paused without a draft (Gleaner marks this with phase "building"): only a follow-up can continue.
        else if (e.type === 'ready_for_interaction' && typeof e.phase === 'string') throw new GleanerBuildError(String(e.message ?? 'The builder needs more information'), sessionId, status);
        if ((e.type === 'session_completed' || e.type === 'agent_saved') && typeof (e.agentId ?? e.configId) === 'number') agent = { agentId: Number(e.agentId ?? e.configId), agentName: String(e.agentName ?? '') };
      }
      if (typeof page.lastEventIndex === 'number' && page.lastEventIndex > cursor) cursor = page.lastEventIndex;
      if (page.phase === 'ready_to_finish') ready = true;
      if (!ready && (page.status === 'error' || page.status === 'cancelled')) throw new GleanerBuildError(`The build session ended: ${String(page.status)}`, sessionId, status);
      // No cancelled event exists (api-spec §2.3): an empty poll is the moment to check the status.
      if (!ready && !(page.events ?? []).length) {
        status = await client.builder.status(sessionId);
        if (status.status === 'ready' || status.phase === 'ready_to_finish') ready = true;
        else if (status.status === 'completed') {
          ready = true;
          const id = status.agentId ?? status.configId;
          if (typeof id === 'number') agent = { agentId: id, agentName: status.agentName ?? '' };
        } else if (status.status === 'error' || status.status === 'cancelled') throw new GleanerBuildError(status.error ?? `The build session was ${status.status}`, sessionId, status);
      }
    }
  } catch (e) {
    if (e instanceof GleanerTimeoutError || (opts.signal?.aborted ?? false)) await client.builder.cancel(sessionId).catch(() => {});
    throw e;
  }
  let finish: BuilderFinish | null = null;
  if (opts.agentName && !agent) {
    finish = await client.builder.finish(sessionId, opts.agentName);
    if (finish && finish.success === false) throw new GleanerBuildError(finish.error ?? 'finish failed', sessionId, status);
    const id = finish?.agentId ?? finish?.configId;
    if (typeof id === 'number') agent = { agentId: id, agentName: finish.agentName ?? opts.agentName };
  }
  status = await client.builder.status(sessionId).catch((e: unknown) => {
    // A torn-down session answers 404: that still means the build is done (api-spec §1.1).
    if (e instanceof GleanerApiError && e.status === 404) return status;
    throw e;
  });
  return { sessionId, status, sample, events, agent, finish };
}
