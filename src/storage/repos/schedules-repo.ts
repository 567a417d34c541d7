/** Schedules and their fires. A fire is claimed by inserting (schedule, slot): two schedulers never fire one slot twice. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, SchedulesTable } from '../schema.ts';
import type { SpaceScope } from './agents-repo.ts';

export type ScheduleRow = Selectable<SchedulesTable>;
export type ScheduleValues = Omit<ScheduleRow, 'id' | 'created' | 'updated'>;

export class SchedulesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async create(v: ScheduleValues, now: string): Promise<ScheduleRow> {
    return this.db.insertInto('schedules').values({ ...v, created: now, updated: now }).returningAll().executeTakeFirstOrThrow();
  }

  async get(agentId: number, id: number): Promise<ScheduleRow | undefined> {
    return this.db.selectFrom('schedules').selectAll().where('id', '=', id).where('agent_id', '=', agentId).executeTakeFirst();
  }

  async byId(id: number): Promise<ScheduleRow | undefined> {
    return this.db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listForAgent(agentId: number): Promise<ScheduleRow[]> {
    return this.db.selectFrom('schedules').selectAll().where('agent_id', '=', agentId).orderBy('id').execute();
  }

  async update(id: number, v: Partial<ScheduleValues>, now: string): Promise<ScheduleRow> {
    await this.db.updateTable('schedules').set({ ...v, updated: now }).where('id', '=', id).execute();
    return this.db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  async delete(id: number) {
    await this.db.deleteFrom('schedule_fires').where('schedule_id', '=', id).execute();
    await this.db.deleteFrom('schedules').where('id', '=', id).execute();
  }

  async due(now: string, limit = 100): Promise<ScheduleRow[]> {
    return this.db.selectFrom('schedules').selectAll().where('is_enabled', '=', 1).where('next_run_at', 'is not', null).where('next_run_at', '<=', now).orderBy('next_run_at').limit(limit).execute();
  }

  /**
   * Claims one slot: inserts the fire row and advances next_run_at, guarded by the next_run_at we read.
   * Returns false when another scheduler got there first.
   */
  async claimSlot(id: number, slot: string, next: string | null, now: string, tx: Kysely<Database>): Promise<boolean> {
    const adv = await tx.updateTable('schedules').set({ next_run_at: next, last_run_at: slot, updated: now }).where('id', '=', id).where('next_run_at', '=', slot).executeTakeFirst();
    if (Number(adv.numUpdatedRows) !== 1) return false;
    const ins = await tx.insertInto('schedule_fires').values({ schedule_id: id, slot_time: slot, run_id: null, outcome: 'claimed', created: now }).onConflict((oc) => oc.columns(['schedule_id', 'slot_time']).doNothing()).executeTakeFirst();
    return Number(ins.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async recordFire(id: number, slot: string, runId: number | null, outcome: string, tx: Kysely<Database>) {
    await tx.updateTable('schedule_fires').set({ run_id: runId, outcome }).where('schedule_id', '=', id).where('slot_time', '=', slot).execute();
  }

  /** The agent a schedule belongs to, with its organization (the ticker has no principal to scope by). */
  async agentOf(agentId: number) {
    return this.db.selectFrom('agents').innerJoin('spaces', 'spaces.id', 'agents.space_id').selectAll('agents').select('spaces.organization_id as organization_id').where('agents.id', '=', agentId).executeTakeFirst();
  }

  async fires(id: number) {
    return this.db.selectFrom('schedule_fires').selectAll().where('schedule_id', '=', id).orderBy('slot_time').execute();
  }

  async upcoming(organizationId: number, scope: SpaceScope, from: string, to: string) {
    let q = this.db
      .selectFrom('schedules')
      .innerJoin('agents', 'agents.id', 'schedules.agent_id')
      .innerJoin('spaces', 'spaces.id', 'agents.space_id')
      .select(['schedules.id as scheduleId', 'schedules.agent_id as agentId', 'agents.name as agentName', 'schedules.name as scheduleName', 'schedules.next_run_at as nextRunTime', 'schedules.timezone', 'schedules.is_enabled'])
      .where('spaces.organization_id', '=', organizationId)
      .where('schedules.next_run_at', 'is not', null)
      .where('schedules.next_run_at', '>=', from)
      .where('schedules.next_run_at', '<=', to);
    if (scope) q = scope.length ? q.where('agents.space_id', 'in', scope) : q.where('agents.id', '=', -1);
    return q.orderBy('schedules.next_run_at').execute();
  }
}
