import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DbRateLimiter, MemoryRateLimiter } from '../../../src/services/rate-limiter.ts';
import type { RateLimitRepo } from '../../../src/storage/repos/rate-limit-repo.ts';

/** The repo's contract without a database: counts per (key, window start), records sweeps; `fail` breaks it. */
function fakeRepo() {
  const counts = new Map<string, number>();
  const state = { fail: null as null | 'throw' | 'hang', sweeps: [] as number[] };
  const repo = {
    async hit(key: string, windowStart: number) {
      if (state.fail === 'throw') throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      if (state.fail === 'hang') return new Promise<number>(() => {});
      const k = `${key}@${windowStart}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
      return counts.get(k)!;
    },
    async sweep(before: number) {
      state.sweeps.push(before);
    },
  };
  return { repo: repo as unknown as RateLimitRepo, counts, state };
}

test('memory: a window opens at the first request; Retry-After counts down to its end', async () => {
  const l = new MemoryRateLimiter(2, 60_000);
  const t = 1_000_030_000;
  assert.deepEqual(await l.hit('k', t), { allowed: true, remaining: 1, retryAfterSeconds: 60 });
  assert.deepEqual(await l.hit('k', t + 1000), { allowed: true, remaining: 0, retryAfterSeconds: 59 });
  assert.deepEqual(await l.hit('k', t + 30_500), { allowed: false, remaining: 0, retryAfterSeconds: 30 });
  assert.equal((await l.hit('other', t + 30_500)).allowed, true);
  assert.deepEqual(await l.hit('k', t + 60_000), { allowed: true, remaining: 1, retryAfterSeconds: 60 });
});

test('database: windows are aligned to the window length, so every server picks the same row', async () => {
  const { repo, counts } = fakeRepo();
  const l = new DbRateLimiter(2, 60_000, repo, () => assert.fail('no error expected'));
  const t = 1_000_030_000; // 30 s into a window that starts at 1_000_020_000
  assert.deepEqual(await l.hit('k', t), { allowed: true, remaining: 1, retryAfterSeconds: 50 });
  assert.deepEqual(await l.hit('k', t + 1), { allowed: true, remaining: 0, retryAfterSeconds: 50 });
  assert.deepEqual(await l.hit('k', t + 2), { allowed: false, remaining: 0, retryAfterSeconds: 50 });
  assert.deepEqual(await l.hit('k', t + 3000), { allowed: false, remaining: 0, retryAfterSeconds: 47 });
  assert.equal(counts.get('k@1000020000'), 3, 'once over the limit, no more writes in that window');
  assert.deepEqual(await l.hit('k', t + 50_000), { allowed: true, remaining: 1, retryAfterSeconds: 60 }, 'the next aligned window');
  assert.deepEqual([...counts.keys()], ['k@1000020000', 'k@1000080000']);
});

test('database: old windows are swept at most once per window, keeping the previous one', async () => {
  const { repo, state } = fakeRepo();
  const l = new DbRateLimiter(100, 60_000, repo, () => {});
  const t = 1_000_020_000;
  for (let i = 0; i < 10; i++) await l.hit('k', t + i * 1000);
  assert.deepEqual(state.sweeps, [t - 60_000]);
  await l.hit('k', t + 60_000);
  assert.deepEqual(state.sweeps, [t - 60_000, t]);
});

test('database unreachable or hanging: requests pass, one log line per outage', async () => {
  const { repo, state } = fakeRepo();
  const logged: string[] = [];
  const l = new DbRateLimiter(1, 60_000, repo, (e) => logged.push((e as Error).message), 50);
  const t = 1_000_020_000;
  state.fail = 'throw';
  for (let i = 0; i < 3; i++) assert.equal((await l.hit('k', t + i)).allowed, true);
  assert.equal(logged.length, 1);
  assert.match(logged[0]!, /rate limit counters unavailable.*ECONNREFUSED/);
  state.fail = null;
  assert.equal((await l.hit('k', t + 10)).allowed, true);
  assert.equal((await l.hit('k', t + 11)).allowed, false, 'limits again once the database answers');
  state.fail = 'hang';
  const t0 = performance.now();
  assert.equal((await l.hit('k2', t + 12)).allowed, true);
  assert.ok(performance.now() - t0 < 1000, 'gives up after the timeout');
  assert.equal(logged.length, 2, 'a new outage is logged again');
  assert.match(logged[1]!, /no answer within 50 ms/);
});
