/** Agents and their versions. Every read takes the caller's visible space ids, so no handler can forget them. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, AgentsTable } from '../schema.ts';

export type AgentRow = Selectable<AgentsTable>;

/** null = every space (administrators). */
export type SpaceScope = number[] | null;

export interface AgentListQuery {
  scope: SpaceScope;
  organizationId: number;
  name?: string;
  status?: number;
  spaceId?: number;
  configType?: string;
  includeArchived?: boolean;
  sortColumn: 'name' | 'lastActivity' | 'created' | 'updated' | 'status' | 'configType';
  descending: boolean;
  page?: { index: number; size: number };
}

const SORT_COLUMNS = { name: 'name', lastActivity: 'last_activity', created: 'created', updated: 'updated', status: 'last_run_status', configType: 'config_type' } as const;

export class AgentsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  private scoped(scope: SpaceScope, organizationId: number) {
    let q = this.db.selectFrom('agents').innerJoin('spaces', 'spaces.id', 'agents.space_id').selectAll('agents').where('spaces.organization_id', '=', organizationId);
    if (scope) q = scope.length ? q.where('agents.space_id', 'in', scope) : q.where('agents.id', '=', -1);
    return q;
  }

  async get(id: number, scope: SpaceScope, organizationId: number): Promise<AgentRow | undefined> {
    return this.scoped(scope, organizationId).where('agents.id', '=', id).executeTakeFirst();
  }

  async getUnscoped(id: number): Promise<AgentRow | undefined> {
    return this.db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(q: AgentListQuery): Promise<{ rows: AgentRow[]; total: number }> {
    let base = this.scoped(q.scope, q.organizationId);
    if (!q.includeArchived) base = base.where('agents.archived', '=', 0);
    if (q.name) base = base.where((eb) => eb(eb.fn('lower', ['agents.name']), 'like', `%${escapeLike(q.name!.toLowerCase())}%`));
    if (q.status !== undefined) base = base.where('agents.last_run_status', '=', q.status);
    if (q.spaceId !== undefined) base = base.where('agents.space_id', '=', q.spaceId);
    if (q.configType) base = base.where('agents.config_type', '=', q.configType);
    const col = `agents.${SORT_COLUMNS[q.sortColumn]}` as const;
    const dir = q.descending ? 'desc' : 'asc';
    // Names sort case-insensitively (as Sequentum's SQL Server collation does), so "alpha" comes before "Bravo".
    let rowsQ = (q.sortColumn === 'name' ? base.orderBy((eb) => eb.fn('lower', ['agents.name']), dir) : base.orderBy(col, dir)).orderBy('agents.id', 'asc');
    let total: number | undefined;
    if (q.page) {
      const c = await base.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      total = Number(c.n);
      rowsQ = rowsQ.limit(q.page.size).offset((q.page.index - 1) * q.page.size);
    }
    const rows = await rowsQ.execute();
    return { rows, total: total ?? rows.length };
  }

  async search(scope: SpaceScope, organizationId: number, query: string, max: number): Promise<AgentRow[]> {
    const pat = `%${escapeLike(query.toLowerCase())}%`;
    return this.scoped(scope, organizationId)
      .where('agents.archived', '=', 0)
      .where((eb) => eb.or([eb(eb.fn('lower', ['agents.name']), 'like', pat), eb(eb.fn('lower', [eb.fn.coalesce('agents.description', eb.val(''))]), 'like', pat)]))
      .orderBy('agents.name')
      .limit(max)
      .execute();
  }

  async create(v: { spaceId: number; userId: number | null; name: string; description: string | null; documentation: string | null; configType: string; spec: string; userName: string | null }, now: string): Promise<AgentRow> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('agents')
        .values({ space_id: v.spaceId, user_id: v.userId, name: v.name, description: v.description, documentation: v.documentation, config_type: v.configType, spec: v.spec, version: 1, archived: 0, validation_status: 'Valid', last_run_status: null, max_concurrent_runs: null, created: now, updated: now, last_activity: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx.insertInto('agent_versions').values({ agent_id: row.id, version: 1, spec: v.spec, user_name: v.userName, comments: 'Created', created: now }).execute();
      return row;
    });
  }

  /** A new version; `spec` unchanged keeps the version (metadata-only edits). */
  async update(id: number, v: { name?: string; description?: string | null; documentation?: string | null; spec?: string; spaceId?: number; maxConcurrentRuns?: number | null; userName: string | null; comments?: string | null; forceNewVersion?: boolean }, now: string): Promise<AgentRow> {
    return this.db.transaction().execute(async (tx) => {
      const cur = await tx.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const newSpec = v.spec !== undefined && (v.spec !== cur.spec || v.forceNewVersion === true);
      const version = newSpec ? cur.version + 1 : cur.version;
      await tx
        .updateTable('agents')
        .set({
          ...(v.name !== undefined ? { name: v.name } : {}),
          ...(v.description !== undefined ? { description: v.description } : {}),
          ...(v.documentation !== undefined ? { documentation: v.documentation } : {}),
          ...(v.spaceId !== undefined ? { space_id: v.spaceId } : {}),
          ...(v.maxConcurrentRuns !== undefined ? { max_concurrent_runs: v.maxConcurrentRuns } : {}),
          ...(newSpec ? { spec: v.spec!, version } : {}),
          updated: now,
          last_activity: now,
        })
        .where('id', '=', id)
        .execute();
      if (newSpec) await tx.insertInto('agent_versions').values({ agent_id: id, version, spec: v.spec!, user_name: v.userName, comments: v.comments ?? null, created: now }).execute();
      return tx.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    });
  }

  async versions(agentId: number) {
    return this.db.selectFrom('agent_versions').selectAll().where('agent_id', '=', agentId).orderBy('version', 'desc').execute();
  }

  async version(agentId: number, version: number) {
    return this.db.selectFrom('agent_versions').selectAll().where('agent_id', '=', agentId).where('version', '=', version).executeTakeFirst();
  }

  async setArchived(id: number, archived: boolean, now: string) {
    await this.db.updateTable('agents').set({ archived: archived ? 1 : 0, updated: now }).where('id', '=', id).execute();
  }

  async touchRunStatus(id: number, status: number, now: string) {
    await this.db.updateTable('agents').set({ last_run_status: status, last_activity: now }).where('id', '=', id).execute();
  }

  async delete(id: number) {
    await this.db.transaction().execute(async (tx) => {
      const runIds = (await tx.selectFrom('runs').select('id').where('agent_id', '=', id).execute()).map((r) => r.id);
      if (runIds.length) {
        await tx.deleteFrom('run_records').where('run_id', 'in', runIds).execute();
        await tx.deleteFrom('run_requests').where('run_id', 'in', runIds).execute();
        await tx.deleteFrom('run_logs').where('run_id', 'in', runIds).execute();
        await tx.deleteFrom('run_files').where('run_id', 'in', runIds).execute();
        await tx.deleteFrom('runs').where('agent_id', '=', id).execute();
      }
      const schedIds = (await tx.selectFrom('schedules').select('id').where('agent_id', '=', id).execute()).map((r) => r.id);
      if (schedIds.length) await tx.deleteFrom('schedule_fires').where('schedule_id', 'in', schedIds).execute();
      await tx.deleteFrom('schedules').where('agent_id', '=', id).execute();
      await tx.deleteFrom('agent_versions').where('agent_id', '=', id).execute();
      await tx.deleteFrom('agents').where('id', '=', id).execute();
    });
  }

  async countBySpace(spaceIds: number[]) {
    if (!spaceIds.length) return [];
    return this.db.selectFrom('agents').select(['space_id', (eb) => eb.fn.countAll<number>().as('n')]).where('space_id', 'in', spaceIds).groupBy('space_id').execute();
  }
}

export function escapeLike(s: string): string {
  // Both dialects treat % and _ as wildcards; we search for them literally by dropping them.
  return s.replace(/[%_]/g, '');
}
