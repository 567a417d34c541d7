/**
 * Crash recovery (reliability.md §1.2, §1.3, §10.3): a run left Running by a process that died is taken over
 * by the next process on the same database and finishes with every record exactly once; a page committed
 * twice never yields duplicates; a stale owner cannot commit.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dialects, freshDatabase, requireDialect } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { createAgent, startAsync, waitTerminal } from '../helpers/run-helpers.ts';
import { catalogDefinition, startCatalogSite } from '../helpers/sites/catalog-site.ts';
import { parseAgentSpec } from '../../src/domain/agent-spec.ts';
import { RunStatus } from '../../src/domain/run-status.ts';
import { LeaseLostError } from '../../src/storage/repos/frontier-repo.ts';
import { normalizeUrl, processRequest } from '../../src/engine/crawl/page-processor.ts';
import { createHostLimiter } from '../../src/engine/http/host-limiter.ts';

const DEAD = 'dead-host:4242:deadbeef';

async function recordCounts(s: TestServer, runId: number) {
  const r = await sql<{ n: number; d: number }>`select count(*) as n, count(distinct record_key) as d from run_records where run_id = ${runId}`.execute(s.platform.db.kysely);
  return { n: Number(r.rows[0]!.n), d: Number(r.rows[0]!.d) };
}

/** Claims a queued run as a (soon dead) foreign worker and does part of its work: page 1 + one detail page committed, another detail page fetched but never committed. */
async function partialRunByDeadWorker(s: TestServer, runId: number) {
  const p = s.platform;
  const now = () => new Date().toISOString();
  const claimed = await p.runsRepo.claimNext(DEAD, now(), new Date(Date.now() + 60_000).toISOString(), {});
  assert.equal(claimed?.id, runId);
  assert.ok(await p.runsRepo.updateOwned(runId, DEAD, { status: RunStatus.Running }));
  const spec = parseAgentSpec(JSON.parse(claimed.spec));
  assert.ok(spec.ok);
  const deps = { http: p.http, robots: null, limiter: createHostLimiter(), browser: null, log: () => {} };
  const opts = { spec: spec.value, concurrencyPerHost: 1, perHostDelayMs: 0, maxPages: 1000, signal: new AbortController().signal };
  const start = spec.value.startUrls[0]!;
  await p.frontier.add(runId, [{ uniqueKey: `list:${normalizeUrl(start)}`, url: start, kind: 'list', depth: 0, pageNumber: 1 }], now());
  const [first] = await p.frontier.pending(runId, 1);
  const page = await processRequest(first!, opts, deps);
  await p.frontier.completePage(runId, DEAD, first!.uniqueKey, { records: page.records, newRequests: page.newRequests, counters: { pages: 1, requests: 1 } }, now());
  const details = (await p.frontier.pending(runId, 100)).filter((r) => r.kind === 'detail');
  const d1 = await processRequest(details[0]!, opts, deps);
  await p.frontier.completePage(runId, DEAD, details[0]!.uniqueKey, { records: d1.records, newRequests: d1.newRequests, counters: { pages: 1, requests: 1 } }, now());
  await processRequest(details[1]!, opts, deps); // killed after fetch, before commit
  // The process dies: its lease lapses.
  await p.db.kysely.updateTable('runs').set({ lease_expires_at: new Date(Date.now() - 60_000).toISOString() }).where('id', '=', runId).execute();
  return { detailUrls: [details[0]!.url, details[1]!.url] };
}

for (const dialect of dialects()) {
  describe(`crash recovery [${dialect}]`, () => {
    test('a run left Running by a dead process is taken over by the next one and finishes: every record exactly once', async (t) => {
      if (!(await requireDialect(dialect, t))) return;
      const site = await startCatalogSite({ items: 12, perPage: 3 });
      const db = freshDatabase(dialect, `crash-${dialect}`);
      let s1: TestServer | null = await startTestServer(dialect, 'crash-1', {}, { workers: false, database: db });
      let s2: TestServer | null = null;
      try {
        const a = await createAgent(s1, 'Crashy', catalogDefinition(site.origin, { limits: { concurrency: 2 } }));
        const run = await startAsync(s1, a.id);
        const { detailUrls } = await partialRunByDeadWorker(s1, run.id);
        const before = await s1.platform.runsRepo.get(run.id);
        assert.equal(before!.status, RunStatus.Running);
        assert.equal(before!.data_count, 1);
        await s1.close();
        s1 = null;

        s2 = await startTestServer(dialect, 'crash-2', {}, { database: db });
        const st = await waitTerminal(s2, a.id, run.id, 30_000);
        assert.equal(st.status, 9, st.message);
        assert.equal(st.id, run.id);
        const row = (await s2.platform.runsRepo.get(run.id))!;
        assert.equal(row.attempt, 2, 'claimed a second time');
        assert.notEqual(row.lease_owner, DEAD);
        const c = await recordCounts(s2, run.id);
        assert.deepEqual(c, { n: 12, d: 12 }, 'COUNT = COUNT DISTINCT = 12');
        assert.equal(st.dataCount, 12);
        const recs = (await s2.platform.runs.records([run.id], 0, 100)) as Array<{ name: string; sku: string }>;
        assert.deepEqual(recs.map((r) => r.name).sort(), site.items.map((i) => i.name).sort());
        assert.equal(new Set(recs.map((r) => r.sku)).size, 12);
        // Committed pages were not fetched again; the one in flight at the crash was.
        assert.equal(site.hits.get(new URL(detailUrls[0]!).pathname), 1);
        assert.equal(site.hits.get(new URL(detailUrls[1]!).pathname), 2);
        const counts = await s2.platform.frontier.stateCounts(run.id);
        assert.deepEqual(counts, { done: 16 }, 'nothing pending or in progress');
        const log = (await s2.platform.frontier.logs(run.id)).map((l) => l.message).join('\n');
        assert.match(log, /Resuming: 2 requests done/);
      } finally {
        await s1?.close();
        await s2?.close();
        await site.close();
      }
    });

    test('a page committed twice never yields duplicates; a stale owner cannot commit', async (t) => {
      if (!(await requireDialect(dialect, t))) return;
      const s = await startTestServer(dialect, `twice-${dialect}`, {}, { workers: false });
      try {
        const a = await createAgent(s, 'Twice', catalogDefinition('http://127.0.0.1:9'));
        const run = await startAsync(s, a.id);
        const p = s.platform;
        const now = new Date().toISOString();
        await p.runsRepo.claimNext('w1', now, new Date(Date.now() + 60_000).toISOString(), {});
        await p.frontier.add(run.id, [{ uniqueKey: 'list:x', url: 'http://127.0.0.1:9/list', kind: 'list', depth: 0, pageNumber: 1 }], now);
        const result = {
          records: [1, 2, 3].map((i) => ({ key: `k${i}`, data: { name: `n${i}` } })),
          newRequests: [{ uniqueKey: 'detail:y', url: 'http://127.0.0.1:9/item/1', kind: 'detail' as const, depth: 1, pageNumber: 1 }],
          counters: { pages: 1, requests: 1 },
        };
        assert.equal(await p.frontier.completePage(run.id, 'w1', 'list:x', result, now), 3);
        assert.equal(await p.frontier.completePage(run.id, 'w1', 'list:x', result, now), 0, 'the second commit stores nothing');
        assert.deepEqual(await recordCounts(s, run.id), { n: 3, d: 3 });
        assert.equal((await p.runsRepo.get(run.id))!.data_count, 3);
        assert.deepEqual(await p.frontier.stateCounts(run.id), { done: 1, pending: 1 }, 'the new request was enqueued once');
        await assert.rejects(p.frontier.completePage(run.id, 'someone-else', 'detail:y', result, now), LeaseLostError);
        await assert.rejects(p.frontier.failAttempt(run.id, 'someone-else', 'detail:y', 'x', true, {}, now), LeaseLostError);
        assert.deepEqual(await p.frontier.stateCounts(run.id), { done: 1, pending: 1 });
      } finally {
        await s.close();
      }
    });
  });
}
