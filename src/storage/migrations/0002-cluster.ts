/**
 * Scale-out bookkeeping (issue 8): `run_attempts` logs every claim of a run (owner, claim time, last lease
 * held) so operators and tests can prove a run never ran on two workers at once; `host_slots` holds the next
 * allowed request start per host, shared by every worker so a politeness delay holds cluster-wide.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../db.ts';

export function migration0002(dialect: Dialect) {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('run_attempts')
        .addColumn('run_id', big, (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('claimed_at', 'text', (c) => c.notNull())
        /** The latest lease expiry this owner held (updated on renewal). */
        .addColumn('lease_until', 'text', (c) => c.notNull())
        /** Set when the owner let go itself (finished, handed back); null after a crash. */
        .addColumn('ended_at', 'text')
        .addPrimaryKeyConstraint('run_attempts_pk', ['run_id', 'attempt'])
        .execute();
      await db.schema
        .createTable('host_slots')
        .addColumn('host', 'text', (c) => c.primaryKey())
        /** Epoch milliseconds (database clock) before which no worker may start a request to this host. */
        .addColumn('next_at', big, (c) => c.notNull())
        .execute();
      // Children of a parallel run are looked up by parent on every claim and settle.
      await db.schema.createIndex('runs_parent').on('runs').columns(['parent_run_id']).execute();
    },
  };
}
