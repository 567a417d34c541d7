/** Fixtures for the schedule / user / space suites: a Platform on a fresh database with an injected clock, and agents in a space. */
import { loadConfig } from '../../src/config/config.ts';
import { Platform } from '../../src/platform.ts';
import type { Clock } from '../../src/domain/clock.ts';
import type { Principal } from '../../src/services/access.ts';
import { freshDatabase, type TestDialect } from './db.ts';

export const MIN_DEFINITION = { startUrls: ['http://127.0.0.1:9/'], fields: [{ name: 'title', selector: 'h1' }] };

export function testConfig(databaseUrl: string) {
  return loadConfig({ PORT: '0', DATA_DIR: '/tmp/gleaner-unused', GLEANER_API_KEY: 'sk-test-admin-key-0123456789abcdef', LOG_LEVEL: 'silent', GLEANER_WORKERS: '0' }, { databaseUrl });
}

/** A Platform without workers or background loops: tests drive `platform.ticker.tick()` themselves. */
export async function openTestPlatform(dialect: TestDialect, name: string, clock: Clock, db = freshDatabase(dialect, name)): Promise<{ platform: Platform; db: { url: string; schema?: string } }> {
  const platform = await Platform.open(testConfig(db.url), { clock, schema: db.schema, workers: false, background: false });
  return { platform, db };
}

export async function adminOf(p: Platform): Promise<Principal> {
  const u = (await p.identity.getUser(p.bootstrap!.adminUserId))!;
  return { userId: u.id, organizationId: u.organization_id, role: 'Administrator', email: u.email, name: u.name, spaceIds: await p.identity.spaceIdsOfUser(u.id), via: 'api-key' };
}

export async function makeAgent(p: Platform, who: Principal, name = 'agent', spaceId?: number) {
  return p.agents.create(who, { name, definition: MIN_DEFINITION, spaceId });
}
