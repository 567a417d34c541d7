/** Organizations, users, space memberships, API keys and UI sessions. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable, ApiKeysTable, SpacesTable } from '../schema.ts';

export type UserRow = Selectable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type SpaceRow = Selectable<SpacesTable>;

export class IdentityRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async getSetting(key: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return r?.value;
  }

  /** Insert-if-absent, then read back: two processes booting at once agree on one value. */
  async ensureSetting(key: string, value: string): Promise<string> {
    await this.db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
    return (await this.getSetting(key))!;
  }

  async firstOrganization() {
    return this.db.selectFrom('organizations').selectAll().orderBy('id').executeTakeFirst();
  }

  async createOrganization(name: string, now: string) {
    return this.db.insertInto('organizations').values({ name, created: now }).returningAll().executeTakeFirstOrThrow();
  }

  async getOrganization(id: number) {
    return this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  // ---- spaces
  async createSpace(v: { organizationId: number; name: string; description?: string | null; isDefault?: boolean }, now: string): Promise<SpaceRow> {
    return this.db
      .insertInto('spaces')
      .values({ organization_id: v.organizationId, name: v.name, description: v.description ?? null, is_default: v.isDefault ? 1 : 0, created: now, updated: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  async getSpace(id: number): Promise<SpaceRow | undefined> {
    return this.db.selectFrom('spaces').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async listSpaces(organizationId: number, onlyIds?: number[]): Promise<SpaceRow[]> {
    let q = this.db.selectFrom('spaces').selectAll().where('organization_id', '=', organizationId);
    if (onlyIds) q = onlyIds.length ? q.where('id', 'in', onlyIds) : q.where('id', '=', -1);
    return q.orderBy('id').execute();
  }
  async defaultSpace(organizationId: number): Promise<SpaceRow | undefined> {
    return this.db.selectFrom('spaces').selectAll().where('organization_id', '=', organizationId).where('is_default', '=', 1).orderBy('id').executeTakeFirst();
  }
  async updateSpace(id: number, v: { name?: string; description?: string | null }, now: string) {
    await this.db.updateTable('spaces').set({ ...(v.name !== undefined ? { name: v.name } : {}), ...(v.description !== undefined ? { description: v.description } : {}), updated: now }).where('id', '=', id).execute();
  }
  async deleteSpace(id: number) {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('space_members').where('space_id', '=', id).execute();
      await tx.deleteFrom('spaces').where('id', '=', id).execute();
    });
  }
  async spaceIdsOfUser(userId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('space_members').select('space_id').where('user_id', '=', userId).execute();
    return rows.map((r) => r.space_id);
  }
  async addMember(spaceId: number, userId: number, now: string) {
    await this.db.insertInto('space_members').values({ space_id: spaceId, user_id: userId, created: now }).onConflict((oc) => oc.columns(['space_id', 'user_id']).doNothing()).execute();
  }
  async removeMember(spaceId: number, userId: number) {
    await this.db.deleteFrom('space_members').where('space_id', '=', spaceId).where('user_id', '=', userId).execute();
  }
  async listMembers(spaceId: number) {
    return this.db
      .selectFrom('space_members')
      .innerJoin('users', 'users.id', 'space_members.user_id')
      .select(['users.id', 'users.email', 'users.name', 'users.role', 'space_members.created'])
      .where('space_members.space_id', '=', spaceId)
      .orderBy('users.id')
      .execute();
  }

  // ---- users
  async createUser(v: { organizationId: number; email: string; name: string; role: 'Administrator' | 'User'; passwordHash?: string | null }, now: string): Promise<UserRow> {
    return this.db
      .insertInto('users')
      .values({ organization_id: v.organizationId, email: v.email.toLowerCase(), name: v.name, role: v.role, password_hash: v.passwordHash ?? null, disabled: 0, created: now, updated: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  async getUser(id: number): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async getUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
  }
  async listUsers(organizationId: number): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().where('organization_id', '=', organizationId).orderBy('id').execute();
  }
  async updateUser(id: number, v: Partial<Pick<UserRow, 'name' | 'role' | 'disabled' | 'password_hash' | 'email'>>, now: string) {
    await this.db.updateTable('users').set({ ...v, updated: now }).where('id', '=', id).execute();
  }
  async deleteUser(id: number) {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('space_members').where('user_id', '=', id).execute();
      await tx.deleteFrom('ui_sessions').where('user_id', '=', id).execute();
      await tx.updateTable('api_keys').set({ revoked_at: new Date().toISOString() }).where('user_id', '=', id).where('revoked_at', 'is', null).execute();
      await tx.deleteFrom('users').where('id', '=', id).execute();
    });
  }
  async countUsers(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  // ---- API keys
  async createApiKey(v: { userId: number; keyId: string; secretHash: string; last4: string; description: string | null; expiresAt: string | null }, now: string): Promise<ApiKeyRow> {
    return this.db
      .insertInto('api_keys')
      .values({ user_id: v.userId, key_id: v.keyId, secret_hash: v.secretHash, last4: v.last4, description: v.description, expires_at: v.expiresAt, created: now, last_used_at: null, revoked_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  async findApiKeyByHash(secretHash: string) {
    return this.db
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.user_id')
      .select(['api_keys.id as keyRowId', 'api_keys.expires_at', 'api_keys.revoked_at', 'api_keys.last_used_at', 'users.id as userId', 'users.organization_id', 'users.role', 'users.disabled', 'users.email', 'users.name'])
      .where('api_keys.secret_hash', '=', secretHash)
      .executeTakeFirst();
  }
  async touchApiKey(id: number, now: string) {
    await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  }
  async listApiKeys(filter: { userId?: number; organizationId: number }) {
    let q = this.db
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.user_id')
      .select(['api_keys.id', 'api_keys.user_id', 'api_keys.key_id', 'api_keys.last4', 'api_keys.description', 'api_keys.expires_at', 'api_keys.last_used_at', 'api_keys.revoked_at', 'api_keys.created', 'users.email'])
      .where('users.organization_id', '=', filter.organizationId);
    if (filter.userId !== undefined) q = q.where('api_keys.user_id', '=', filter.userId);
    return q.orderBy('api_keys.id').execute();
  }
  async getApiKey(id: number) {
    return this.db.selectFrom('api_keys').innerJoin('users', 'users.id', 'api_keys.user_id').select(['api_keys.id', 'api_keys.user_id', 'api_keys.revoked_at', 'users.organization_id']).where('api_keys.id', '=', id).executeTakeFirst();
  }
  async revokeApiKey(id: number, now: string) {
    await this.db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  // ---- UI sessions
  async createUiSession(v: { id: string; userId: number; csrfToken: string; expiresAt: string }, now: string) {
    await this.db.insertInto('ui_sessions').values({ id: v.id, user_id: v.userId, csrf_token: v.csrfToken, expires_at: v.expiresAt, created: now }).execute();
  }
  async getUiSession(id: string) {
    return this.db
      .selectFrom('ui_sessions')
      .innerJoin('users', 'users.id', 'ui_sessions.user_id')
      .select(['ui_sessions.id', 'ui_sessions.csrf_token', 'ui_sessions.expires_at', 'users.id as userId', 'users.organization_id', 'users.role', 'users.disabled', 'users.email', 'users.name'])
      .where('ui_sessions.id', '=', id)
      .executeTakeFirst();
  }
  async deleteUiSession(id: string) {
    await this.db.deleteFrom('ui_sessions').where('id', '=', id).execute();
  }
}
