/**
 * Control across machines (issue 8), PostgreSQL only, real processes: two `serve --no-workers` API servers and
 * three workers. A cluster-wide limit of 2 concurrent runs per agent holds with 3 workers (sampled from the
 * runs table); stop and kill sent to API server A reach runs started through B and executing on some worker;
 * kill ends a run whose worker is stuck (SIGSTOP), and that worker's later commits are refused.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, requireDialect } from '../helpers/db.ts';
import { catalogListDefinition, startCatalogSite } from '../helpers/sites/catalog-site.ts';
import { clusterApi, clusterEnv, createClusterDb, spawnGleaner, type GleanerProc } from '../helpers/cluster.ts';
import { sleepUntil } from '../helpers/sleep-until.ts';

const ACTIVE_HOLDING = '(1,2,3,5)';

for (const dialect of dialects()) {
  describe(`cluster control [${dialect}]`, () => {
    test('per-agent limit holds cluster-wide; stop/kill via another API server; kill beats a stuck worker', { timeout: 300_000 }, async (t) => {
      if (dialect !== 'postgres') return t.skip('scale-out needs PostgreSQL');
      if (!(await requireDialect(dialect, t))) return;
      const site = await startCatalogSite({ items: 400, perPage: 5, delayMs: 150 });
      const db = await createClusterDb();
      const env = clusterEnv(db, { GLEANER_MAX_RUNS_PER_AGENT: '2' });
      const procs: GleanerProc[] = [];
      try {
        const a = await spawnGleaner(['serve', '--no-workers'], env, 120_000);
        procs.push(a);
        const [b, ...workers] = await Promise.all([spawnGleaner(['serve', '--no-workers'], env, 120_000), ...[0, 1, 2].map(() => spawnGleaner(['worker', '--concurrency', '2'], env, 120_000))]);
        procs.push(b!, ...workers);
        const A = a.url!;
        const B = b!.url!;
        const agent = await clusterApi(B, '/api/v1/agent', { name: 'Slow', definition: { ...catalogListDefinition(site.origin), limits: { concurrency: 1, requestTimeoutMs: 5000, maxRetries: 1 } } });
        assert.equal(agent.status, 201, JSON.stringify(agent.body));
        const id = agent.body.id as number;
        const ids: number[] = [];
        for (let i = 0; i < 6; i++) ids.push((await clusterApi(B, `/api/v1/agent/${id}/start`, { isExclusive: false })).body.id);

        // 6 worker slots, 6 queued runs, limit 2: sample the runs table.
        let max = 0;
        const owners = new Set<string>();
        for (let i = 0; i < 60; i++) {
          const rows = (await db.pool.query(`select lease_owner from runs where agent_id = $1 and status in ${ACTIVE_HOLDING}`, [id])).rows;
          max = Math.max(max, rows.length);
          for (const r of rows) if (r.lease_owner) owners.add(r.lease_owner);
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(max, 2, `at most 2 runs of the agent at once (saw ${max})`);

        const running = async () => (await db.pool.query(`select id, lease_owner from runs where agent_id = $1 and status = 1 and lease_owner is not null order by id`, [id])).rows as Array<{ id: number; lease_owner: string }>;
        const statusOf = async (runId: number) => (await clusterApi(B, `/api/v1/agent/${id}/run/${runId}/status`)).body;

        // Stop through A, observed through B.
        const [r1] = await sleepUntil(async () => ((await running()).length ? running() : null), 20_000, 'a running run');
        let t0 = Date.now();
        assert.equal((await clusterApi(A, `/api/v1/agent/${id}/run/${r1!.id}/stop`, {})).status, 204);
        const s1 = await sleepUntil(async () => ((await statusOf(r1!.id)).status === 8 ? statusOf(r1!.id) : null), 10_000, 'stopped');
        const stopMs = Date.now() - t0;
        assert.match(s1.message, /Stopped by request/);

        // Kill through A.
        const r2 = await sleepUntil(async () => (await running()).find((r) => r.id !== r1!.id) ?? null, 20_000, 'another running run');
        t0 = Date.now();
        assert.equal((await clusterApi(A, `/api/v1/agent/${id}/run/${r2.id}/kill`, {})).status, 204);
        await sleepUntil(async () => ((await statusOf(r2.id)).status === 8 ? true : null), 10_000, 'killed');
        const killMs = Date.now() - t0;

        // A stuck worker: SIGSTOP the process holding a run; stop (no answer), then kill forces Stopped at once.
        const r3 = await sleepUntil(async () => (await running()).find((r) => ![r1!.id, r2.id].includes(r.id)) ?? null, 20_000, 'a third running run');
        const pid = Number(r3.lease_owner.split(':')[1]);
        const stuck = workers.find((w) => w.pid === pid);
        assert.ok(stuck, `worker ${pid} is one of ours`);
        process.kill(pid, 'SIGSTOP');
        try {
          assert.equal((await clusterApi(A, `/api/v1/agent/${id}/run/${r3.id}/stop`, {})).status, 204);
          await new Promise((r) => setTimeout(r, 500));
          assert.equal((await statusOf(r3.id)).status, 5, 'Stopping: the stuck worker does not answer');
          assert.equal((await clusterApi(A, `/api/v1/agent/${id}/run/${r3.id}/kill`, {})).status, 204);
          const after = await statusOf(r3.id);
          assert.equal(after.status, 8, 'kill on a Stopping run ends it at once');
        } finally {
          process.kill(pid, 'SIGCONT');
        }
        const before = (await db.pool.query('select data_count, lease_owner, (select count(*)::int from run_records where run_id = $1) as n from runs where id = $1', [r3.id])).rows[0];
        assert.equal(before.lease_owner, null);
        await new Promise((r) => setTimeout(r, 2500)); // the worker wakes up and tries to go on
        const later = (await db.pool.query('select status, data_count, (select count(*)::int from run_records where run_id = $1) as n from runs where id = $1', [r3.id])).rows[0];
        assert.deepEqual({ status: later.status, data: later.data_count, n: later.n }, { status: 8, data: before.data_count, n: before.n }, 'the stuck worker committed nothing after the kill');
        t.diagnostic(`runs spread over ${owners.size} workers; stop via another API server took ${stopMs} ms, kill ${killMs} ms`);

        for (const r of ids) await clusterApi(A, `/api/v1/agent/${id}/run/${r}/kill`, {});
        for (const r of ids) await clusterApi(A, `/api/v1/agent/${id}/run/${r}/kill`, {});
      } finally {
        for (const p of procs) await p.stop('SIGKILL');
        await db.drop();
        await site.close();
      }
    });
  });
}
