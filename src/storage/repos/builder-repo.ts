/** Agent Builder sessions and their append-only event log (the long-poll cursor reads it). */
import type { Kysely, Selectable } from 'kysely';
import type { Database, BuilderSessionsTable } from '../schema.ts';

export type BuilderSessionRow = Selectable<BuilderSessionsTable>;

export class BuilderRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async create(v: { id: string; userId: number; spaceId: number; mode: string; prompt: string | null; url: string | null; state: string }, now: string) {
    await this.db
      .insertInto('builder_sessions')
      .values({ id: v.id, user_id: v.userId, space_id: v.spaceId, status: 'processing', phase: 'building', mode: v.mode, prompt: v.prompt, url: v.url, state: v.state, agent_id: null, agent_name: null, error: null, last_event_index: -1, lease_owner: null, lease_expires_at: null, created: now, updated: now })
      .execute();
  }

  async get(id: string): Promise<BuilderSessionRow | undefined> {
    return this.db.selectFrom('builder_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Compare-and-set on status; false when the session was not in one of `from`. */
  async transition(id: string, from: string[], set: Partial<Pick<BuilderSessionRow, 'status' | 'phase' | 'state' | 'agent_id' | 'agent_name' | 'error' | 'lease_owner' | 'lease_expires_at'>>, now: string): Promise<boolean> {
    const r = await this.db.updateTable('builder_sessions').set({ ...set, updated: now }).where('id', '=', id).where('status', 'in', from).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async update(id: string, set: Partial<Pick<BuilderSessionRow, 'state' | 'phase' | 'lease_owner' | 'lease_expires_at'>>, now: string) {
    await this.db.updateTable('builder_sessions').set({ ...set, updated: now }).where('id', '=', id).execute();
  }

  /** Appends an event with the next index, atomically with the session's cursor. */
  async appendEvent(sessionId: string, type: string, payload: Record<string, unknown>, now: string): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      // Increment first: the update locks the session row, so concurrent appends (a stop while the build
      // still logs) take turns instead of both reading the same last index and colliding on the insert.
      const s = await tx
        .updateTable('builder_sessions')
        .set((eb) => ({ last_event_index: eb('last_event_index', '+', 1), updated: now }))
        .where('id', '=', sessionId)
        .returning('last_event_index')
        .executeTakeFirstOrThrow();
      const idx = s.last_event_index;
      await tx.insertInto('builder_events').values({ session_id: sessionId, event_index: idx, type, payload: JSON.stringify(payload), created: now }).execute();
      return idx;
    });
  }

  async events(sessionId: string, afterIndex: number, limit = 500) {
    const rows = await this.db.selectFrom('builder_events').selectAll().where('session_id', '=', sessionId).where('event_index', '>', afterIndex).orderBy('event_index').limit(limit).execute();
    return rows.map((r) => ({ ...(JSON.parse(r.payload) as Record<string, unknown>), type: r.type, timestamp: r.created, eventIndex: r.event_index }));
  }

  /** Sessions left `processing` by a process that died: the caller resumes or fails them. */
  async orphaned(now: string) {
    return this.db.selectFrom('builder_sessions').selectAll().where('status', '=', 'processing').where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)])).execute();
  }

  async claim(id: string, owner: string, leaseUntil: string, now: string): Promise<boolean> {
    const r = await this.db
      .updateTable('builder_sessions')
      .set({ lease_owner: owner, lease_expires_at: leaseUntil, updated: now })
      .where('id', '=', id)
      .where('status', '=', 'processing')
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now), eb('lease_owner', '=', owner)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async listForUser(userId: number | null, limit = 50) {
    let q = this.db.selectFrom('builder_sessions').select(['id', 'status', 'phase', 'prompt', 'agent_id', 'agent_name', 'created', 'space_id']);
    if (userId !== null) q = q.where('user_id', '=', userId);
    return q.orderBy('created', 'desc').limit(limit).execute();
  }
}
