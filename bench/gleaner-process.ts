/**
 * Gleaner under measurement, in its own process: a real server (API + workers) over SQLite or a fresh
 * PostgreSQL schema, driven through its HTTP API exactly as a user would. Crawls the site `runs` times
 * back to back (RSS after each tells whether memory grows with pages crawled), then times one-page sync runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/config/config.ts';
import { serve } from '../src/server.ts';
import { isTerminal } from '../src/domain/run-status.ts';
import { crawlSpec, mb, onePageSpec, percentile, withRssSampling } from './spec.ts';

export const PG_BENCH_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';
const KEY = 'sk-bench-admin-key-0123456789abcdef';

export interface GleanerCrawl {
  pages: number;
  records: number;
  ms: number;
  status: number;
  peakRssMb: number;
  endRssMb: number;
  heapMb: number;
  cpuMs: number;
}

async function main(): Promise<void> {
  const [dialect = 'sqlite', siteUrl = '', concurrency = '8', runs = '3', iterations = '50'] = process.argv.slice(2);
  const dir = mkdtempSync(join(tmpdir(), 'gleaner-bench-'));
  const schema = dialect === 'postgres' ? `bench_${randomBytes(4).toString('hex')}` : undefined;
  const databaseUrl = dialect === 'postgres' ? PG_BENCH_URL : join(dir, 'bench.db');
  const config = loadConfig(
    { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, GLEANER_API_KEY: KEY, GLEANER_ALLOW_HOSTS: '127.0.0.1', LOG_LEVEL: 'silent', GLEANER_RATE_LIMIT: '1000000' },
    { databaseUrl },
  );
  const server = await serve(config, { quiet: true, schema });
  const api = async (path: string, json?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method: json === undefined ? 'GET' : 'POST',
      headers: { authorization: `ApiKey ${KEY}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  try {
    const crawlAgent = await api('/agent', { name: 'bench-crawl', definition: crawlSpec(siteUrl, Number(concurrency)) });
    const syncAgent = await api('/agent', { name: 'bench-sync', definition: onePageSpec(siteUrl) });
    if (crawlAgent.status !== 201 || syncAgent.status !== 201) throw new Error(`agent create failed: ${JSON.stringify([crawlAgent.body, syncAgent.body])}`);

    const crawls: GleanerCrawl[] = [];
    for (let i = 0; i < Number(runs); i++) {
      const r = await withRssSampling(async () => {
        const t = performance.now();
        const started = await api(`/agent/${crawlAgent.body.id}/start`, {});
        if (started.status !== 202) throw new Error(`start failed: ${JSON.stringify(started.body)}`);
        let st = started.body;
        while (!isTerminal(st.status)) st = (await api(`/agent/${crawlAgent.body.id}/run/${st.runId}/status?waitForFinish=60`)).body;
        return { pages: st.pageCount as number, records: st.dataCount as number, ms: performance.now() - t, status: st.status as number };
      });
      // Live heap after a full GC (when run with --expose-gc) tells a leak from garbage not yet collected.
      (globalThis as { gc?: () => void }).gc?.();
      crawls.push({ ...r.value, peakRssMb: r.peakRssMb, endRssMb: r.endRssMb, cpuMs: r.cpuMs, heapMb: mb(process.memoryUsage().heapUsed) });
    }

    // One-page sync runs: a short warm-up, then the timed iterations.
    const times: number[] = [];
    let syncRecords = 0;
    for (let i = 0; i < Number(iterations) + 5; i++) {
      const t = performance.now();
      const r = await api(`/agent/${syncAgent.body.id}/start`, { isRunSynchronously: true });
      const ms = performance.now() - t;
      if (r.status !== 200) throw new Error(`sync run failed: ${r.status} ${JSON.stringify(r.body)}`);
      syncRecords = (r.body['bench-sync'] as unknown[]).length;
      if (i >= 5) times.push(ms);
    }
    process.send?.({ crawls, sync: { p50: percentile(times, 50), p95: percentile(times, 95), records: syncRecords } });
  } finally {
    await server.close();
    if (schema) {
      const c = new pg.Client({ connectionString: PG_BENCH_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => c.end());
    }
    rmSync(dir, { recursive: true, force: true });
    process.disconnect?.();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
