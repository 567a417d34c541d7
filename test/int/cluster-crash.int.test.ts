/**
 * Scale-out under crashes (issue 8; reliability.md §10.3), PostgreSQL only: one `serve --no-workers`, three
 * `worker` processes, 50 runs over a local catalogue (10 list pages × 5 detail pages). A random worker is
 * SIGKILLed every ~2 s and replaced. At the end: every run terminal and Completed, every record exactly once
 * (COUNT = COUNT DISTINCT = 50 per run, read from the database), no two claims of one run overlapping in time
 * (run_attempts), no lease left behind, nothing pending in any frontier.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, requireDialect } from '../helpers/db.ts';
import { catalogDefinition, startCatalogSite } from '../helpers/sites/catalog-site.ts';
import { clusterApi, clusterEnv, createClusterDb, spawnGleaner, type GleanerProc } from '../helpers/cluster.ts';

const RUNS = 50;
const TERMINAL = new Set([6, 8, 9, 10, 11]);

for (const dialect of dialects()) {
  describe(`cluster crash [${dialect}]`, () => {
    test('3 workers, one killed every ~2 s: 50 runs end, records exactly once, no overlapping claims', { timeout: 400_000 }, async (t) => {
      if (dialect !== 'postgres') return t.skip('scale-out needs PostgreSQL');
      if (!(await requireDialect(dialect, t))) return;
      const site = await startCatalogSite({ items: 50, perPage: 5, delayMs: 3 });
      const db = await createClusterDb();
      const env = clusterEnv(db, { GLEANER_RUN_MAX_ATTEMPTS: '100' });
      const procs: GleanerProc[] = [];
      const booting: Array<Promise<void>> = [];
      try {
        const t0 = Date.now();
        const api = await spawnGleaner(['serve', '--no-workers'], env, 120_000);
        if (process.env.CLUSTER_VERBOSE) console.error(`[cluster] serve up after ${Date.now() - t0} ms`);
        procs.push(api);
        const base = api.url!;
        // Started together: on a loaded 2-core box one process takes 5-15 s to boot (tsx compiles the sources).
        const workers: GleanerProc[] = await Promise.all([0, 1, 2].map(() => spawnGleaner(['worker', '--concurrency', '2'], env, 120_000)));
        procs.push(...workers);
        if (process.env.CLUSTER_VERBOSE) console.error(`[cluster] 3 workers up after ${Date.now() - t0} ms`);
        const agent = await clusterApi(base, '/api/v1/agent', { name: 'Cluster crash', definition: catalogDefinition(site.origin, { limits: { concurrency: 4, requestTimeoutMs: 5000, maxRetries: 2 } }) });
        assert.equal(agent.status, 201, JSON.stringify(agent.body));
        const ids: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const r = await clusterApi(base, `/api/v1/agent/${agent.body.id}/start`, { isExclusive: false });
          assert.equal(r.status, 202, JSON.stringify(r.body));
          ids.push(r.body.id);
        }

        // Chaos: every ~2 s kill -9 a random worker (keeping at least one alive) and boot a replacement, until
        // every run is terminal. Replacements join when ready; a boot takes seconds, so fewer may be up at times.
        let kills = 0;
        const deadline = Date.now() + 150_000;
        const allDone = async () => (await db.pool.query(`select count(*)::int as n from runs where status not in (6,8,9,10,11)`)).rows[0].n === 0;
        while (!(await allDone())) {
          assert.ok(Date.now() < deadline, 'runs did not all end in time');
          await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
          if (process.env.CLUSTER_VERBOSE) console.error(`[cluster] ${JSON.stringify((await db.pool.query('select status, count(*)::int as n from runs group by status')).rows)} workers up ${workers.length}, kills ${kills}`);
          if (workers.length < 2) continue;
          const [victim] = workers.splice(Math.floor(Math.random() * workers.length), 1);
          await victim!.stop('SIGKILL');
          kills++;
          booting.push(
            spawnGleaner(['worker', '--concurrency', '2'], env, 120_000).then(
              (w) => {
                procs.push(w);
                workers.push(w);
              },
              // A replacement that fails to boot on a loaded machine is one worker fewer, not a test failure.
              (e: unknown) => console.error(`[cluster] replacement worker did not start: ${String(e).slice(0, 200)}`),
            ),
          );
        }
        await Promise.allSettled(booting);
        assert.ok(kills >= 3, `only ${kills} kills happened: the runs ended too fast to test anything`);

        const runs = (await db.pool.query(`select id, status, message, data_count, attempt, lease_owner from runs where id = any($1) order by id`, [ids])).rows;
        assert.equal(runs.length, RUNS);
        for (const r of runs) {
          assert.ok(TERMINAL.has(r.status), `run ${r.id} status ${r.status}`);
          assert.equal(r.status, 9, `run ${r.id}: ${r.message}`);
          assert.equal(r.lease_owner, null, `run ${r.id} keeps a lease`);
        }
        const counts = (await db.pool.query(`select run_id, count(*)::int as n, count(distinct record_key)::int as d from run_records group by run_id`)).rows;
        const byRun = new Map(counts.map((c) => [Number(c.run_id), c]));
        for (const id of ids) assert.deepEqual({ n: byRun.get(id)?.n, d: byRun.get(id)?.d }, { n: 50, d: 50 }, `run ${id}: COUNT = COUNT DISTINCT = 50`);
        for (const r of runs) assert.equal(r.data_count, 50, `run ${r.id} dataCount`);
        const pending = (await db.pool.query(`select count(*)::int as n from run_requests where state <> 'done'`)).rows[0].n;
        assert.equal(pending, 0, 'every request done');

        // No two claims of one run overlapped: a claim starts only after the previous owner released it or its lease ran out.
        const attempts = (await db.pool.query(`select run_id, attempt, owner, claimed_at, lease_until, ended_at from run_attempts order by run_id, attempt`)).rows;
        let takeovers = 0;
        for (let i = 1; i < attempts.length; i++) {
          const prev = attempts[i - 1]!;
          const cur = attempts[i]!;
          if (prev.run_id !== cur.run_id) continue;
          takeovers++;
          const prevEnd = prev.ended_at ?? prev.lease_until;
          assert.ok(cur.claimed_at >= prevEnd, `run ${cur.run_id}: attempt ${cur.attempt} by ${cur.owner} at ${cur.claimed_at} overlaps attempt ${prev.attempt} by ${prev.owner} (held until ${prevEnd})`);
        }
        const refetched = site.pageHits() - RUNS * 60;
        t.diagnostic(`${kills} workers killed, ${takeovers} takeovers, ${refetched} pages fetched twice (in flight at a kill)`);
        assert.ok(takeovers >= 1, 'some run was taken over');
      } finally {
        await Promise.allSettled(booting);
        for (const p of procs) await p.stop('SIGKILL');
        await db.drop();
        await site.close();
      }
    });
  });
}
