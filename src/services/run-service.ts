/**
 * Runs as the API sees them: start (async or sync), status, stop, kill, restart, delete, files.
 * The worker pool executes; this service only writes intentions to the database and waits.
 */
import { ApiError, ValidationError } from '../domain/errors.ts';
import { RunStatus, isTerminal } from '../domain/run-status.ts';
import { outputFieldNames, parseAgentSpec } from '../domain/agent-spec.ts';
import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.ts';
import type { Database } from '../storage/schema.ts';
import type { AgentRow } from '../storage/repos/agents-repo.ts';
import type { NewRun, RunRow, RunsRepo } from '../storage/repos/runs-repo.ts';
import type { FrontierRepo } from '../storage/repos/frontier-repo.ts';
import type { EventBus } from '../queue/event-bus.ts';
import type { AgentService } from './agent-service.ts';
import type { Principal } from './access.ts';
import { ParallelRuns, extractListInputs } from './parallel-runs.ts';

export interface StartOptions {
  inputParameters?: string | null;
  isRunSynchronously?: boolean;
  timeout?: number;
  parallelism?: number;
  parallelMaxConcurrency?: number;
  parallelExport?: 'Combined' | 'Separated';
  proxyPoolId?: number | null;
  isExclusive?: boolean;
  isWaitOnFailure?: boolean;
  logLevel?: string;
  logMode?: string;
  /** Ours: override the agent's concurrency / per-host delay for this run only. */
  concurrency?: number;
  perHostDelayMs?: number;
}

export type RemoveMethod = 'RemoveEntireRun' | 'RemoveAllFiles' | 'RemoveAllFilesAndAgentInput';

export class RunService {
  constructor(
    private readonly runs: RunsRepo,
    private readonly frontier: FrontierRepo,
    private readonly agents: AgentService,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly pollMs: number,
  ) {
    this.parallel = new ParallelRuns(runs, frontier, agents, bus, clock);
  }

  /** Parallel runs: split, settle, stop and restart of parents (parallel-runs.ts). */
  readonly parallel: ParallelRuns;

  private now() {
    return this.clock.now().toISOString();
  }

  /** Parses the JSON-string `inputParameters` against the agent's declared parameters. */
  parseInputs(agent: AgentRow, raw: string | null | undefined): Record<string, string> {
    if (raw === undefined || raw === null || raw.trim() === '') return {};
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      throw new ValidationError(['inputParameters: must be a JSON-encoded object, e.g. "{\\"url\\":\\"https://...\\"}"']);
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new ValidationError(['inputParameters: must be a JSON object']);
    const spec = parseAgentSpec(JSON.parse(agent.spec));
    const declared = spec.ok ? Object.keys(spec.value.inputParameters) : [];
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      if (declared.length && !declared.includes(k)) throw new ValidationError([`inputParameters.${k}: unknown parameter; this agent declares ${declared.join(', ')}`]);
      if (v !== null && typeof v === 'object') throw new ValidationError([`inputParameters.${k}: must be a string, number or boolean`]);
      out[k] = v === null ? '' : String(v);
    }
    return out;
  }

  async start(p: Principal, agentId: number, o: StartOptions, startedBy?: string): Promise<RunRow> {
    const agent = await this.agents.get(p, agentId);
    if (agent.archived) throw ApiError.conflict(`Agent ${agentId} is archived; unarchive it before starting runs`);
    // A parallel start may give one parameter a list of values to split between the sub-runs.
    const split = (o.parallelism ?? 1) > 1 ? extractListInputs(o.inputParameters) : { rest: o.inputParameters, lists: {} };
    const inputs = this.parseInputs(agent, split.rest);
    const declared = Object.keys(JSON.parse(agent.spec)?.inputParameters ?? {});
    for (const k of Object.keys(split.lists)) if (declared.length && !declared.includes(k)) throw new ValidationError([`inputParameters.${k}: unknown parameter; this agent declares ${declared.join(', ')}`]);
    if (o.parallelism !== undefined && (o.parallelism < 1 || o.parallelism > 50)) throw new ValidationError(['parallelism: must be between 1 and 50']);
    if (o.isRunSynchronously && (o.parallelism ?? 1) > 1) throw new ValidationError(['parallelism: cannot be more than 1 for a synchronous run']);
    if (o.timeout !== undefined && (o.timeout < 1 || o.timeout > 3600)) throw new ValidationError(['timeout: must be between 1 and 3600 seconds']);
    if (o.concurrency !== undefined && (o.concurrency < 1 || o.concurrency > 64)) throw new ValidationError(['concurrency: must be between 1 and 64']);
    if (o.perHostDelayMs !== undefined && (o.perHostDelayMs < 0 || o.perHostDelayMs > 600000)) throw new ValidationError(['perHostDelayMs: must be between 0 and 600000']);
    const isExclusive = o.isExclusive ?? true;
    if (isExclusive) {
      const active = await this.runs.activeForAgent(agentId);
      if (active.length) throw ApiError.conflict(`Agent ${agentId} already has an active run (${active.map((r) => r.id).join(', ')}); wait for it, stop it, or start with isExclusive: false`, { activeRunIds: active.map((r) => r.id) });
    }
    const base: NewRun = {
      agentId,
      spaceId: agent.space_id,
      organizationId: p.organizationId,
      configVersion: agent.version,
      spec: agent.spec,
      inputParameters: Object.keys(inputs).length ? JSON.stringify(inputs) : null,
      options: runOptionsJson(o),
      isExclusive,
      startedBy: startedBy ?? p.email,
    };
    if ((o.parallelism ?? 1) > 1) {
      const parent = await this.parallel.create(base, inputs, split.lists, o.parallelism!);
      await this.agents.touch(agentId, RunStatus.Running);
      return parent;
    }
    const run = await this.runs.create(base, this.now());
    await this.agents.touch(agentId, RunStatus.Queuing);
    this.bus.emit('run-queued', { runId: run.id });
    return run;
  }

  /**
   * The scheduler's start: the same inputs and options as start(), but an archived agent, an exclusive agent
   * that is still running or inputs the agent no longer accepts give a Skipped (11) run with the reason
   * instead of an error: a schedule has no caller to answer. `commit` inserts the run together with the
   * slot claim (one transaction) and returns null when another scheduler claimed the slot first.
   */
  async startScheduled(agent: AgentRow, organizationId: number, o: StartOptions, meta: { scheduleId: number; startedBy: string; note: string | null }, commit: (insert: (tx: Kysely<Database>, now: string) => Promise<RunRow>) => Promise<RunRow | null>): Promise<RunRow | null> {
    let skip: string | null = agent.archived ? `Skipped: agent ${agent.id} is archived` : null;
    let inputs: Record<string, string> = {};
    const parallelism = o.parallelism ?? 1;
    // As in start(): a parallel schedule may give one parameter a list of values to split between the sub-runs.
    const split = parallelism > 1 ? extractListInputs(o.inputParameters) : { rest: o.inputParameters, lists: {} };
    if (!skip) {
      try {
        inputs = this.parseInputs(agent, split.rest);
      } catch (e) {
        skip = `Skipped: the schedule's ${(e as Error).message}`;
      }
    }
    const isExclusive = o.isExclusive ?? true;
    if (!skip && isExclusive) {
      const active = await this.runs.activeForAgent(agent.id);
      if (active.length) skip = `Skipped: the agent is exclusive and run ${active.map((r) => r.id).join(', ')} is still active`;
    }
    const base: NewRun = {
      agentId: agent.id,
      spaceId: agent.space_id,
      organizationId,
      configVersion: agent.version,
      spec: agent.spec,
      inputParameters: Object.keys(inputs).length ? JSON.stringify(inputs) : null,
      options: runOptionsJson(o),
      isExclusive,
      startedBy: meta.startedBy,
      scheduleId: meta.scheduleId,
      message: meta.note,
    };
    let parallel: ReturnType<ParallelRuns['plan']> | null = null;
    if (!skip && parallelism > 1) {
      try {
        parallel = this.parallel.plan(base, inputs, split.lists, parallelism);
      } catch (e) {
        skip = `Skipped: the schedule's ${(e as Error).message}`;
      }
    }
    let childIds: number[] = [];
    const run = await commit(async (tx, now) => {
      if (skip) return this.runs.create({ ...base, status: RunStatus.Skipped, message: [skip, meta.note].filter(Boolean).join('; ') }, now, tx);
      if (!parallel) return this.runs.create(base, now, tx);
      const created = await this.runs.createParallel(parallel.parent, parallel.children, now, tx);
      childIds = created.childIds;
      return created.parent;
    });
    if (!run) return null;
    if (skip) this.bus.emit('run-finished', { runId: run.id });
    else if (parallel) {
      this.parallel.queued(childIds, parallel.cap);
      await this.agents.touch(agent.id, RunStatus.Running);
    } else {
      await this.agents.touch(agent.id, RunStatus.Queuing);
      this.bus.emit('run-queued', { runId: run.id });
    }
    return run;
  }

  /** Waits for a terminal status; false on timeout (the run goes on). */
  async waitForEnd(runId: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.bus.waitFor('run-finished', async () => isTerminal((await this.runs.get(runId))?.status ?? RunStatus.Failure), { timeoutMs, pollMs: this.pollMs, filter: (e) => e.runId === runId, signal });
  }

  async get(p: Principal, agentId: number, runId: number): Promise<{ run: RunRow; agent: AgentRow }> {
    const agent = await this.agents.get(p, agentId);
    const run = await this.runs.getForAgent(agentId, runId);
    if (!run) throw ApiError.notFound('Run not found');
    return { run, agent };
  }

  async list(p: Principal, agentId: number, max: number, history?: boolean, offset = 0) {
    await this.agents.get(p, agentId);
    return this.runs.listForAgent(agentId, max, { history, offset });
  }

  async count(p: Principal, agentId: number, history?: boolean) {
    await this.agents.get(p, agentId);
    return this.runs.countForAgent(agentId, history);
  }

  async stop(p: Principal, agentId: number, runId: number): Promise<void> {
    const { run } = await this.get(p, agentId, runId);
    if (this.parallel.isParent(run)) {
      // The parent holds no worker: the stop goes to each child; the parent ends when they have.
      await this.requestStop(run, 1);
      await this.parallel.stopChildren(run, (k) => this.requestStop(k, 1));
    } else await this.requestStop(run, 1);
    await this.settleParentOf(run);
  }

  /** Kill: like stop on an active run; on a run already stopping, forces it. A queued run ends at once. */
  async kill(p: Principal, agentId: number, runId: number): Promise<void> {
    const { run } = await this.get(p, agentId, runId);
    if (this.parallel.isParent(run)) {
      if (isTerminal(run.status)) throw ApiError.conflict(`Run ${run.id} is not active (status ${run.status})`);
      const force = run.status === RunStatus.Stopping && run.control >= 1;
      if (force) await this.runs.setControl(run.id, 2);
      else await this.requestStop(run, 2);
      await this.parallel.stopChildren(run, (k) => this.killOne(k, force));
    } else await this.killOne(run, false);
    await this.settleParentOf(run);
  }

  private async settleParentOf(run: RunRow): Promise<void> {
    const parentId = this.parallel.isParent(run) ? run.id : run.parent_run_id;
    if (parentId !== null) await this.parallel.settle(parentId);
  }

  /** `force`: end it now whatever it is doing (a second kill of a parallel parent). */
  private async killOne(run: RunRow, force: boolean): Promise<void> {
    if (force && !isTerminal(run.status)) {
      if (await this.runs.transition(run.id, [RunStatus.Queuing, RunStatus.Waiting, RunStatus.Starting, RunStatus.Running, RunStatus.Exporting, RunStatus.Stopping], RunStatus.Stopped, this.now(), { message: 'Killed', control: 2, lease_owner: null, lease_expires_at: null })) {
        this.bus.emit('run-control', { runId: run.id, control: 2 });
        this.bus.emit('run-finished', { runId: run.id });
        return;
      }
    }
    if (run.status === RunStatus.Stopping && run.control >= 1) {
      // Second call, or a stop that did not respond: end it now. Clearing the lease means a stuck
      // worker can no longer commit anything for this run.
      if (await this.runs.transition(run.id, [RunStatus.Stopping], RunStatus.Stopped, this.now(), { message: 'Killed', control: 2, lease_owner: null, lease_expires_at: null })) {
        this.bus.emit('run-control', { runId: run.id, control: 2 });
        this.bus.emit('run-finished', { runId: run.id });
        return;
      }
    }
    await this.requestStop(run, 2);
  }

  private async requestStop(run: RunRow, control: 1 | 2): Promise<void> {
    const now = this.now();
    if (isTerminal(run.status)) throw ApiError.conflict(`Run ${run.id} is not active (status ${run.status})`);
    if (run.status === RunStatus.Queuing || run.status === RunStatus.Waiting) {
      if (await this.runs.transition(run.id, [RunStatus.Queuing, RunStatus.Waiting], RunStatus.Stopped, now, { message: 'Stopped before it started', control })) {
        this.bus.emit('run-finished', { runId: run.id });
        return;
      }
    }
    await this.runs.setControl(run.id, Math.max(control, run.control));
    await this.runs.transition(run.id, [RunStatus.Running, RunStatus.Starting, RunStatus.Exporting], RunStatus.Stopping, now, { message: control === 2 ? 'Kill requested' : 'Stop requested' });
    this.bus.emit('run-control', { runId: run.id, control: Math.max(control, run.control) });
    this.bus.emit('run-changed', { runId: run.id });
  }

  /**
   * Restart a Failure run in place. Plain: it resumes its whole frontier (pending requests, parked ones, and the
   * failed ones with fresh retries). failedOnly: only the failed requests are fetched again (plus the links they
   * yield); requests still pending are parked and left for a later plain restart. A parallel parent restarts its
   * Failure children the same way.
   */
  async restart(p: Principal, agentId: number, runId: number, opts: { failedOnly?: boolean } = {}): Promise<RunRow> {
    const { run } = await this.get(p, agentId, runId);
    if (run.status !== RunStatus.Failure) throw ApiError.conflict(`Only a run in Failure (6) can be restarted; run ${runId} has status ${run.status}`);
    if (this.parallel.isParent(run)) await this.parallel.restart(run, (k) => this.restartOne(k, opts));
    else await this.restartOne(run, opts);
    return (await this.runs.get(runId))!;
  }

  private async restartOne(run: RunRow, opts: { failedOnly?: boolean }): Promise<void> {
    const now = this.now();
    if (opts.failedOnly) await this.frontier.parkPending(run.id, now);
    else await this.frontier.unparkPending(run.id, now);
    await this.frontier.requeueFailed(run.id, now);
    await this.frontier.deleteFiles(run.id, ['blob']);
    if (!(await this.runs.resetForRestart(run.id, now))) throw ApiError.conflict(`Run ${run.id} changed state; try again`);
    // A child restarted on its own makes its ended parent active again (it settles when the child ends).
    if (run.parent_run_id !== null) await this.runs.reopenParent(run.parent_run_id, now);
    this.bus.emit('run-queued', { runId: run.id });
  }

  async delete(p: Principal, agentId: number, runId: number, method: RemoveMethod): Promise<void> {
    const { run } = await this.get(p, agentId, runId);
    if (!isTerminal(run.status)) throw ApiError.badRequest('Run is currently active and cannot be deleted');
    if (method === 'RemoveEntireRun') return this.runs.delete(runId);
    await this.frontier.deleteRunData(runId);
    if (method === 'RemoveAllFilesAndAgentInput') await this.runs.clearInputs(runId);
  }

  /** Unscoped: for callers that already checked access to a related run (a parent's child files). */
  async runRow(id: number): Promise<RunRow | undefined> {
    return this.runs.get(id);
  }

  async records(runIds: number[], offset: number, limit: number) {
    return this.frontier.recordPage(runIds, offset, limit);
  }

  /** Run ids whose records make up this run's output (a parallel parent combines its children). */
  async outputRunIds(run: RunRow): Promise<number[]> {
    const kids = await this.runs.children(run.id);
    return kids.length ? kids.map((k) => k.id) : [run.id];
  }

  columnsOf(run: RunRow): string[] {
    const s = parseAgentSpec(JSON.parse(run.spec));
    return s.ok ? outputFieldNames(s.value) : [];
  }
}

/** The run options stored on a run (shared by API starts and scheduled starts). */
function runOptionsJson(o: StartOptions): string {
  return JSON.stringify({ parallelism: o.parallelism ?? 1, parallelMaxConcurrency: o.parallelMaxConcurrency ?? 1, parallelExport: o.parallelExport ?? 'Combined', logLevel: o.logLevel ?? 'Info', logMode: o.logMode ?? 'Text', isWaitOnFailure: o.isWaitOnFailure ?? false, proxyPoolId: o.proxyPoolId ?? null, concurrency: o.concurrency, perHostDelayMs: o.perHostDelayMs });
}
