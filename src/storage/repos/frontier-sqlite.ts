/**
 * The SQLite form of a group commit (FrontierRepo.commitPages), on the raw better-sqlite3 handle: one
 * transaction of single-row prepared statements. It does what the Kysely form does, row by row, because
 * on SQLite building and preparing multi-row statements of varying length cost more CPU than the inserts
 * themselves (about a third of a crawl's database time). The caller holds Kysely's connection, so no
 * other transaction is open on the handle meanwhile.
 */
import type SqliteDatabase from 'better-sqlite3';

export interface SqliteCompletion {
  uniqueKey: string;
  now: string;
  records: Array<{ key: string; data: Record<string, unknown> }>;
  newRequests: Array<{ uniqueKey: string; url: string; kind: string; depth: number; pageNumber: number; userData?: unknown }>;
  counters: { pages?: number; requests?: number; errors?: number; traffic?: number; dynamicPages?: number };
}

type Statements = ReturnType<typeof prepare>;
const prepared = new WeakMap<SqliteDatabase.Database, Statements>();

function prepare(db: SqliteDatabase.Database) {
  return {
    insertRecord: db.prepare('insert into run_records (run_id, record_key, request_key, data, created) values (?, ?, ?, ?, ?) on conflict (run_id, record_key) do nothing'),
    maxSeq: db.prepare(`select max(m) as m from (
      select max(seq) as m from run_requests where run_id = ? and state = 'pending'
      union all select max(seq) as m from run_requests where run_id = ? and state = 'done'
      union all select max(seq) as m from run_requests where run_id = ? and state = 'failed')`),
    insertRequest: db.prepare(
      `insert into run_requests (run_id, unique_key, url, kind, depth, page_number, user_data, state, attempts, last_error, seq, updated)
       values (?, ?, ?, ?, ?, ?, ?, 'pending', 0, null, ?, ?) on conflict (run_id, unique_key) do nothing`,
    ),
    markDone: db.prepare("update run_requests set state = 'done', attempts = attempts + 1, updated = ?, last_error = null where run_id = ? and unique_key = ?"),
    countersIfLeased: db.prepare(
      `update runs set page_count = page_count + ?, request_count = request_count + ?, data_count = data_count + ?,
       error_count = error_count + ?, traffic = traffic + ?, dynamic_page_count = dynamic_page_count + ?
       where id = ? and lease_owner = ?`,
    ),
  };
}

/** Records newly stored per page, or 'lease-lost' (and nothing written) when `owner` no longer holds the run. */
export function commitPagesSqlite(db: SqliteDatabase.Database, runId: number, owner: string, items: SqliteCompletion[]): number[] | 'lease-lost' {
  let st = prepared.get(db);
  if (!st) prepared.set(db, (st = prepare(db)));
  const s = st;
  const now = items[items.length - 1]!.now;
  const run = db.transaction((): number[] | 'lease-lost' => {
    // In page order, so a record key seen twice in the batch counts for the first page that produced it.
    const stored = items.map((c) => {
      let n = 0;
      for (const r of c.records) n += s.insertRecord.run(runId, r.key, c.uniqueKey, JSON.stringify(r.data), c.now).changes;
      return n;
    });
    if (items.some((c) => c.newRequests.length)) {
      let seq = Number((s.maxSeq.get(runId, runId, runId) as { m: number | null }).m ?? 0);
      for (const c of items) {
        for (const r of c.newRequests) {
          s.insertRequest.run(runId, r.uniqueKey, r.url, r.kind, r.depth, r.pageNumber, r.userData === undefined ? null : JSON.stringify(r.userData), ++seq, now);
        }
      }
    }
    for (const c of items) s.markDone.run(now, runId, c.uniqueKey);
    const t = { pages: 0, requests: 0, errors: 0, traffic: 0, dynamicPages: 0 };
    for (const c of items) {
      t.pages += c.counters.pages ?? 0;
      t.requests += c.counters.requests ?? 0;
      t.errors += c.counters.errors ?? 0;
      t.traffic += c.counters.traffic ?? 0;
      t.dynamicPages += c.counters.dynamicPages ?? 0;
    }
    const data = stored.reduce((a, b) => a + b, 0);
    const held = s.countersIfLeased.run(t.pages, t.requests, data, t.errors, t.traffic, t.dynamicPages, runId, owner).changes;
    // Throwing rolls the transaction back: a lost lease writes nothing of the batch.
    if (held !== 1) throw new LeaseLost();
    return stored;
  });
  try {
    return run();
  } catch (e) {
    if (e instanceof LeaseLost) return 'lease-lost';
    throw e;
  }
}

class LeaseLost extends Error {}
