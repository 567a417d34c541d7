/**
 * Opens the database named by the configuration: SQLite (better-sqlite3, the embedded default) or
 * PostgreSQL (pg, for scale-out), both behind Kysely with one schema, then migrates it.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './schema.ts';
import { migration0001 } from './migrations/0001-init.ts';
import { migration0002 } from './migrations/0002-cluster.ts';
import { migration0003 } from './migrations/0003-rate-limit.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** SQLite only: the raw handle, for the few hot paths written as prepared statements (frontier-sqlite.ts). */
  sqlite?: SqliteDatabase.Database;
  close(): Promise<void>;
}

export interface DbOptions {
  /** `postgres://...` selects PostgreSQL; anything else is a SQLite file path (or `:memory:`). */
  url: string;
  /** PostgreSQL only: a schema to create and use (tests isolate themselves this way). */
  schema?: string;
  poolSize?: number;
}

// int8 (bigserial ids, counters) arrives as a string by default; our ids stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDb(opts: DbOptions): Promise<Db> {
  const isPg = /^postgres(ql)?:\/\//i.test(opts.url);
  let kysely: Kysely<Database>;
  let raw: SqliteDatabase.Database | undefined;
  if (isPg) {
    if (opts.schema) {
      const c = new pg.Client({ connectionString: opts.url });
      await c.connect();
      try {
        await c.query(`CREATE SCHEMA IF NOT EXISTS "${opts.schema.replace(/"/g, '')}"`);
      } finally {
        await c.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      ...(opts.schema ? { options: `-c search_path="${opts.schema.replace(/"/g, '')}"` } : {}),
    });
    // An idle client losing its connection (server restart) must not crash the process.
    pool.on('error', () => {});
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    if (opts.url !== ':memory:') mkdirSync(dirname(opts.url), { recursive: true });
    const sqlite = (raw = new SqliteDatabase(opts.url));
    sqlite.pragma('journal_mode = WAL');
    // NORMAL survives process crashes; only an OS crash or power loss may lose the newest commits (docs/operations.md).
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  }
  const dialect: Dialect = isPg ? 'postgres' : 'sqlite';
  const db: Db = { kysely, dialect, ...(raw ? { sqlite: raw } : {}), close: () => kysely.destroy() };
  await migrate(db, isPg ? opts.schema : undefined);
  return db;
}

async function migrate(db: Db, schema?: string): Promise<void> {
  const migrations: Record<string, Migration> = { '0001-init': migration0001(db.dialect), '0002-cluster': migration0002(db.dialect), '0003-rate-limit': migration0003(db.dialect) };
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  // With a PostgreSQL schema, name it: Kysely looks for its migration tables in every schema otherwise, finds
  // another schema's and never creates its own ("relation kysely_migration_lock does not exist").
  const migrator = new Migrator({ db: db.kysely, provider, ...(schema ? { migrationTableSchema: schema.replace(/"/g, '') } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}

/**
 * Kysely prepares every statement anew; preparing is a measurable share of a crawl's CPU on SQLite. The
 * statements are reused instead (better-sqlite3 statements are reusable; the API is synchronous, so one is
 * never in use twice at once). Bounded: multi-row inserts produce many distinct texts.
 */
function withStatementCache(db: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        if (cache.size >= 500) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

export function nowIso(date: Date = new Date()): string {
  return date.toISOString();
}

export { sql };
