/**
 * Parallel runs (api-spec §3.5; issue 8): parallelism N splits the filled start URLs (or one list-valued input
 * parameter) round-robin into child runs (parent_run_id, parallelSet = parent id, sequence 1..N); at most
 * parallelMaxConcurrency children execute at once; the parent is Running until they all end, then takes the
 * combined status and counters; Combined merges records, Separated lists each child's files; stop reaches children.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, requireDialect } from '../helpers/db.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { createAgent, json, records, startAsync, waitTerminal } from '../helpers/run-helpers.ts';
import { catalogListDefinition, startCatalogSite } from '../helpers/sites/catalog-site.ts';
import { RUNNING_STATUSES } from '../../src/storage/repos/runs-repo.ts';

for (const dialect of dialects()) {
  describe(`parallel runs [${dialect}]`, () => {
    test('a list-valued parameter is split into children; concurrency cap holds; Combined output merges', async (t) => {
      if (!(await requireDialect(dialect, t))) return;
      const site = await startCatalogSite({ items: 50, perPage: 5, delayMs: 20 });
      const s = await startTestServer(dialect, `parallel-${dialect}`);
      try {
        const def = { ...catalogListDefinition(site.origin), startUrls: [`${site.origin}/p/{{page}}`], inputParameters: { page: '1' } };
        delete (def as { pagination?: unknown }).pagination;
        const a = await createAgent(s, 'Parallel', def);
        const pages = Array.from({ length: 10 }, (_, i) => i + 1);
        const run = await startAsync(s, a.id, { inputParameters: JSON.stringify({ page: pages }), parallelism: 3, parallelMaxConcurrency: 2 });
        assert.equal(run.parallelSet, run.id);
        assert.equal(run.status, 1, 'the parent is Running while children run');
        const kids = await s.platform.runsRepo.children(run.id);
        assert.deepEqual(kids.map((k) => k.sequence), [1, 2, 3]);
        assert.deepEqual(kids.map((k) => JSON.parse(k.spec).startUrls.length), [4, 3, 3], 'round-robin split of 10 URLs');
        assert.ok(kids.every((k) => k.parallel_set === run.id && k.parent_run_id === run.id));
        let maxRunning = 0;
        const sampler = setInterval(() => {
          void s.platform.runsRepo.children(run.id).then((ks) => (maxRunning = Math.max(maxRunning, ks.filter((k) => (RUNNING_STATUSES as readonly number[]).includes(k.status)).length)));
        }, 10);
        const st = await waitTerminal(s, a.id, run.id, 30_000);
        clearInterval(sampler);
        assert.equal(st.status, 9, st.message);
        assert.equal(st.dataCount, 50);
        assert.ok(maxRunning <= 2, `parallelMaxConcurrency 2, saw ${maxRunning}`);
        const recs = await records(s, a.id, run.id);
        assert.equal(recs.length, 50, 'Combined: the parent serves every child record');
        const files = await json(s.api(`/api/v1/agent/${a.id}/run/${run.id}/files`), 200);
        const csv = files.find((f: { name: string }) => f.name.endsWith('.csv'));
        const body = await (await s.api(`/api/v1/agent/${a.id}/run/${run.id}/file/${csv.id}/download`)).text();
        assert.equal(body.trim().split('\n').length, 51, 'header + 50 rows');
        const list = await json(s.api(`/api/v1/agent/${a.id}/runs`), 200);
        assert.deepEqual(list.map((r: { id: number }) => r.id), [run.id], 'children are not listed as runs of their own');
      } finally {
        await s.close();
        await site.close();
      }
    });

    test('several start URLs, Separated export: each child its own files, listed on the parent; stop reaches children', async (t) => {
      if (!(await requireDialect(dialect, t))) return;
      const site = await startCatalogSite({ items: 50, perPage: 5, delayMs: 20 });
      const s = await startTestServer(dialect, `parallel-sep-${dialect}`);
      try {
        const def = { ...catalogListDefinition(site.origin), startUrls: [1, 2, 3, 4].map((p) => `${site.origin}/p/${p}`) };
        delete (def as { pagination?: unknown }).pagination;
        const a = await createAgent(s, 'Separated', def);
        const run = await startAsync(s, a.id, { parallelism: 2, parallelMaxConcurrency: 2, parallelExport: 'Separated' });
        const st = await waitTerminal(s, a.id, run.id, 30_000);
        assert.equal(st.status, 9, st.message);
        assert.equal(st.dataCount, 20);
        const kids = await s.platform.runsRepo.children(run.id);
        const files = await json(s.api(`/api/v1/agent/${a.id}/run/${run.id}/files`), 200);
        const csvs = files.filter((f: { name: string }) => f.name.endsWith('.csv'));
        assert.deepEqual(csvs.map((f: { name: string }) => f.name).sort(), kids.map((k) => `run-${k.id}-records.csv`).sort());
        const body = await (await s.api(`/api/v1/agent/${a.id}/run/${run.id}/file/${csvs[0].id}/download`)).text();
        assert.equal(body.trim().split('\n').length, 11, 'one child: header + 10 rows');

        // Stop of the parent: queued children end at once, running ones stop, the parent ends Stopped.
        const slow = await startCatalogSite({ items: 200, perPage: 5, delayMs: 300 });
        const def2 = { ...catalogListDefinition(slow.origin), startUrls: [`${slow.origin}/list`, `${slow.origin}/list?page=20`, `${slow.origin}/list?page=30`] };
        const b = await createAgent(s, 'Slow', def2);
        const r2 = await startAsync(s, b.id, { parallelism: 3, parallelMaxConcurrency: 1 });
        await new Promise((r) => setTimeout(r, 800));
        await json(s.api(`/api/v1/agent/${b.id}/run/${r2.id}/stop`, { method: 'POST' }), 204);
        const st2 = await waitTerminal(s, b.id, r2.id, 15_000);
        assert.equal(st2.status, 8);
        const kids2 = await s.platform.runsRepo.children(r2.id);
        assert.ok(kids2.every((k) => k.status === 8), JSON.stringify(kids2.map((k) => [k.id, k.status])));
        await slow.close();
      } finally {
        await s.close();
        await site.close();
      }
    });
  });
}
