/**
 * `rate_windows`: per-key request counts per fixed window, shared by every API server of a PostgreSQL cluster
 * so the API rate limit holds cluster-wide. Created on SQLite too (one schema for both dialects), where the
 * single process keeps its counters in memory and never touches it.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.ts';

export function migration0003(dialect: Dialect) {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Unlogged on PostgreSQL: a counter update then needs no WAL flush at commit, so a request does not wait
      // for a disk sync. The price (counters reset after a database crash, not on replicas) is a limit that
      // briefly allows more, which is acceptable for a rate limit.
      let create = db.schema.createTable('rate_windows');
      if (dialect === 'postgres') create = create.modifyFront(sql`unlogged`);
      await create
        /** `key:<api key row id>` or `session:<user id>`. */
        .addColumn('key', 'text', (c) => c.notNull())
        /** Epoch milliseconds, a multiple of the window length. */
        .addColumn('window_start', big, (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('rate_windows_pk', ['key', 'window_start'])
        .execute();
      // No index on window_start alone: the table holds about two windows per active key, and the sweep that
      // deletes by it runs at most once per window per server.
    },
  };
}
