/**
 * Shared request counters for the API rate limit (PostgreSQL clusters; see services/rate-limiter.ts). Each hit
 * is one upsert that increments and returns the window's count, so concurrent hits on several servers
 * serialise on the row and none is lost.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export class RateLimitRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Counts one request of `key` in the window starting at `windowStart` (epoch ms); returns the count so far. */
  async hit(key: string, windowStart: number): Promise<number> {
    const row = await this.db
      .insertInto('rate_windows')
      .values({ key, window_start: windowStart, count: 1 })
      .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql`rate_windows.count + 1` }))
      .returning('count')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Deletes windows that started before `before` (epoch ms). */
  async sweep(before: number): Promise<void> {
    await this.db.deleteFrom('rate_windows').where('window_start', '<', before).execute();
  }
}
