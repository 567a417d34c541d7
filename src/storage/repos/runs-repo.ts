/**
 * Runs: creation, the queue (the runs table is the queue), leases, control flags and counters.
 * Claims are serialised cluster-wide (an advisory transaction lock on PostgreSQL; SQLite has one writer),
 * which makes the per-agent, per-space and exclusivity limits exact without races.
 */
import { sql, type ExpressionBuilder, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, RunsTable } from '../schema.ts';
import type { Dialect } from '../db.ts';
import type { SpaceScope } from './agents-repo.ts';
import { RunStatus } from '../../domain/run-status.ts';

export type RunRow = Selectable<RunsTable>;

/** Statuses that hold a worker (or are about to). */
export const RUNNING_STATUSES = [RunStatus.Starting, RunStatus.Running, RunStatus.Exporting, RunStatus.Stopping] as const;
const ACTIVE = [...RUNNING_STATUSES, RunStatus.Queuing, RunStatus.Waiting];

const CLAIM_LOCK_KEY = 727_001;

export interface NewRun {
  agentId: number;
  spaceId: number;
  organizationId: number;
  configVersion: number;
  spec: string;
  inputParameters: string | null;
  options: string;
  isExclusive: boolean;
  startedBy: string | null;
  scheduleId?: number | null;
  parentRunId?: number | null;
  parallelSet?: number | null;
  sequence?: number;
  status?: number;
  message?: string | null;
}

export interface ClaimLimits {
  maxPerAgent?: number;
  maxPerSpace?: number;
  /** Runs executing at once in the whole cluster. */
  maxTotal?: number;
}

/** Not a parallel parent (parent = no parent of its own, and a parallel set: its own id). */
const notParent = (eb: ExpressionBuilder<Database, 'runs'>) => eb.or([eb('parallel_set', 'is', null), eb('parent_run_id', 'is not', null)]);

function parallelCap(options: string): number {
  try {
    const n = Number((JSON.parse(options) as { parallelMaxConcurrency?: unknown }).parallelMaxConcurrency);
    return Number.isInteger(n) && n >= 1 ? n : 1;
  } catch {
    return 1;
  }
}

export interface Counters {
  pages?: number;
  requests?: number;
  data?: number;
  errors?: number;
  traffic?: number;
  dynamicPages?: number;
  actions?: number;
}

export class RunsRepo {
  constructor(private readonly db: Kysely<Database>, private readonly dialect: Dialect) {}

  async create(v: NewRun, now: string, tx: Kysely<Database> = this.db): Promise<RunRow> {
    return tx
      .insertInto('runs')
      .values({
        agent_id: v.agentId,
        space_id: v.spaceId,
        organization_id: v.organizationId,
        status: v.status ?? RunStatus.Queuing,
        message: v.message ?? null,
        config_version: v.configVersion,
        spec: v.spec,
        input_parameters: v.inputParameters,
        options: v.options,
        is_exclusive: v.isExclusive ? 1 : 0,
        parent_run_id: v.parentRunId ?? null,
        parallel_set: v.parallelSet ?? null,
        sequence: v.sequence ?? 0,
        started_by: v.startedBy,
        schedule_id: v.scheduleId ?? null,
        created: now,
        start_time: null,
        end_time: v.status !== undefined && isEnd(v.status) ? now : null,
        page_count: 0, request_count: 0, data_count: 0, error_count: 0, export_count: 0, action_count: 0, input_count: 0, dynamic_page_count: 0, traffic: 0,
        lease_owner: null,
        lease_expires_at: null,
        attempt: 0,
        control: 0,
        table_type: 'Runs',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * A parallel parent and its children in one transaction: no other process ever sees a parent without its
   * parallel set (which would look like a leaseless single run to the recovery loop).
   */
  /** Parent and children in one transaction: `tx` when the caller has one open (the scheduler's slot claim). */
  async createParallel(parent: NewRun, children: NewRun[], now: string, tx?: Kysely<Database>): Promise<{ parent: RunRow; childIds: number[] }> {
    const insert = async (t: Kysely<Database>) => {
      const p = await this.create(parent, now, t);
      await t.updateTable('runs').set({ parallel_set: p.id, start_time: now }).where('id', '=', p.id).execute();
      const childIds: number[] = [];
      for (const c of children) childIds.push((await this.create({ ...c, parentRunId: p.id, parallelSet: p.id }, now, t)).id);
      return { parent: await t.selectFrom('runs').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow(), childIds };
    };
    return tx ? insert(tx) : this.db.transaction().execute(insert);
  }

  async get(id: number): Promise<RunRow | undefined> {
    return this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async getForAgent(agentId: number, runId: number): Promise<RunRow | undefined> {
    return this.db.selectFrom('runs').selectAll().where('id', '=', runId).where('agent_id', '=', agentId).executeTakeFirst();
  }

  async listForAgent(agentId: number, max: number, opts: { history?: boolean; offset?: number } = {}): Promise<RunRow[]> {
    let q = this.db.selectFrom('runs').selectAll().where('agent_id', '=', agentId).where('parent_run_id', 'is', null);
    if (opts.history !== undefined) q = q.where('table_type', '=', opts.history ? 'RunHistory' : 'Runs');
    return q.orderBy('id', 'desc').limit(max).offset(opts.offset ?? 0).execute();
  }

  async countForAgent(agentId: number, history?: boolean): Promise<number> {
    let q = this.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).where('agent_id', '=', agentId).where('parent_run_id', 'is', null);
    if (history !== undefined) q = q.where('table_type', '=', history ? 'RunHistory' : 'Runs');
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  async children(parentRunId: number): Promise<RunRow[]> {
    return this.db.selectFrom('runs').selectAll().where('parent_run_id', '=', parentRunId).orderBy('sequence').execute();
  }

  async activeForAgent(agentId: number): Promise<RunRow[]> {
    return this.db.selectFrom('runs').selectAll().where('agent_id', '=', agentId).where('status', 'in', ACTIVE).execute();
  }

  async listInRange(organizationId: number, scope: SpaceScope, from: string, to: string): Promise<RunRow[]> {
    let q = this.db.selectFrom('runs').selectAll().where('organization_id', '=', organizationId).where('created', '>=', from).where('created', '<', to);
    if (scope) q = scope.length ? q.where('space_id', 'in', scope) : q.where('id', '=', -1);
    return q.orderBy('id', 'desc').execute();
  }

  async recent(organizationId: number, scope: SpaceScope, limit: number): Promise<RunRow[]> {
    let q = this.db.selectFrom('runs').selectAll().where('organization_id', '=', organizationId);
    if (scope) q = scope.length ? q.where('space_id', 'in', scope) : q.where('id', '=', -1);
    return q.orderBy('id', 'desc').limit(limit).execute();
  }

  /** Compare-and-set on status: returns false when the run was not in one of `from` (a race lost, or a wrong-state call). */
  async transition(id: number, from: readonly number[], to: number, now: string, extra: Partial<Pick<RunRow, 'message' | 'control' | 'lease_owner' | 'lease_expires_at' | 'end_time' | 'start_time' | 'table_type' | 'input_parameters'>> = {}): Promise<boolean> {
    const r = await this.db
      .updateTable('runs')
      .set({ status: to, ...extra, ...(isEnd(to) && extra.end_time === undefined ? { end_time: now } : {}) })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async setControl(id: number, control: number): Promise<void> {
    await this.db.updateTable('runs').set({ control }).where('id', '=', id).execute();
  }

  /**
   * Takes the oldest queued run that the limits allow, atomically. Returns undefined when nothing is
   * claimable. Never hands one run to two workers: the claim is an UPDATE guarded by status inside a
   * serialised transaction.
   */
  async claimNext(owner: string, now: string, leaseUntil: string, limits: ClaimLimits): Promise<RunRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${CLAIM_LOCK_KEY})`.execute(tx);
      const candidates = await tx.selectFrom('runs').select(['id', 'agent_id', 'space_id', 'is_exclusive', 'parent_run_id', 'options']).where('status', '=', RunStatus.Queuing).orderBy('id').limit(50).execute();
      if (!candidates.length) return undefined;
      // A parallel parent is only a container: it holds no worker, so it counts against no limit.
      const running = await tx.selectFrom('runs').select(['agent_id', 'space_id', 'parent_run_id']).where('status', 'in', [...RUNNING_STATUSES]).where(notParent).execute();
      if (limits.maxTotal !== undefined && running.length >= limits.maxTotal) return undefined;
      const perAgent = new Map<number, number>();
      const perSpace = new Map<number, number>();
      const perParent = new Map<number, number>();
      const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
      for (const r of running) {
        bump(perAgent, r.agent_id);
        bump(perSpace, r.space_id);
        if (r.parent_run_id !== null) bump(perParent, r.parent_run_id);
      }
      const agentIds = [...new Set(candidates.map((c) => c.agent_id))];
      const agentLimits = new Map((await tx.selectFrom('agents').select(['id', 'max_concurrent_runs']).where('id', 'in', agentIds).execute()).map((a) => [a.id, a.max_concurrent_runs]));
      for (const c of candidates) {
        const activeOfAgent = perAgent.get(c.agent_id) ?? 0;
        if (c.is_exclusive && activeOfAgent > 0) continue;
        const agentLimit = agentLimits.get(c.agent_id) ?? limits.maxPerAgent;
        if (agentLimit !== undefined && agentLimit !== null && activeOfAgent >= agentLimit) continue;
        if (limits.maxPerSpace !== undefined && (perSpace.get(c.space_id) ?? 0) >= limits.maxPerSpace) continue;
        // parallelMaxConcurrency: children of one parent running at once, across every worker.
        if (c.parent_run_id !== null && (perParent.get(c.parent_run_id) ?? 0) >= parallelCap(c.options)) continue;
        const res = await tx
          .updateTable('runs')
          .set((eb) => ({ status: RunStatus.Starting, lease_owner: owner, lease_expires_at: leaseUntil, attempt: eb('attempt', '+', 1), start_time: eb.fn.coalesce('start_time', eb.val(now)) }))
          .where('id', '=', c.id)
          .where('status', '=', RunStatus.Queuing)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) continue;
        const row = await tx.selectFrom('runs').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
        // The claim history: proves (or disproves) that two workers never held one run at once.
        await tx.insertInto('run_attempts').values({ run_id: row.id, attempt: row.attempt, owner, claimed_at: now, lease_until: leaseUntil, ended_at: null }).onConflict((oc) => oc.columns(['run_id', 'attempt']).doNothing()).execute();
        return row;
      }
      return undefined;
    });
  }

  /** Claim history of a run, oldest first. */
  async attempts(runId: number) {
    return this.db.selectFrom('run_attempts').selectAll().where('run_id', '=', runId).orderBy('attempt').execute();
  }

  /** Extends the lease; returns the run's control flag and status, or undefined when the lease was lost. */
  async renewLease(id: number, owner: string, leaseUntil: string): Promise<{ control: number; status: number } | undefined> {
    const res = await this.db.updateTable('runs').set({ lease_expires_at: leaseUntil }).where('id', '=', id).where('lease_owner', '=', owner).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return undefined;
    await this.db.updateTable('run_attempts').set({ lease_until: leaseUntil }).where('run_id', '=', id).where('owner', '=', owner).where('ended_at', 'is', null).execute();
    const r = await this.db.selectFrom('runs').select(['control', 'status']).where('id', '=', id).executeTakeFirst();
    return r;
  }

  /** Updates status/message only while `owner` still holds the lease (a stale worker cannot overwrite). */
  async updateOwned(id: number, owner: string, set: Partial<Pick<RunRow, 'status' | 'message' | 'end_time' | 'lease_owner' | 'lease_expires_at' | 'export_count'>>): Promise<boolean> {
    // Taken before the release: another worker may claim the run the moment it is released.
    const endedAt = new Date().toISOString();
    const res = await this.db.updateTable('runs').set(set).where('id', '=', id).where('lease_owner', '=', owner).executeTakeFirst();
    const ok = Number(res.numUpdatedRows) === 1;
    if (ok && set.lease_owner === null) await this.db.updateTable('run_attempts').set({ ended_at: endedAt }).where('run_id', '=', id).where('owner', '=', owner).where('ended_at', 'is', null).execute();
    return ok;
  }

  async addCounters(id: number, c: Counters, tx: Kysely<Database> | Transaction<Database> = this.db): Promise<void> {
    if (!Object.values(c).some((v) => v)) return;
    await tx
      .updateTable('runs')
      .set((eb) => ({
        page_count: eb('page_count', '+', c.pages ?? 0),
        request_count: eb('request_count', '+', c.requests ?? 0),
        data_count: eb('data_count', '+', c.data ?? 0),
        error_count: eb('error_count', '+', c.errors ?? 0),
        traffic: eb('traffic', '+', c.traffic ?? 0),
        dynamic_page_count: eb('dynamic_page_count', '+', c.dynamicPages ?? 0),
        action_count: eb('action_count', '+', c.actions ?? 0),
      }))
      .where('id', '=', id)
      .execute();
  }

  /**
   * Runs whose lease lapsed (their worker died). Queued again for takeover while attempts remain,
   * otherwise Failure (restartable). A run that was stopping is simply Stopped.
   */
  async recoverExpired(now: string, maxAttempts: number, ownerFilter?: { notOwner: string }): Promise<{ requeued: number[]; failed: number[]; stopped: number[] }> {
    const out = { requeued: [] as number[], failed: [] as number[], stopped: [] as number[] };
    // Parallel parents never hold a lease; their status follows their children (settleParent).
    let q = this.db.selectFrom('runs').select(['id', 'status', 'attempt', 'control', 'lease_owner', 'lease_expires_at']).where('status', 'in', [...RUNNING_STATUSES]).where(notParent);
    if (ownerFilter) q = q.where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '!=', ownerFilter.notOwner)]));
    else q = q.where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]));
    for (const r of await q.execute()) {
      // Guarded by the status and owner we read, so a worker that renewed meanwhile keeps its run.
      const cas = async (set: Partial<Pick<RunRow, 'status' | 'end_time' | 'lease_owner' | 'lease_expires_at' | 'message'>>) => {
        let u = this.db.updateTable('runs').set(set).where('id', '=', r.id).where('status', '=', r.status);
        u = r.lease_owner === null ? u.where('lease_owner', 'is', null) : u.where('lease_owner', '=', r.lease_owner);
        return Number((await u.executeTakeFirst()).numUpdatedRows) === 1;
      };
      if (r.status === RunStatus.Stopping || r.control > 0) {
        if (await cas({ status: RunStatus.Stopped, end_time: now, lease_owner: null, lease_expires_at: null, message: 'Stopped (its worker was lost while stopping)' })) out.stopped.push(r.id);
      } else if (r.attempt < maxAttempts) {
        if (await cas({ status: RunStatus.Queuing, lease_owner: null, lease_expires_at: null, message: `Worker lost; resuming (attempt ${r.attempt + 1} of ${maxAttempts})` })) out.requeued.push(r.id);
      } else if (await cas({ status: RunStatus.Failure, end_time: now, lease_owner: null, lease_expires_at: null, message: `Worker lost ${r.attempt} times; the run can be restarted` })) {
        out.failed.push(r.id);
      }
    }
    return out;
  }

  /** Parallel parents still active: the recovery loop settles them (a child may have ended on a worker that then died). */
  async openParents(): Promise<number[]> {
    const rows = await this.db.selectFrom('runs').select('id').where('parent_run_id', 'is', null).where('parallel_set', 'is not', null).where('status', 'in', ACTIVE).execute();
    return rows.map((r) => r.id);
  }

  /**
   * A parallel parent's counters are the sum of its children's; once every child has ended, it gets the
   * combined status (any Failure → Failure; else any Stopped, or a stop asked on the parent → Stopped; else
   * Success when all succeeded, Completed otherwise). Returns the new status when this call ended the parent.
   */
  async settleParent(parentId: number, now: string): Promise<number | undefined> {
    const parent = await this.get(parentId);
    if (!parent || !ACTIVE.includes(parent.status as never)) return undefined;
    const kids = await this.children(parentId);
    if (!kids.length) return undefined;
    const sum = (k: keyof RunRow) => kids.reduce((a, r) => a + Number(r[k] ?? 0), 0);
    const counters = {
      page_count: sum('page_count'), request_count: sum('request_count'), data_count: sum('data_count'), error_count: sum('error_count'),
      traffic: sum('traffic'), dynamic_page_count: sum('dynamic_page_count'), action_count: sum('action_count'), export_count: sum('export_count'),
    };
    const done = kids.filter((k) => isEnd(k.status));
    let q = this.db.updateTable('runs').where('id', '=', parentId).where('status', '=', parent.status);
    if (done.length < kids.length) {
      await q.set({ ...counters, message: `${done.length} of ${kids.length} parallel runs ended` }).execute();
      return undefined;
    }
    const has = (st: number) => kids.some((k) => k.status === st);
    const status = has(RunStatus.Failure) ? RunStatus.Failure : has(RunStatus.Stopped) || parent.control > 0 ? RunStatus.Stopped : kids.every((k) => k.status === RunStatus.Success) ? RunStatus.Success : RunStatus.Completed;
    const tally = [RunStatus.Success, RunStatus.Completed, RunStatus.Failure, RunStatus.Stopped, RunStatus.Skipped].map((st) => [st, kids.filter((k) => k.status === st).length] as const).filter(([, n]) => n > 0);
    const names: Record<number, string> = { [RunStatus.Success]: 'Success', [RunStatus.Completed]: 'Completed', [RunStatus.Failure]: 'Failure', [RunStatus.Stopped]: 'Stopped', [RunStatus.Skipped]: 'Skipped' };
    q = q.set({ ...counters, status, end_time: now, lease_owner: null, lease_expires_at: null, message: `${kids.length} parallel runs: ${tally.map(([st, n]) => `${n} ${names[st]}`).join(', ')}` });
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1 ? status : undefined;
  }

  /** Restart of a parallel parent: it is active again while its restarted children run. */
  async reopenParent(id: number, now: string): Promise<boolean> {
    const r = await this.db.updateTable('runs').set({ status: RunStatus.Running, message: `Restarted at ${now}`, end_time: null, control: 0 }).where('id', '=', id).where('status', '=', RunStatus.Failure).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async resetForRestart(id: number, now: string): Promise<boolean> {
    const r = await this.db.updateTable('runs').set({ status: RunStatus.Queuing, message: `Restarted at ${now}`, end_time: null, attempt: 0, control: 0, lease_owner: null, lease_expires_at: null }).where('id', '=', id).where('status', '=', RunStatus.Failure).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async clearInputs(id: number) {
    await this.db.updateTable('runs').set({ input_parameters: null }).where('id', '=', id).execute();
  }

  async delete(id: number) {
    await this.db.transaction().execute(async (tx) => {
      const ids = [id, ...(await tx.selectFrom('runs').select('id').where('parent_run_id', '=', id).execute()).map((r) => r.id)];
      await tx.deleteFrom('run_records').where('run_id', 'in', ids).execute();
      await tx.deleteFrom('run_requests').where('run_id', 'in', ids).execute();
      await tx.deleteFrom('run_logs').where('run_id', 'in', ids).execute();
      await tx.deleteFrom('run_files').where('run_id', 'in', ids).execute();
      await tx.deleteFrom('runs').where('id', 'in', ids).execute();
    });
  }

  async statusCounts(organizationId: number, scope: SpaceScope, from: string, to: string) {
    let q = this.db.selectFrom('runs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('organization_id', '=', organizationId).where('created', '>=', from).where('created', '<', to).where('parent_run_id', 'is', null);
    if (scope) q = scope.length ? q.where('space_id', 'in', scope) : q.where('id', '=', -1);
    return (await q.groupBy('status').execute()).map((r) => ({ status: r.status, n: Number(r.n) }));
  }
}

function isEnd(status: number): boolean {
  return [RunStatus.Failure, RunStatus.Stopped, RunStatus.Completed, RunStatus.Success, RunStatus.Skipped].includes(status as never);
}
