/**
 * A run's crawl frontier (requests to do, done, failed), its records, logs and files. The frontier lives
 * in the database so a taken-over or restarted run resumes where it was. Records are keyed by
 * (run, record key): a page processed twice never yields duplicates, and each page's records are
 * committed in the same transaction that marks the page done and checks the worker still holds the lease.
 */
import type SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Counters } from './runs-repo.ts';
import { commitPagesSqlite } from './frontier-sqlite.ts';

export interface FrontierRequest {
  uniqueKey: string;
  url: string;
  kind: 'list' | 'detail';
  depth: number;
  pageNumber: number;
  userData?: unknown;
}

export interface PendingRequest extends FrontierRequest {
  attempts: number;
  seq: number;
}

export interface PageResult {
  records: Array<{ key: string; data: Record<string, unknown> }>;
  newRequests: FrontierRequest[];
  counters: Counters;
}

export class LeaseLostError extends Error {
  constructor(runId: number) {
    super(`run ${runId}: lease lost to another worker`);
  }
}

interface PendingCompletion {
  uniqueKey: string;
  result: PageResult;
  now: string;
  resolve: (stored: number) => void;
  reject: (e: unknown) => void;
}

interface CompletionQueue {
  runId: number;
  owner: string;
  items: PendingCompletion[];
  draining: boolean;
}

export class FrontierRepo {
  /** Pages waiting for the next group commit, per run and lease owner. */
  private readonly completions = new Map<string, CompletionQueue>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres' = 'sqlite',
    /** SQLite's raw handle: page commits then run as prepared statements (frontier-sqlite.ts). */
    private readonly sqlite?: SqliteDatabase.Database,
  ) {}

  /** Insert-or-ignore; returns how many were new. */
  async add(runId: number, reqs: FrontierRequest[], now: string, tx: Kysely<Database> = this.db): Promise<number> {
    if (!reqs.length) return 0;
    let seq = await this.maxSeq(runId, tx);
    let added = 0;
    for (const chunk of chunks(reqs, 200)) {
      const res = await tx
        .insertInto('run_requests')
        .values(chunk.map((r) => ({ run_id: runId, unique_key: r.uniqueKey, url: r.url, kind: r.kind, depth: r.depth, page_number: r.pageNumber, user_data: r.userData === undefined ? null : JSON.stringify(r.userData), state: 'pending', attempts: 0, last_error: null, seq: ++seq, updated: now })))
        .onConflict((oc) => oc.columns(['run_id', 'unique_key']).doNothing())
        .executeTakeFirst();
      added += Number(res.numInsertedOrUpdatedRows ?? 0);
    }
    return added;
  }

  /**
   * Highest seq of a run. One max() per state: each is a seek on the (run_id, state, seq) index, where a
   * plain max over the run scans every row of it (quadratic over a crawl, since every page adds requests).
   */
  private async maxSeq(runId: number, tx: Kysely<Database>): Promise<number> {
    const r = await sql<{ m: number | string | null }>`select max(m) as m from (
      select max(seq) as m from run_requests where run_id = ${runId} and state = 'pending'
      union all select max(seq) as m from run_requests where run_id = ${runId} and state = 'done'
      union all select max(seq) as m from run_requests where run_id = ${runId} and state = 'failed') t`.execute(tx);
    return Number(r.rows[0]?.m ?? 0);
  }

  async pending(runId: number, limit: number, afterSeq = 0): Promise<PendingRequest[]> {
    const rows = await this.db.selectFrom('run_requests').selectAll().where('run_id', '=', runId).where('state', '=', 'pending').where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ uniqueKey: r.unique_key, url: r.url, kind: r.kind as 'list' | 'detail', depth: r.depth, pageNumber: r.page_number, userData: r.user_data ? JSON.parse(r.user_data) : undefined, attempts: r.attempts, seq: r.seq }));
  }

  async stateCounts(runId: number): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('run_requests').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).where('run_id', '=', runId).groupBy('state').execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  /**
   * Commits one page's outcome atomically, only while `owner` holds the run's lease. Returns records newly stored.
   * Group commit: pages of one run completing while a commit is under way are committed together in the next
   * transaction (one lease check, one counters update, multi-row inserts), so the per-page cost of a transaction
   * is shared. Every page is still all-or-nothing with its records and its done mark; if a batch fails for a
   * reason other than the lease, each page is retried alone so one bad page cannot fail the others.
   */
  completePage(runId: number, owner: string, uniqueKey: string, result: PageResult, now: string): Promise<number> {
    const key = `${runId}\u0000${owner}`;
    let q = this.completions.get(key);
    if (!q) this.completions.set(key, (q = { runId, owner, items: [], draining: false }));
    const queue = q;
    const done = new Promise<number>((resolve, reject) => queue.items.push({ uniqueKey, result, now, resolve, reject }));
    if (!queue.draining) {
      queue.draining = true;
      // setImmediate, not a microtask: pages finishing in the same I/O phase join the first batch.
      setImmediate(() => void this.drain(key, queue));
    }
    return done;
  }

  private async drain(key: string, q: CompletionQueue): Promise<void> {
    while (q.items.length) {
      const batch = q.items.splice(0, 100);
      try {
        const stored = await this.commitPages(q.runId, q.owner, batch);
        batch.forEach((c, i) => c.resolve(stored[i]!));
      } catch (e) {
        if (e instanceof LeaseLostError || batch.length === 1) {
          for (const c of batch) c.reject(e);
          continue;
        }
        for (const c of batch) {
          try {
            c.resolve((await this.commitPages(q.runId, q.owner, [c]))[0]!);
          } catch (err) {
            c.reject(err);
          }
        }
      }
    }
    q.draining = false;
    this.completions.delete(key);
  }

  private async commitPages(runId: number, owner: string, items: PendingCompletion[]): Promise<number[]> {
    const raw = this.sqlite;
    if (raw) {
      // Holding Kysely's one connection keeps its transactions off the handle while ours runs.
      const stored = await this.db.connection().execute(async () =>
        commitPagesSqlite(raw, runId, owner, items.map((c) => ({ uniqueKey: c.uniqueKey, now: c.now, records: c.result.records, newRequests: c.result.newRequests, counters: c.result.counters }))),
      );
      if (stored === 'lease-lost') throw new LeaseLostError(runId);
      return stored;
    }
    const now = items[items.length - 1]!.now;
    return this.db.transaction().execute(async (tx) => {
      // Page commits need not wait for the WAL flush: a crash can only lose the newest of them (WAL is
      // sequential, and the run's terminal status is committed synchronously after them), and a lost page
      // is fetched again from the frontier with its records de-duplicated by key. Durability of what a
      // client was told (terminal status, sync results) is unchanged.
      if (this.dialect === 'postgres') await sql`SET LOCAL synchronous_commit = off`.execute(tx);
      const stored = items.map(() => 0);
      // A record key seen twice in the batch counts for the first page that produced it, as it would one by one.
      const firstPage = new Map<string, number>();
      const rows = items.flatMap((c, i) =>
        c.result.records.map((r) => {
          if (!firstPage.has(r.key)) firstPage.set(r.key, i);
          return { run_id: runId, record_key: r.key, request_key: c.uniqueKey, data: JSON.stringify(r.data), created: c.now };
        }),
      );
      for (const chunk of chunks(rows, 200)) {
        const inserted = await tx
          .insertInto('run_records')
          .values(chunk)
          .onConflict((oc) => oc.columns(['run_id', 'record_key']).doNothing())
          .returning('record_key')
          .execute();
        for (const r of inserted) stored[firstPage.get(r.record_key)!]!++;
      }
      await this.add(runId, items.flatMap((c) => c.result.newRequests), now, tx);
      for (const chunk of chunks(items, 200)) {
        await tx
          .updateTable('run_requests')
          .set((eb) => ({ state: 'done', attempts: eb('attempts', '+', 1), updated: now, last_error: null }))
          .where('run_id', '=', runId)
          .where('unique_key', 'in', chunk.map((c) => c.uniqueKey))
          .execute();
      }
      const c = { pages: 0, requests: 0, data: 0, errors: 0, traffic: 0, dynamicPages: 0 };
      items.forEach((it, i) => {
        const k = it.result.counters;
        c.pages += k.pages ?? 0;
        c.requests += k.requests ?? 0;
        c.errors += k.errors ?? 0;
        c.traffic += k.traffic ?? 0;
        c.dynamicPages += k.dynamicPages ?? 0;
        c.data += stored[i]!;
      });
      // The lease check and the counters are one statement; it comes last, and a lost lease rolls back the whole batch.
      const held = await tx
        .updateTable('runs')
        .set((eb) => ({
          page_count: eb('page_count', '+', c.pages),
          request_count: eb('request_count', '+', c.requests),
          data_count: eb('data_count', '+', c.data),
          error_count: eb('error_count', '+', c.errors),
          traffic: eb('traffic', '+', c.traffic),
          dynamic_page_count: eb('dynamic_page_count', '+', c.dynamicPages),
        }))
        .where('id', '=', runId)
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      if (Number(held.numUpdatedRows) !== 1) throw new LeaseLostError(runId);
      return stored;
    });
  }

  /** A failed attempt: back to pending for a retry, or failed for good. */
  async failAttempt(runId: number, owner: string, uniqueKey: string, error: string, final: boolean, counters: Counters, now: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const held = await tx.updateTable('runs').set({ lease_owner: owner }).where('id', '=', runId).where('lease_owner', '=', owner).executeTakeFirst();
      if (Number(held.numUpdatedRows) !== 1) throw new LeaseLostError(runId);
      await tx.updateTable('run_requests').set((eb) => ({ state: final ? 'failed' : 'pending', attempts: eb('attempts', '+', 1), last_error: error.slice(0, 2000), updated: now })).where('run_id', '=', runId).where('unique_key', '=', uniqueKey).execute();
      await tx.updateTable('runs').set((eb) => ({ error_count: eb('error_count', '+', final ? 1 : 0), request_count: eb('request_count', '+', counters.requests ?? 0), traffic: eb('traffic', '+', counters.traffic ?? 0) })).where('id', '=', runId).execute();
    });
  }

  /** Failed requests become pending again ("retry only the failed requests"). */
  async requeueFailed(runId: number, now: string): Promise<number> {
    const r = await this.db.updateTable('run_requests').set({ state: 'pending', attempts: 0, updated: now }).where('run_id', '=', runId).where('state', '=', 'failed').executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /**
   * Restart with failedOnly: requests still pending are parked ('deferred', which no worker reads) so only the
   * failed ones (and what they link to) are fetched; a later plain restart unparks them.
   */
  async parkPending(runId: number, now: string): Promise<number> {
    const r = await this.db.updateTable('run_requests').set({ state: 'deferred', updated: now }).where('run_id', '=', runId).where('state', '=', 'pending').executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async unparkPending(runId: number, now: string): Promise<number> {
    const r = await this.db.updateTable('run_requests').set({ state: 'pending', updated: now }).where('run_id', '=', runId).where('state', '=', 'deferred').executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async failedRequests(runId: number, limit = 50) {
    return this.db.selectFrom('run_requests').select(['url', 'last_error', 'attempts']).where('run_id', '=', runId).where('state', '=', 'failed').orderBy('seq').limit(limit).execute();
  }

  // ---- records
  async countRecords(runIds: number[]): Promise<number> {
    if (!runIds.length) return 0;
    const r = await this.db.selectFrom('run_records').select((eb) => eb.fn.countAll<number>().as('n')).where('run_id', 'in', runIds).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Keyset-paged stream of records in insertion order, flat memory for exports of any size. */
  async *streamRecords(runIds: number[], batch = 1000): AsyncGenerator<Record<string, unknown>> {
    if (!runIds.length) return;
    let after = 0;
    for (;;) {
      const rows = await this.db.selectFrom('run_records').select(['id', 'data']).where('run_id', 'in', runIds).where('id', '>', after).orderBy('id').limit(batch).execute();
      for (const r of rows) yield JSON.parse(r.data) as Record<string, unknown>;
      if (rows.length < batch) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async recordPage(runIds: number[], offset: number, limit: number): Promise<Record<string, unknown>[]> {
    if (!runIds.length) return [];
    const rows = await this.db.selectFrom('run_records').select('data').where('run_id', 'in', runIds).orderBy('id').limit(limit).offset(offset).execute();
    return rows.map((r) => JSON.parse(r.data) as Record<string, unknown>);
  }

  // ---- logs
  async log(runId: number, lines: Array<{ level: string; message: string; ts: string }>): Promise<void> {
    if (!lines.length) return;
    for (const chunk of chunks(lines, 200)) await this.db.insertInto('run_logs').values(chunk.map((l) => ({ run_id: runId, ts: l.ts, level: l.level, message: l.message }))).execute();
  }

  async logs(runId: number, afterId = 0, limit = 1000) {
    return this.db.selectFrom('run_logs').selectAll().where('run_id', '=', runId).where('id', '>', afterId).orderBy('id').limit(limit).execute();
  }

  async *streamLogs(runIds: number[]): AsyncGenerator<{ ts: string; level: string; message: string; run_id: number }> {
    if (!runIds.length) return;
    let after = 0;
    for (;;) {
      const rows = await this.db.selectFrom('run_logs').selectAll().where('run_id', 'in', runIds).where('id', '>', after).orderBy('id').limit(1000).execute();
      for (const r of rows) yield r;
      if (rows.length < 1000) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async errorMessages(runId: number, limit = 20): Promise<string[]> {
    const rows = await this.db.selectFrom('run_logs').select('message').where('run_id', '=', runId).where('level', 'in', ['error', 'warn']).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => r.message);
  }

  // ---- files
  async addFile(v: { runId: number; name: string; fileType: string; kind: string; size: number; content: Buffer | null }, now: string) {
    return this.db.insertInto('run_files').values({ run_id: v.runId, name: v.name, file_type: v.fileType, kind: v.kind, size: v.size, content: v.content, created: now }).returning(['id']).executeTakeFirstOrThrow();
  }
  async files(runId: number) {
    return this.db.selectFrom('run_files').select(['id', 'run_id', 'name', 'file_type', 'kind', 'size', 'created']).where('run_id', '=', runId).orderBy('id').execute();
  }
  async file(runId: number, fileId: number) {
    return this.db.selectFrom('run_files').selectAll().where('run_id', '=', runId).where('id', '=', fileId).executeTakeFirst();
  }
  async cacheFile(fileId: number, content: Buffer) {
    await this.db.updateTable('run_files').set({ content, size: content.length }).where('id', '=', fileId).execute();
  }
  async deleteFiles(runId: number, keepKinds: string[] = []) {
    let q = this.db.deleteFrom('run_files').where('run_id', '=', runId);
    if (keepKinds.length) q = q.where('kind', 'not in', keepKinds);
    await q.execute();
  }
  async deleteRunData(runId: number) {
    await this.db.deleteFrom('run_records').where('run_id', '=', runId).execute();
    await this.db.deleteFrom('run_files').where('run_id', '=', runId).execute();
    await this.db.deleteFrom('run_logs').where('run_id', '=', runId).execute();
  }
}

function chunks<T>(arr: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < arr.length; i += n) out.push(arr.slice(i, i + n));
  return out;
}
