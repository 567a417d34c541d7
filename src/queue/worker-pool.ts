/**
 * Workers: claim queued runs atomically, hold them by a renewed lease, execute them, and write the final
 * status. Stop and kill arrive through the run's `control` column (polled with each lease renewal, so
 * they reach a run on any machine) and, in-process, through the event bus at once.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { parseAgentSpec } from '../domain/agent-spec.ts';
import { RunStatus } from '../domain/run-status.ts';
import { errorMessage } from '../domain/errors.ts';
import type { Clock } from '../domain/clock.ts';
import type { ClaimLimits, RunsRepo, RunRow } from '../storage/repos/runs-repo.ts';
import type { FrontierRepo } from '../storage/repos/frontier-repo.ts';
import type { AgentsRepo } from '../storage/repos/agents-repo.ts';
import { LeaseLostError } from '../storage/repos/frontier-repo.ts';
import { executeRun, type RunOptionsOverride } from '../engine/crawl/run-executor.ts';
import type { ProcessorDeps } from '../engine/crawl/page-processor.ts';
import { RunLogger } from './run-logger.ts';
import type { EventBus } from './event-bus.ts';
import { createRunFiles } from './run-files.ts';

export interface WorkerPoolDeps {
  runs: RunsRepo;
  frontier: FrontierRepo;
  agents: AgentsRepo;
  clock: Clock;
  bus: EventBus;
  /** Per-run engine dependencies (HTTP client, robots, limiter, browser), given the run's logger. */
  engineFor(run: RunRow, log: ProcessorDeps['log'], signal: AbortSignal): ProcessorDeps & { dispose?: () => Promise<void> };
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  maxAttempts: number;
  limits: ClaimLimits;
  onError?: (e: unknown) => void;
  /** After a run's final status is written (a parallel child's parent settles then, not a recovery tick later). */
  onRunEnded?: (run: RunRow) => Promise<void>;
}

interface ActiveRun {
  run: RunRow;
  hard: AbortController;
  stop: boolean;
  done: Promise<void>;
}

export class WorkerPool {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly active = new Map<number, ActiveRun>();
  private running = false;
  private wake: (() => void) | null = null;
  /** A wake-up that arrived while the loop was busy claiming: the loop must not then sleep a whole poll. */
  private wakeRequested = false;
  private loop: Promise<void> | null = null;
  private unsubscribe: Array<() => void> = [];

  constructor(private readonly d: WorkerPoolDeps) {}

  start(): void {
    if (this.running || this.d.concurrency <= 0) return;
    this.running = true;
    this.unsubscribe.push(this.d.bus.on('run-queued', () => this.poke()));
    this.unsubscribe.push(this.d.bus.on('run-control', (p) => this.applyControl(p.runId, p.control)));
    this.loop = this.claimLoop();
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Graceful: stop claiming, hand running runs back to the queue (resumable elsewhere), release leases. */
  async stop(drainMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    for (const u of this.unsubscribe) u();
    await this.loop;
    for (const a of this.active.values()) a.hard.abort(new Error('worker shutting down'));
    await Promise.race([Promise.allSettled([...this.active.values()].map((a) => a.done)), new Promise((r) => setTimeout(r, drainMs))]);
  }

  private async claimLoop(): Promise<void> {
    while (this.running) {
      let claimed = false;
      this.wakeRequested = false;
      if (this.active.size < this.d.concurrency) {
        try {
          const now = this.d.clock.now();
          const run = await this.d.runs.claimNext(this.id, now.toISOString(), new Date(now.getTime() + this.d.leaseMs).toISOString(), this.d.limits);
          if (run) {
            claimed = true;
            this.launch(run);
          }
        } catch (e) {
          this.d.onError?.(e);
        }
      }
      if (!claimed && this.running && !this.wakeRequested) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.d.pollMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }

  private launch(run: RunRow): void {
    const hard = new AbortController();
    const entry: ActiveRun = { run, hard, stop: false, done: Promise.resolve() };
    this.active.set(run.id, entry);
    entry.done = this.execute(entry)
      .catch((e) => this.d.onError?.(e))
      .finally(() => {
        this.active.delete(run.id);
        this.poke();
      });
  }

  private poke(): void {
    if (this.wake) this.wake();
    else this.wakeRequested = true;
  }

  private applyControl(runId: number, control: number): void {
    const a = this.active.get(runId);
    if (!a) return;
    if (control >= 1) a.stop = true;
    if (control >= 2) a.hard.abort(new Error('killed'));
  }

  private async execute(a: ActiveRun): Promise<void> {
    const { runs, frontier, clock } = this.d;
    const run = a.run;
    const options = safeJson(run.options) as { logLevel?: string; concurrency?: number; perHostDelayMs?: number; retryFailedOnly?: boolean };
    const logger = new RunLogger(run.id, frontier, clock, options.logLevel ?? 'Info');
    const parsed = parseAgentSpec(safeJson(run.spec));
    if (!parsed.ok) {
      await this.finish(a, RunStatus.Failure, `Invalid agent definition: ${parsed.errors.join('; ')}`, logger);
      return;
    }
    const spec = parsed.value;
    await runs.updateOwned(run.id, this.id, { status: RunStatus.Running });
    this.d.bus.emit('run-changed', { runId: run.id });

    let leaseLost = false;
    let timedOut = false;
    const renew = setInterval(() => {
      void (async () => {
        try {
          const n = clock.now();
          const r = await runs.renewLease(run.id, this.id, new Date(n.getTime() + this.d.leaseMs).toISOString());
          if (!r) {
            leaseLost = true;
            a.hard.abort(new Error('lease lost'));
          } else this.applyControl(run.id, r.control);
        } catch (e) {
          this.d.onError?.(e);
        }
      })();
    }, Math.max(200, Math.floor(this.d.leaseMs / 3)));
    const timeout = setTimeout(() => {
      timedOut = true;
      a.hard.abort(new Error('run timeout'));
    }, spec.limits.runTimeoutSec * 1000);
    const engine = this.d.engineFor(run, logger.log, a.hard.signal);
    try {
      // A kill or stop issued before we claimed is honoured at once.
      const fresh = await runs.get(run.id);
      if (fresh) this.applyControl(run.id, fresh.control);
      const result = await executeRun({
        run,
        spec,
        inputs: (safeJson(run.input_parameters ?? '{}') ?? {}) as Record<string, string>,
        owner: this.id,
        frontier,
        clock,
        deps: engine,
        hardSignal: a.hard.signal,
        stopRequested: () => a.stop,
        overrides: { concurrency: options.concurrency, perHostDelayMs: options.perHostDelayMs } as RunOptionsOverride,
        onProgress: () => this.d.bus.emit('run-changed', { runId: run.id }),
      });
      if (leaseLost) return; // another worker owns it now
      if (timedOut) await this.finish(a, RunStatus.Failure, `Run timed out after ${spec.limits.runTimeoutSec} s`, logger);
      else if (a.hard.signal.aborted && !a.stop && (a.hard.signal.reason as Error | undefined)?.message === 'worker shutting down') await this.handBack(a, logger);
      else await this.finish(a, result.status, result.message, logger);
    } catch (e) {
      if (e instanceof LeaseLostError || leaseLost) {
        logger.log('warn', 'Lease lost: another worker took this run over');
        await logger.flush();
        return;
      }
      await this.finish(a, RunStatus.Failure, `Run failed: ${errorMessage(e)}`, logger);
    } finally {
      clearInterval(renew);
      clearTimeout(timeout);
      await engine.dispose?.().catch(() => {});
    }
  }

  private async handBack(a: ActiveRun, logger: RunLogger): Promise<void> {
    logger.log('info', 'Worker shutting down: run handed back to the queue, it resumes where it was');
    await logger.flush();
    await this.d.runs.updateOwned(a.run.id, this.id, { status: RunStatus.Queuing, lease_owner: null, lease_expires_at: null, message: 'Handed back by a worker shutting down' });
    this.d.bus.emit('run-queued', { runId: a.run.id });
  }

  private async finish(a: ActiveRun, status: number, message: string, logger: RunLogger): Promise<void> {
    const { runs, frontier, clock, agents } = this.d;
    const now = clock.now().toISOString();
    logger.log(status === RunStatus.Failure ? 'error' : 'info', message);
    await logger.flush();
    try {
      await createRunFiles(frontier, a.run.id, now);
    } catch (e) {
      this.d.onError?.(e);
    }
    const ok = await runs.updateOwned(a.run.id, this.id, { status, message, end_time: now, lease_owner: null, lease_expires_at: null });
    if (ok) await agents.touchRunStatus(a.run.agent_id, status, now);
    this.d.bus.emit('run-changed', { runId: a.run.id });
    this.d.bus.emit('run-finished', { runId: a.run.id });
    if (ok) await this.d.onRunEnded?.(a.run).catch((e) => this.d.onError?.(e));
  }
}

function safeJson(s: string | null): unknown {
  if (!s) return {};
  try {
    return JSON.parse(s);
  } catch {
    return {};
  }
}
