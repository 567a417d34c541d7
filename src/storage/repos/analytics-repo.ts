/** Aggregates over runs for the analytics endpoints. Top-level runs only: parallel children roll up into their parent. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { SpaceScope } from './agents-repo.ts';
import type { RunRow } from './runs-repo.ts';

export interface RangeFilter {
  organizationId: number;
  scope: SpaceScope;
  from: string;
  to: string;
  agentId?: number;
}

export class AnalyticsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  private base(f: RangeFilter) {
    let q = this.db.selectFrom('runs').where('runs.organization_id', '=', f.organizationId).where('runs.created', '>=', f.from).where('runs.created', '<', f.to).where('runs.parent_run_id', 'is', null);
    if (f.scope) q = f.scope.length ? q.where('runs.space_id', 'in', f.scope) : q.where('runs.id', '=', -1);
    if (f.agentId !== undefined) q = q.where('runs.agent_id', '=', f.agentId);
    return q;
  }

  /** Counts per status, split by whether the run recorded errors (Completed vs CompletedWithErrors). */
  async statusCounts(f: RangeFilter): Promise<Array<{ status: number; withErrors: boolean; n: number }>> {
    const rows = await this.base(f)
      .select((eb) => ['runs.status', eb.case().when('runs.error_count', '>', 0).then(1).else(0).end().as('with_errors'), eb.fn.countAll<number>().as('n')])
      .groupBy(['runs.status', 'with_errors'])
      .execute();
    return rows.map((r) => ({ status: r.status, withErrors: Number(r.with_errors) === 1, n: Number(r.n) }));
  }

  async totals(f: RangeFilter) {
    const r = await this.base(f)
      .select((eb) => [eb.fn.countAll<number>().as('runs'), eb.fn.sum<number>('runs.data_count').as('data'), eb.fn.sum<number>('runs.export_count').as('exported'), eb.fn.sum<number>('runs.error_count').as('errors'), eb.fn.sum<number>('runs.page_count').as('pages')])
      .executeTakeFirstOrThrow();
    return { runCount: Number(r.runs ?? 0), data: Number(r.data ?? 0), exported: Number(r.exported ?? 0), errors: Number(r.errors ?? 0), pages: Number(r.pages ?? 0) };
  }

  /** Runs of the range in the given statuses, newest first, with agent and space names for the report. */
  async runsIn(f: RangeFilter, statuses: number[], limit: number) {
    if (!statuses.length) return [];
    return this.base(f)
      .innerJoin('agents', 'agents.id', 'runs.agent_id')
      .innerJoin('spaces', 'spaces.id', 'runs.space_id')
      .select(['runs.id', 'runs.agent_id', 'runs.status', 'runs.message', 'runs.start_time', 'runs.end_time', 'runs.error_count', 'runs.space_id', 'agents.name as agent_name', 'spaces.name as space_name'])
      .where('runs.status', 'in', statuses)
      .orderBy('runs.id', 'desc')
      .limit(limit)
      .execute();
  }

  async latestFailure(agentId: number): Promise<RunRow | undefined> {
    return this.db.selectFrom('runs').selectAll().where('agent_id', '=', agentId).where('parent_run_id', 'is', null).where('status', 'in', [6, 7]).orderBy('id', 'desc').executeTakeFirst();
  }
}
