/**
 * API keys and passwords. Keys are `sk-` + 32 random bytes (base64url); only HMAC-SHA256(pepper, key)
 * is stored, with a short public prefix for display. Keys are high-entropy, so no slow KDF is needed for
 * them; passwords use scrypt (N=2^15, r=8, p=1) with its parameters stored beside the hash.
 */
import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { ApiError } from '../domain/errors.ts';
import type { Clock } from '../domain/clock.ts';
import type { IdentityRepo } from '../storage/repos/identity-repo.ts';
import type { Principal, Role } from './access.ts';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const TOUCH_EVERY_MS = 60_000;

export function generateApiKey(): string {
  return `sk-${randomBytes(32).toString('base64url')}`;
}

export class AuthService {
  private pepper = '';
  private readonly touched = new Map<number, number>();

  constructor(private readonly repo: IdentityRepo, private readonly clock: Clock) {}

  async init(pepperFromEnv: string | undefined): Promise<void> {
    this.pepper = pepperFromEnv ?? (await this.repo.ensureSetting('key_pepper', randomBytes(32).toString('hex')));
  }

  hashKey(key: string): string {
    return createHmac('sha256', this.pepper).update(key).digest('hex');
  }

  /** Parses `ApiKey sk-...` or `Bearer sk-...`; throws 401 ProblemDetails for anything else. */
  async authenticate(header: string | undefined): Promise<Principal> {
    if (!header) throw ApiError.unauthorized('Missing Authorization header: send "Authorization: ApiKey sk-..."');
    const m = /^(ApiKey|Bearer)\s+(\S+)\s*$/i.exec(header);
    if (!m) throw ApiError.unauthorized('Malformed Authorization header: expected "ApiKey sk-..." or "Bearer sk-..."');
    const key = m[2]!;
    if (!key.startsWith('sk-') || key.length < 10 || key.length > 300) throw ApiError.unauthorized('Invalid API key');
    const row = await this.repo.findApiKeyByHash(this.hashKey(key));
    const now = this.clock.now();
    if (!row) throw ApiError.unauthorized('Invalid API key');
    if (row.revoked_at) throw ApiError.unauthorized('API key has been revoked');
    if (row.expires_at && row.expires_at <= now.toISOString()) throw ApiError.unauthorized('API key has expired');
    if (row.disabled) throw ApiError.unauthorized('User is disabled');
    const last = this.touched.get(row.keyRowId) ?? 0;
    if (now.getTime() - last > TOUCH_EVERY_MS) {
      this.touched.set(row.keyRowId, now.getTime());
      void this.repo.touchApiKey(row.keyRowId, now.toISOString()).catch(() => {});
    }
    return {
      userId: row.userId,
      organizationId: row.organization_id,
      role: row.role as Role,
      email: row.email,
      name: row.name,
      spaceIds: await this.repo.spaceIdsOfUser(row.userId),
      via: 'api-key',
      keyRowId: row.keyRowId,
    };
  }

  async issueKey(userId: number, opts: { description?: string | null; expiresAt?: string | null; key?: string }): Promise<{ key: string; id: number; prefix: string; expiresAt: string | null }> {
    const key = opts.key ?? generateApiKey();
    const now = this.clock.now().toISOString();
    const prefix = key.slice(0, 10);
    const row = await this.repo.createApiKey({ userId, keyId: prefix, secretHash: this.hashKey(key), last4: key.slice(-4), description: opts.description ?? null, expiresAt: opts.expiresAt ?? null }, now);
    return { key, id: row.id, prefix, expiresAt: row.expires_at };
  }

  static async hashPassword(password: string): Promise<string> {
    const salt = randomBytes(16);
    const hash = await scrypt(password, salt, 32, SCRYPT);
    return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
  }

  static async verifyPassword(password: string, stored: string | null): Promise<boolean> {
    if (!stored) return false;
    const [alg, n, r, p, salt, hash] = stored.split('$');
    if (alg !== 'scrypt' || !salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const got = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 });
    return got.length === expected.length && timingSafeEqual(got, expected);
  }
}
