/**
 * The per-API-key rate limit (GLEANER_RATE_LIMIT per GLEANER_RATE_WINDOW_SECONDS). One server on either
 * dialect; on PostgreSQL also two API servers on one database, which must together allow the limit once.
 * The servers share a FakeClock, so "the window passes" is a clock jump, not a wait.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, freshDatabase, requireDialect } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { adminOf } from '../helpers/admin-fixtures.ts';
import { FakeClock } from '../../src/domain/clock.ts';
import { sql } from '../../src/storage/db.ts';

const LIMIT = { rateLimit: { max: 5, windowSeconds: 60 } };

// 10 s into a minute: the whole test stays inside one aligned 60 s window until the clock is advanced.
const clockAtWindowStart = () => new FakeClock(new Date(Math.floor(Date.now() / 60_000) * 60_000 + 10_000));

async function secondKey(s: TestServer): Promise<string> {
  const admin = await adminOf(s.platform);
  return (await s.platform.users.issueKey(admin, admin.userId, { description: 'rate-limit test' })).key;
}

function assertLimitHeaders(res: Response): void {
  assert.equal(res.headers.get('x-ratelimit-limit'), '5');
  assert.equal(res.headers.get('x-ratelimit-window-seconds'), '60');
}

async function assertLimited(res: Response): Promise<void> {
  assert.equal(res.status, 429);
  assertLimitHeaders(res);
  assert.equal(res.headers.get('x-ratelimit-remaining'), '0');
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${res.headers.get('retry-after')}`);
  const body = await res.json();
  assert.equal(body.status, 429);
  assert.match(body.detail, /Rate limit of 5 requests per 60 s/);
}

for (const dialect of dialects()) {
  describe(`API rate limit [${dialect}]`, () => {
    test('one server: the 6th request of a key is 429, another key is unaffected, the next window passes', async (t) => {
      if (!(await requireDialect(dialect, t))) return;
      const clock = clockAtWindowStart();
      const s = await startTestServer(dialect, `rate-one-${dialect}`, LIMIT, { workers: false, clock });
      try {
        const other = await secondKey(s);
        for (let i = 1; i <= 5; i++) {
          const res = await s.api('/api/v1/agent/all');
          assert.equal(res.status, 200, `request ${i}`);
          assertLimitHeaders(res);
          assert.equal(res.headers.get('x-ratelimit-remaining'), String(5 - i));
          await res.arrayBuffer();
        }
        await assertLimited(await s.api('/api/v1/agent/all'));
        assert.equal((await s.api('/api/v1/agent/all', { key: other })).status, 200, 'a different key has its own count');
        // Every response carries the headers, an unauthenticated 401 too.
        const anon = await s.api('/api/v1/agent/all', { key: null });
        assert.equal(anon.status, 401);
        assertLimitHeaders(anon);
        clock.advance(60_000);
        const again = await s.api('/api/v1/agent/all');
        assert.equal(again.status, 200, 'a new window');
        assert.equal(again.headers.get('x-ratelimit-remaining'), '4');
      } finally {
        await s.close();
      }
    });

    test('bad keys from one address: 401 up to the failure limit, then 429; a valid key from it still works', async (t) => {
      if (!(await requireDialect(dialect, t))) return;
      const clock = clockAtWindowStart();
      const s = await startTestServer(dialect, `rate-authfail-${dialect}`, { rateLimit: { max: 1000, windowSeconds: 60, authFailures: 3 } }, { workers: false, clock });
      try {
        const wrong = 'sk-wrong-key-000000000000000000';
        for (let i = 1; i <= 3; i++) assert.equal((await s.api('/api/v1/agent/all', { key: wrong })).status, 401, `bad key ${i}`);
        const limited = await s.api('/api/v1/agent/all', { key: wrong });
        assert.equal(limited.status, 429);
        const retryAfter = Number(limited.headers.get('retry-after'));
        assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
        assert.match((await limited.json()).detail, /missing or wrong API key from this address/);
        assert.equal((await s.api('/api/v1/agent/all', { key: null })).status, 429, 'no key counts as a failure too');
        // The throttle is on failures only: the valid key behind the same address goes on.
        const ok = await s.api('/api/v1/agent/all');
        assert.equal(ok.status, 200);
        await ok.arrayBuffer();
        clock.advance(60_000);
        assert.equal((await s.api('/api/v1/agent/all', { key: wrong })).status, 401, 'a new window');
      } finally {
        await s.close();
      }
    });

    test('two API servers on one database share the limit of a key', async (t) => {
      if (dialect !== 'postgres') return t.skip('the embedded SQLite deployment is one process');
      if (!(await requireDialect(dialect, t))) return;
      const clock = clockAtWindowStart();
      const database = freshDatabase(dialect, `rate-two-${dialect}`);
      const a = await startTestServer(dialect, `rate-two-${dialect}`, LIMIT, { workers: false, clock, database });
      let b: TestServer | undefined;
      try {
        b = await startTestServer(dialect, `rate-two-b-${dialect}`, LIMIT, { workers: false, clock, database });
        const other = await secondKey(a);
        const servers = [a, b];
        for (let i = 0; i < 5; i++) {
          const res = await servers[i % 2]!.api('/api/v1/agent/all');
          assert.equal(res.status, 200, `request ${i + 1} (server ${'ab'[i % 2]})`);
          assert.equal(res.headers.get('x-ratelimit-remaining'), String(4 - i), 'one count across both servers');
          await res.arrayBuffer();
        }
        await assertLimited(await b.api('/api/v1/agent/all'));
        await assertLimited(await a.api('/api/v1/agent/all'));
        for (const s of servers) assert.equal((await s.api('/api/v1/agent/all', { key: other })).status, 200, 'a different key is unaffected');
        clock.advance(60_000);
        for (const s of servers) assert.equal((await s.api('/api/v1/agent/all')).status, 200, 'the next window passes');
      } finally {
        await b?.close();
        await a.close();
      }
    });

    test('counters unavailable: requests pass instead of failing', async (t) => {
      if (dialect !== 'postgres') return t.skip('SQLite counts in memory');
      if (!(await requireDialect(dialect, t))) return;
      const s = await startTestServer(dialect, `rate-open-${dialect}`, LIMIT, { workers: false, clock: clockAtWindowStart() });
      try {
        // The rest of the database still answers (authentication works); only the limiter's statement fails.
        await sql`drop table rate_windows`.execute(s.platform.db.kysely);
        for (let i = 0; i < 7; i++) assert.equal((await s.api('/api/v1/agent/all')).status, 200, `request ${i + 1}`);
      } finally {
        await s.close();
      }
    });
  });
}
