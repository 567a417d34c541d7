/**
 * `npm run bench:cluster`: scale-out on one machine over PostgreSQL, with the real processes
 * (`serve --no-workers` + N `worker --concurrency 2`). Two measurements:
 *  1. throughput: the same batch of runs over a local catalogue with 1, 2 and 4 worker processes;
 *  2. takeover: a worker holding a run is SIGKILLed; how long until another worker has claimed it and
 *     until the run commits again, for each lease length.
 * Process boot time is excluded (workers are started before the clock). On a 2-core box more processes
 * than cores mostly compete with each other and with PostgreSQL: read the figures with `nproc` in mind.
 *
 *   npm run bench:cluster -- [--workers 1,2,4] [--runs 20] [--leases 3,30] [--latency 3]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { catalogDefinition, catalogListDefinition, startCatalogSite } from '../test/helpers/sites/catalog-site.ts';
import { clusterApi, clusterEnv, createClusterDb, spawnGleaner, type GleanerProc } from '../test/helpers/cluster.ts';

const { values: a } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2,4' },
    runs: { type: 'string', default: '20' },
    leases: { type: 'string', default: '3,30' },
    latency: { type: 'string', default: '3' },
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function throughput(workers: number, runs: number, latencyMs: number) {
  const site = await startCatalogSite({ items: 50, perPage: 5, delayMs: latencyMs });
  const db = await createClusterDb();
  const env = clusterEnv(db);
  const procs: GleanerProc[] = [];
  try {
    const api = await spawnGleaner(['serve', '--no-workers'], env, 120_000);
    procs.push(api);
    procs.push(...(await Promise.all(Array.from({ length: workers }, () => spawnGleaner(['worker', '--concurrency', '2'], env, 120_000)))));
    const agent = await clusterApi(api.url!, '/api/v1/agent', { name: 'bench', definition: catalogDefinition(site.origin) });
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await clusterApi(api.url!, `/api/v1/agent/${agent.body.id}/start`, { isExclusive: false });
    for (;;) {
      const r = (await db.pool.query(`select count(*) filter (where status not in (6,8,9,10,11))::int as open, coalesce(sum(page_count),0)::int as pages, count(*) filter (where status = 9)::int as ok from runs`)).rows[0];
      if (r.open === 0) {
        const s = (performance.now() - t0) / 1000;
        return { workers, runs, completed: r.ok, pages: r.pages, seconds: +s.toFixed(1), runsPerMin: +((runs / s) * 60).toFixed(1), pagesPerSec: +(r.pages / s).toFixed(0) };
      }
      await sleep(100);
    }
  } finally {
    for (const p of procs) await p.stop('SIGKILL');
    await db.drop();
    await site.close();
  }
}

async function takeover(leaseSeconds: number) {
  const site = await startCatalogSite({ items: 2000, perPage: 5, delayMs: 50 });
  const db = await createClusterDb();
  const env = clusterEnv(db, { GLEANER_LEASE_SECONDS: String(leaseSeconds) });
  const procs: GleanerProc[] = [];
  try {
    const api = await spawnGleaner(['serve', '--no-workers'], env, 120_000);
    procs.push(api);
    const workers = await Promise.all([0, 1].map(() => spawnGleaner(['worker', '--concurrency', '2'], env, 120_000)));
    procs.push(...workers);
    const agent = await clusterApi(api.url!, '/api/v1/agent', { name: 'takeover', definition: { ...catalogListDefinition(site.origin), limits: { concurrency: 1 } } });
    const run = (await clusterApi(api.url!, `/api/v1/agent/${agent.body.id}/start`, {})).body.id as number;
    const row = async () => (await db.pool.query('select status, lease_owner, data_count from runs where id = $1', [run])).rows[0];
    let r = await row();
    while (!(r.lease_owner && r.data_count > 0)) (await sleep(50), (r = await row()));
    const victim = workers.find((w) => w.pid === Number(r.lease_owner.split(':')[1]))!;
    await victim.stop('SIGKILL');
    const killedAt = performance.now();
    const dataAtKill = (await row()).data_count;
    let claimedMs: number | null = null;
    for (;;) {
      r = await row();
      if (claimedMs === null && r.lease_owner && r.lease_owner !== `${victim.pid}` && Number(r.lease_owner.split(':')[1]) !== victim.pid) claimedMs = performance.now() - killedAt;
      if (claimedMs !== null && r.data_count > dataAtKill) break;
      if (performance.now() - killedAt > leaseSeconds * 4000 + 30_000) throw new Error('no takeover');
      await sleep(50);
    }
    return { leaseSeconds, claimedAfterSec: +(claimedMs! / 1000).toFixed(2), committingAgainAfterSec: +((performance.now() - killedAt) / 1000).toFixed(2) };
  } finally {
    for (const p of procs) await p.stop('SIGKILL');
    await db.drop();
    await site.close();
  }
}

const tp = [];
for (const w of a.workers!.split(',').map(Number)) {
  tp.push(await throughput(w, Number(a.runs), Number(a.latency)));
  console.log(JSON.stringify(tp[tp.length - 1]));
}
const tk = [];
for (const l of a.leases!.split(',').map(Number)) {
  tk.push(await takeover(l));
  console.log(JSON.stringify(tk[tk.length - 1]));
}
console.log(`\nCluster bench (${cpus().length} cores; one run = 10 list + 50 detail pages, ${a.latency} ms site latency; each worker --concurrency 2)`);
console.log('| worker processes | runs | seconds | runs/min | pages/s |\n|---|---|---|---|---|');
for (const r of tp) console.log(`| ${r.workers} | ${r.completed}/${r.runs} | ${r.seconds} | ${r.runsPerMin} | ${r.pagesPerSec} |`);
console.log('\n| lease (s) | claimed by another worker after (s) | committing again after (s) |\n|---|---|---|');
for (const r of tk) console.log(`| ${r.leaseSeconds} | ${r.claimedAfterSec} | ${r.committingAgainAfterSec} |`);
mkdirSync('.tmp', { recursive: true });
writeFileSync('.tmp/bench-cluster-latest.json', JSON.stringify({ cores: cpus().length, throughput: tp, takeover: tk }, null, 2));
