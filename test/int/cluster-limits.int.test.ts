/**
 * Limits that hold cluster-wide (issue 8): GLEANER_MAX_RUNS_TOTAL in claimNext (both dialects), and the
 * PostgreSQL host limiter: two limiters (two worker processes) on one database keep one per-host spacing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, requireDialect } from '../helpers/db.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { createAgent, startAsync } from '../helpers/run-helpers.ts';
import { catalogDefinition } from '../helpers/sites/catalog-site.ts';
import { createHostLimiter } from '../../src/engine/http/host-limiter.ts';
import { createPgHostLimiter } from '../../src/storage/repos/host-slots-repo.ts';

for (const dialect of dialects()) {
  describe(`cluster limits [${dialect}]`, () => {
    test('maxTotal caps runs executing at once across agents; parallel parents do not count', async (t) => {
      if (!(await requireDialect(dialect, t))) return;
      const s = await startTestServer(dialect, `limits-total-${dialect}`, {}, { workers: false });
      try {
        const p = s.platform;
        const a = await createAgent(s, 'A', catalogDefinition('http://127.0.0.1:9'));
        const b = await createAgent(s, 'B', catalogDefinition('http://127.0.0.1:9'));
        for (const ag of [a, b, a, b]) await startAsync(s, ag.id, { isExclusive: false });
        const parent = await startAsync(s, a.id, { isExclusive: false, parallelism: 2, parallelMaxConcurrency: 2, inputParameters: null });
        assert.equal(parent.status, 1);
        const now = new Date().toISOString();
        const until = new Date(Date.now() + 60_000).toISOString();
        const claimed = [];
        for (let i = 0; i < 6; i++) {
          const r = await p.runsRepo.claimNext(`w${i}`, now, until, { maxTotal: 3 });
          if (r) claimed.push(r.id);
        }
        assert.equal(claimed.length, 3, 'the Running parent is not counted, three claims fit');
        assert.equal(await p.runsRepo.claimNext('w9', now, until, { maxTotal: 3 }), undefined);
        const attempts = await p.runsRepo.attempts(claimed[0]!);
        assert.deepEqual(attempts.map((x) => [x.attempt, x.owner]), [[1, 'w0']], 'the claim is logged');
        // The recovery sweep leaves the lease-less parent alone.
        const rec = await p.runsRepo.recoverExpired(new Date(Date.now() + 120_000).toISOString(), 3);
        assert.ok(!rec.requeued.includes(parent.id) && !rec.failed.includes(parent.id));
        assert.equal((await p.runsRepo.get(parent.id))!.status, 1);
      } finally {
        await s.close();
      }
    });

    test('host spacing shared by two worker processes (PostgreSQL host_slots)', async (t) => {
      if (dialect !== 'postgres') return t.skip('the in-process limiter covers SQLite (one process)');
      if (!(await requireDialect(dialect, t))) return;
      const s = await startTestServer(dialect, `limits-host-${dialect}`, {}, { workers: false });
      try {
        const k = s.platform.db.kysely;
        const w1 = createPgHostLimiter(k, createHostLimiter());
        const w2 = createPgHostLimiter(k, createHostLimiter());
        const starts: number[] = [];
        await Promise.all(
          Array.from({ length: 8 }, async (_, i) => {
            const release = await (i % 2 ? w1 : w2).acquire('Example.COM:80', { minDelayMs: 80, maxConcurrent: 4 });
            starts.push(performance.now());
            release();
          }),
        );
        starts.sort((x, y) => x - y);
        const gaps = starts.slice(1).map((v, i) => v - starts[i]!);
        // Each start waits for its reserved slot, so 8 starts span at least 7 slots; single gaps jitter
        // with timer lateness on a loaded machine, the span cannot shrink below the reservations.
        assert.ok(starts[starts.length - 1]! - starts[0]! >= 7 * 80 * 0.85, `8 starts must span ~560 ms, got gaps ${gaps.map((g) => g.toFixed(0)).join(', ')}`);
        assert.ok(gaps.filter((g) => g < 40).length <= 1, `at most one jittered gap, got ${gaps.map((g) => g.toFixed(0)).join(', ')}`);
        assert.ok(starts[7]! - starts[0]! < 80 * 7 + 400, 'and not much more');
        // Without a delay the database is not involved.
        const r = await w1.acquire('other.example', { minDelayMs: 0, maxConcurrent: 1 });
        r();
      } finally {
        await s.close();
      }
    });
  });
}
