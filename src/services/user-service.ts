/**
 * Users, roles and API keys of one organization (api-spec §5). Administrators only: the routes say so and
 * every method checks again, so a future caller (UI, CLI) cannot skip it. Objects of another organization
 * are "not found". The organization always keeps one enabled administrator, or nobody could manage it.
 */
import { ApiError, ValidationError } from '../domain/errors.ts';
import type { Clock } from '../domain/clock.ts';
import type { IdentityRepo, UserRow } from '../storage/repos/identity-repo.ts';
import { AuthService } from './auth-service.ts';
import { requireAdmin, type Principal, type Role } from './access.ts';

export interface UserInput {
  email?: string;
  name?: string;
  role?: Role;
  password?: string | null;
  isDisabled?: boolean;
  spaceIds?: number[];
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;
const DAY_MS = 86_400_000;

export async function userModel(u: UserRow, identity: IdentityRepo) {
  return { id: u.id, email: u.email, name: u.name, role: u.role, isDisabled: u.disabled === 1, hasPassword: u.password_hash !== null, organizationId: u.organization_id, spaceIds: await identity.spaceIdsOfUser(u.id), created: u.created, updated: u.updated };
}

type KeyListRow = Awaited<ReturnType<IdentityRepo['listApiKeys']>>[number];

/** Lists show the public prefix only: the secret exists once, in the create response. */
export function apiKeyModel(k: KeyListRow, now: Date) {
  const expired = k.expires_at !== null && k.expires_at <= now.toISOString();
  return { id: k.id, userId: k.user_id, userEmail: k.email, prefix: k.key_id, description: k.description, created: k.created, expiresAt: k.expires_at, lastUsedAt: k.last_used_at, revokedAt: k.revoked_at, isActive: !k.revoked_at && !expired };
}

export class UserService {
  constructor(private readonly identity: IdentityRepo, private readonly auth: AuthService, private readonly clock: Clock, private readonly keyExpiryDays: number) {}

  private now() {
    return this.clock.now().toISOString();
  }

  async list(p: Principal): Promise<UserRow[]> {
    requireAdmin(p);
    return this.identity.listUsers(p.organizationId);
  }

  async get(p: Principal, id: number): Promise<UserRow> {
    requireAdmin(p);
    const u = await this.identity.getUser(id);
    if (!u || u.organization_id !== p.organizationId) throw ApiError.notFound(`No user with id ${id}`);
    return u;
  }

  async create(p: Principal, input: UserInput): Promise<UserRow> {
    requireAdmin(p);
    const email = input.email?.trim().toLowerCase() ?? '';
    const errors: string[] = [];
    if (!EMAIL_RE.test(email)) errors.push('email: must be an email address');
    if (input.password !== undefined && input.password !== null) errors.push(...passwordErrors(input.password));
    const spaceIds = input.spaceIds ?? null;
    if (spaceIds) errors.push(...(await this.foreignSpaces(p, spaceIds)));
    if (errors.length) throw new ValidationError(errors);
    if (await this.identity.getUserByEmail(email)) throw ApiError.conflict(`A user with email ${email} already exists`);
    const now = this.now();
    const passwordHash = input.password ? await AuthService.hashPassword(input.password) : null;
    const u = await this.identity.createUser({ organizationId: p.organizationId, email, name: input.name?.trim() || email, role: input.role ?? 'User', passwordHash }, now);
    if (input.isDisabled) await this.identity.updateUser(u.id, { disabled: 1 }, now);
    // Without spaces a User sees nothing; the default space is the least surprising start.
    const targets = spaceIds ?? [(await this.identity.defaultSpace(p.organizationId))?.id].filter((x): x is number => x !== undefined);
    for (const s of targets) await this.identity.addMember(s, u.id, now);
    return (await this.identity.getUser(u.id))!;
  }

  async update(p: Principal, id: number, input: UserInput): Promise<UserRow> {
    const u = await this.get(p, id);
    const errors: string[] = [];
    const email = input.email?.trim().toLowerCase();
    if (email !== undefined && !EMAIL_RE.test(email)) errors.push('email: must be an email address');
    if (input.name !== undefined && !input.name.trim()) errors.push('name: must not be empty');
    if (input.password !== undefined && input.password !== null) errors.push(...passwordErrors(input.password));
    if (input.spaceIds) errors.push(...(await this.foreignSpaces(p, input.spaceIds)));
    if (errors.length) throw new ValidationError(errors);
    if (email && email !== u.email && (await this.identity.getUserByEmail(email))) throw ApiError.conflict(`A user with email ${email} already exists`);
    const demoted = (input.role !== undefined && input.role !== 'Administrator') || input.isDisabled === true;
    if (demoted && u.role === 'Administrator' && !u.disabled) await this.keepOneAdmin(p, id);
    const now = this.now();
    await this.identity.updateUser(
      id,
      {
        ...(email !== undefined ? { email } : {}),
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(input.role !== undefined ? { role: input.role } : {}),
        ...(input.isDisabled !== undefined ? { disabled: input.isDisabled ? 1 : 0 } : {}),
        ...(input.password ? { password_hash: await AuthService.hashPassword(input.password) } : {}),
      },
      now,
    );
    if (input.spaceIds) {
      const current = await this.identity.spaceIdsOfUser(id);
      for (const s of current) if (!input.spaceIds.includes(s)) await this.identity.removeMember(s, id);
      for (const s of input.spaceIds) await this.identity.addMember(s, id, now);
    }
    return (await this.identity.getUser(id))!;
  }

  async delete(p: Principal, id: number): Promise<void> {
    const u = await this.get(p, id);
    if (u.id === p.userId) throw ApiError.conflict('You cannot delete your own account; ask another administrator');
    if (u.role === 'Administrator' && !u.disabled) await this.keepOneAdmin(p, id);
    await this.identity.deleteUser(id);
  }

  async setPassword(p: Principal, id: number, password: string): Promise<void> {
    await this.get(p, id);
    const errors = passwordErrors(password);
    if (errors.length) throw new ValidationError(errors);
    await this.identity.updateUser(id, { password_hash: await AuthService.hashPassword(password) }, this.now());
  }

  // ---- API keys

  async issueKey(p: Principal, userId: number, input: { description?: string | null; expiresAt?: string | null; expiresInDays?: number }) {
    await this.get(p, userId);
    const now = this.clock.now();
    let expiresAt: string;
    if (input.expiresAt) {
      const t = Date.parse(input.expiresAt);
      if (Number.isNaN(t)) throw new ValidationError(['expiresAt: must be an ISO 8601 timestamp']);
      if (t <= now.getTime()) throw new ValidationError(['expiresAt: must be in the future']);
      expiresAt = new Date(t).toISOString();
    } else {
      expiresAt = new Date(now.getTime() + (input.expiresInDays ?? this.keyExpiryDays) * DAY_MS).toISOString();
    }
    const k = await this.auth.issueKey(userId, { description: input.description ?? null, expiresAt });
    return { id: k.id, key: k.key, prefix: k.prefix, userId, description: input.description ?? null, expiresAt: k.expiresAt, created: now.toISOString() };
  }

  async listKeys(p: Principal, userId?: number) {
    requireAdmin(p);
    if (userId !== undefined) await this.get(p, userId);
    return (await this.identity.listApiKeys({ organizationId: p.organizationId, userId })).map((k) => apiKeyModel(k, this.clock.now()));
  }

  /** Revocation is a soft delete: the next request with the key gets 401 (auth reads the row every time). */
  async revokeKey(p: Principal, keyId: number): Promise<void> {
    requireAdmin(p);
    const k = await this.identity.getApiKey(keyId);
    if (!k || k.organization_id !== p.organizationId) throw ApiError.notFound(`No API key with id ${keyId}`);
    await this.identity.revokeApiKey(keyId, this.now());
  }

  private async keepOneAdmin(p: Principal, exceptId: number): Promise<void> {
    const others = (await this.identity.listUsers(p.organizationId)).filter((x) => x.id !== exceptId && x.role === 'Administrator' && !x.disabled);
    if (!others.length) throw ApiError.conflict('The organization must keep at least one enabled administrator');
  }

  private async foreignSpaces(p: Principal, ids: number[]): Promise<string[]> {
    const own = new Set((await this.identity.listSpaces(p.organizationId)).map((s) => s.id));
    return ids.filter((id) => !own.has(id)).map((id) => `spaceIds: no space with id ${id}`);
  }
}

function passwordErrors(pw: string): string[] {
  if (pw.length < 8) return ['password: must be at least 8 characters'];
  if (pw.length > 256) return ['password: must be at most 256 characters'];
  return [];
}
