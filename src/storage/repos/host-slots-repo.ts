/**
 * A HostLimiter shared by every worker of a PostgreSQL cluster. The per-host spacing (perHostDelayMs,
 * Crawl-delay) is a reservation in `host_slots`: one atomic upsert moves the host's next allowed start forward
 * by the delay and returns when this request may start, so N workers on N machines together keep the spacing
 * one worker would. Times come from the database clock, so machines with skewed clocks still agree.
 * In-flight concurrency per host stays per process (the in-process limiter): it protects the worker more
 * than the site, and a cluster-wide count would need leases of its own.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { HostLimiter } from '../../engine/http/host-limiter.ts';
import { sleep } from '../../engine/http/retry.ts';

export function createPgHostLimiter(db: Kysely<Database>, local: HostLimiter): HostLimiter {
  return {
    async acquire(host, opts, signal) {
      if (opts.minDelayMs <= 0) return local.acquire(host, opts, signal);
      const release = await local.acquire(host, { minDelayMs: 0, maxConcurrent: opts.maxConcurrent }, signal);
      try {
        const waitMs = await reserve(db, host.toLowerCase(), Math.round(opts.minDelayMs));
        // An abort while waiting gives the reserved slot up unused: the host just sees a longer gap.
        if (waitMs > 0) await sleep(waitMs, signal);
        return release;
      } catch (e) {
        release();
        throw e;
      }
    },
  };
}

/** Reserves the next start on `host`; returns how long to wait for it (ms, database clock). */
export async function reserve(db: Kysely<Database>, host: string, delayMs: number): Promise<number> {
  const r = await sql<{ wait_ms: string | number }>`
    with t as (select (extract(epoch from clock_timestamp()) * 1000)::bigint as now_ms)
    insert into host_slots as h (host, next_at) select ${host}, t.now_ms + ${delayMs} from t
    on conflict (host) do update set next_at = greatest(h.next_at, (extract(epoch from clock_timestamp()) * 1000)::bigint) + ${delayMs}
    returning next_at - ${delayMs} - (extract(epoch from clock_timestamp()) * 1000)::bigint as wait_ms`.execute(db);
  return Math.max(0, Number(r.rows[0]?.wait_ms ?? 0));
}
