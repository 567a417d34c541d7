/**
 * The databases every integration suite runs on. SQLite always; PostgreSQL when DATABASE_URL (or
 * TEST_DATABASE_URL) names one that answers. Locally an unreachable PostgreSQL is skipped with a visible
 * line; with CI=true it fails the suite instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type TestDialect = 'sqlite' | 'postgres';

export const PG_URL = process.env.TEST_DATABASE_URL ?? (process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:55432/postgres');

let pgReachable: Promise<boolean> | null = null;
export function postgresReachable(): Promise<boolean> {
  return (pgReachable ??= (async () => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => {});
    }
  })());
}

/** Which dialects to run: DB_DIALECT=sqlite|postgres selects one, default both. */
export function dialects(): TestDialect[] {
  const only = process.env.DB_DIALECT;
  if (only === 'sqlite' || only === 'postgres') return [only];
  return ['sqlite', 'postgres'];
}

/** A fresh database URL (+ schema) for one test: a temp SQLite file, or a PostgreSQL schema named after the test. */
export function freshDatabase(dialect: TestDialect, testName: string): { url: string; schema?: string } {
  if (dialect === 'sqlite') return { url: join(mkdtempSync(join(tmpdir(), 'gleaner-test-')), 'test.db') };
  const schema = `t_${createHash('sha1').update(testName).digest('hex').slice(0, 10)}_${randomBytes(3).toString('hex')}`;
  return { url: PG_URL, schema };
}

/** Skips (locally) or fails (CI) when PostgreSQL is wanted but unreachable. Returns false when the caller should skip. */
export async function requireDialect(dialect: TestDialect, t: { skip(msg: string): void }): Promise<boolean> {
  if (dialect === 'sqlite') return true;
  if (await postgresReachable()) return true;
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is not reachable at ${PG_URL} (CI=true requires it)`);
  t.skip(`PostgreSQL not reachable at ${PG_URL}: skipped (set TEST_DATABASE_URL)`);
  return false;
}
