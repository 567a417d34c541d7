/**
 * Schedules, users, API keys, spaces and analytics through the HTTP API on SQLite and PostgreSQL, with a fake
 * clock: a CRON schedule every minute fires twice as the clock advances and not after it is disabled; PascalCase
 * bodies bind; client mistakes are 400/404/409 with a readable message, never 500.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, requireDialect } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { MIN_DEFINITION } from '../helpers/admin-fixtures.ts';
import { FakeClock } from '../../src/domain/clock.ts';

for (const dialect of dialects()) {
  describe(`admin API [${dialect}]`, () => {
    let s: TestServer;
    let skip = false;
    const clock = new FakeClock(new Date('2026-03-01T10:00:30Z'));
    before(async (t) => {
      if (!(await requireDialect(dialect, t as never))) return void (skip = true);
      s = await startTestServer(dialect, `admin-api-${dialect}`, {}, { workers: false, clock });
    });
    after(async () => s?.close());
    const j = async (res: Response) => ({ status: res.status, body: res.status === 204 ? null : await res.json() });

    test('CRON every minute: two runs as the clock advances, none after disable', async (t) => {
      if (skip) return t.skip();
      const agent = (await j(await s.api('/api/v1/agent', { method: 'POST', json: { name: 'cron', definition: MIN_DEFINITION } }))).body;
      const created = await j(await s.api(`/api/v1/agent/${agent.id}/schedules`, { method: 'POST', json: { Name: 'every minute', CronExpression: '* * * * *', Timezone: 'Europe/Berlin', IsExclusive: false, Parallelism: 1 } }));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const sch = created.body;
      assert.equal(sch.scheduleType, 3);
      assert.equal(sch.schedule, '* * * * *');
      assert.equal(sch.nextRunTime, '2026-03-01T10:01:00.000Z');
      assert.equal(typeof sch.localSchedule, 'string');
      assert.ok(sch.localSchedule.length > 3);
      const expectNext = ['2026-03-01T10:02:00.000Z', '2026-03-01T10:03:00.000Z'];
      for (let i = 0; i < 2; i++) {
        clock.advance(60_000);
        await s.platform.ticker.tick();
        const runs = (await j(await s.api(`/api/v1/agent/${agent.id}/runs`))).body as Array<{ startedBy: string }>;
        assert.equal(runs.length, i + 1);
        assert.equal(runs[0]!.startedBy, 'Schedule: every minute');
        assert.equal((await j(await s.api(`/api/v1/agent/${agent.id}/schedules/${sch.id}`))).body.nextRunTime, expectNext[i]);
      }
      assert.equal((await s.api(`/api/v1/agent/${agent.id}/schedules/${sch.id}/disable`, { method: 'POST' })).status, 204);
      clock.advance(5 * 60_000);
      await s.platform.ticker.tick();
      assert.equal(((await j(await s.api(`/api/v1/agent/${agent.id}/runs`))).body as unknown[]).length, 2);
      const got = (await j(await s.api(`/api/v1/agent/${agent.id}/schedules/${sch.id}`))).body;
      assert.equal(got.isEnabled, false);
      assert.equal(got.nextRunTime, null);
    });

    test('schedule validation: readable 400s, never 500; update infers the type; upcoming lists it', async (t) => {
      if (skip) return t.skip();
      const agent = (await j(await s.api('/api/v1/agent', { method: 'POST', json: { name: 'valid', definition: MIN_DEFINITION } }))).body;
      const cases: Array<[unknown, RegExp]> = [
        [{ name: 'x', cronExpression: '61 * * * *' }, /minute/i],
        [{ name: 'x', cronExpression: '* * *' }, /5 fields|field/i],
        [{ name: 'x', scheduleType: 1, startTime: '2020-01-01T00:00:00Z' }, /startTime: must be at least 1 minute in the future/],
        [{ name: 'x', cronExpression: '* * * * *', timezone: 'Mars/Olympus' }, /timezone/],
        [{ name: 'x', cronExpression: '* * * * *', runEveryCount: 5 }, /scheduleType: required when both/],
        [{ name: 'x', scheduleType: 2, runEveryCount: 5, runEveryPeriod: 9 }, /runEveryPeriod/],
        [{ cronExpression: '* * * * *' }, /name: is required/],
        [{ name: 'x', scheduleType: 'Weekly' }, /scheduleType/],
        [{ name: 'x', cronExpression: '* * * * *', inputParameters: 'not json' }, /inputParameters/],
      ];
      for (const [body, re] of cases) {
        const r = await j(await s.api(`/api/v1/agent/${agent.id}/schedules`, { method: 'POST', json: body }));
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match(r.body.message, re, JSON.stringify(body));
      }
      const every = await j(await s.api(`/api/v1/agent/${agent.id}/schedules`, { method: 'POST', json: { name: 'every', scheduleType: 'RunEvery', runEveryCount: 2, runEveryPeriod: 'Hours' } }));
      assert.equal(every.status, 201, JSON.stringify(every.body));
      assert.equal(every.body.runEveryPeriod, 2);
      const upd = await j(await s.api(`/api/v1/agent/${agent.id}/schedules/${every.body.id}`, { method: 'PUT', json: { cronExpression: '0 9 * * 1' } }));
      assert.equal(upd.status, 200, JSON.stringify(upd.body));
      assert.equal(upd.body.scheduleType, 3);
      assert.equal(upd.body.runEveryCount, null);
      const upcoming = (await j(await s.api('/api/v1/analytics/schedules/upcoming'))).body as Array<{ scheduleId: number }>;
      assert.ok(upcoming.some((u) => u.scheduleId === every.body.id));
      assert.equal((await s.api(`/api/v1/agent/${agent.id}/schedules/999999`)).status, 404);
      assert.equal((await s.api(`/api/v1/agent/${agent.id}/schedules/${every.body.id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await s.api('/api/v1/analytics/schedules/upcoming?startDate=garbage')).status, 400);
    });

    test('users, roles and API keys: issue once, list prefix only, revoke → 401 on the next request', async (t) => {
      if (skip) return t.skip();
      const u = await j(await s.api('/api/v1/users', { method: 'POST', json: { Email: 'Bob@Example.com', Name: 'Bob', Role: 'User', Password: 'long enough pw' } }));
      assert.equal(u.status, 201, JSON.stringify(u.body));
      assert.equal(u.body.email, 'bob@example.com');
      assert.equal(u.body.hasPassword, true);
      assert.equal((await s.api('/api/v1/users', { method: 'POST', json: { email: 'bob@example.com' } })).status, 409);
      assert.equal((await s.api(`/api/v1/users/${u.body.id}/password`, { method: 'POST', json: { password: 'short' } })).status, 400);
      const k = await j(await s.api(`/api/v1/users/${u.body.id}/api-keys`, { method: 'POST', json: { description: 'ci' } }));
      assert.equal(k.status, 201);
      assert.match(k.body.key, /^sk-/);
      const days = (Date.parse(k.body.expiresAt) - clock.now().getTime()) / 86_400_000;
      assert.ok(Math.abs(days - 365) < 0.01, 'default expiry is one year');
      const list = (await j(await s.api(`/api/v1/users/${u.body.id}/api-keys`))).body;
      assert.equal(list.length, 1);
      assert.ok(!JSON.stringify(list).includes(k.body.key), 'the secret is never listed');
      assert.ok(k.body.key.startsWith(list[0].prefix));
      assert.equal((await s.api('/api/v1/me', { key: k.body.key })).status, 200);
      assert.equal((await s.api('/api/v1/users', { key: k.body.key })).status, 403, 'a User is not an administrator');
      assert.ok((await j(await s.api('/api/v1/api-keys'))).body.some((x: { id: number; lastUsedAt: string | null }) => x.id === k.body.id && x.lastUsedAt));
      assert.equal((await s.api(`/api/v1/api-keys/${k.body.id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await s.api('/api/v1/me', { key: k.body.key })).status, 401);
      // Disabling a user stops their keys; the last administrator cannot be demoted or deleted.
      const k2 = (await j(await s.api(`/api/v1/users/${u.body.id}/api-keys`, { method: 'POST', json: {} }))).body;
      assert.equal((await s.api(`/api/v1/users/${u.body.id}`, { method: 'PUT', json: { isDisabled: true } })).status, 200);
      assert.equal((await s.api('/api/v1/me', { key: k2.key })).status, 401);
      const adminId = s.platform.bootstrap!.adminUserId;
      assert.equal((await s.api(`/api/v1/users/${adminId}`, { method: 'PUT', json: { role: 'User' } })).status, 409);
      assert.equal((await s.api(`/api/v1/users/${adminId}`, { method: 'DELETE' })).status, 409);
      assert.equal((await s.api(`/api/v1/users/${u.body.id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await s.api(`/api/v1/users/${u.body.id}`)).status, 404);
    });

    test('spaces: create, rename, search, members, run-all with per-agent results, delete rules', async (t) => {
      if (skip) return t.skip();
      const sp = await j(await s.api('/api/v1/spaces', { method: 'POST', json: { name: 'Staging' } }));
      assert.equal(sp.status, 201);
      assert.equal(sp.body.isDefaultAccess, false);
      assert.equal((await s.api('/api/v1/spaces', { method: 'POST', json: { name: 'staging' } })).status, 409);
      assert.equal((await j(await s.api(`/api/v1/spaces/${sp.body.id}`, { method: 'PUT', json: { name: 'Stage' } }))).body.name, 'Stage');
      assert.equal((await j(await s.api('/api/v1/spaces/search?name=STAGE'))).body.id, sp.body.id);
      assert.equal((await s.api('/api/v1/spaces/search?name=nope')).status, 404);
      const u = (await j(await s.api('/api/v1/users', { method: 'POST', json: { email: 'carol@example.com', spaceIds: [] } }))).body;
      assert.equal((await s.api(`/api/v1/spaces/${sp.body.id}/members`, { method: 'POST', json: { UserId: u.id } })).status, 204);
      assert.ok((await j(await s.api(`/api/v1/spaces/${sp.body.id}/members`))).body.some((m: { id: number }) => m.id === u.id));
      const ok = (await j(await s.api('/api/v1/agent', { method: 'POST', json: { name: 'a-ok', definition: MIN_DEFINITION, spaceId: sp.body.id } }))).body;
      const busy = (await j(await s.api('/api/v1/agent', { method: 'POST', json: { name: 'b-busy', definition: MIN_DEFINITION, spaceId: sp.body.id } }))).body;
      assert.equal((await s.api(`/api/v1/agent/${busy.id}/start`, { method: 'POST', json: {} })).status, 202);
      const all = await j(await s.api(`/api/v1/spaces/${sp.body.id}/run-all`, { method: 'POST', json: {} }));
      assert.equal(all.status, 200);
      assert.equal(all.body.totalAgents, 2);
      assert.equal(all.body.agentsStarted, 1);
      assert.equal(all.body.agentsFailed, 1);
      assert.match(all.body.results.find((r: { agentId: number }) => r.agentId === busy.id).errorMessage, /active run/);
      assert.ok(all.body.results.find((r: { agentId: number }) => r.agentId === ok.id).runId);
      assert.equal((await s.api(`/api/v1/spaces/${sp.body.id}`, { method: 'DELETE' })).status, 409, 'holds agents');
      assert.equal((await s.api(`/api/v1/spaces/${s.platform.bootstrap!.defaultSpaceId}`, { method: 'DELETE' })).status, 409, 'default space');
      const empty = (await j(await s.api('/api/v1/spaces', { method: 'POST', json: { name: 'Empty' } }))).body;
      assert.equal((await s.api(`/api/v1/spaces/${empty.id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await s.api(`/api/v1/spaces/${sp.body.id}/members/${u.id}`, { method: 'DELETE' })).status, 204);
    });

    test('analytics: summaries and diagnostics from the run\'s real errors; latest-failure 404 when none', async (t) => {
      if (skip) return t.skip();
      const p = s.platform;
      const agent = (await j(await s.api('/api/v1/agent', { method: 'POST', json: { name: 'diag', definition: MIN_DEFINITION } }))).body;
      assert.equal((await s.api(`/api/v1/analytics/agents/${agent.id}/latest-failure`)).status, 404);
      const run = (await j(await s.api(`/api/v1/agent/${agent.id}/start`, { method: 'POST', json: {} }))).body;
      const now = clock.now().toISOString();
      await p.frontier.add(run.runId, [{ uniqueKey: 'u1', url: 'http://127.0.0.1:9/a', kind: 'list', depth: 0, pageNumber: 1 } as never], now);
      await p.db.kysely.updateTable('run_requests').set({ state: 'failed', last_error: 'HTTP 429 from http://127.0.0.1:9/a' }).where('run_id', '=', run.runId).execute();
      await p.frontier.log(run.runId, [{ level: 'error', message: 'robots.txt disallows http://127.0.0.1:9/b', ts: now }]);
      await p.runsRepo.transition(run.runId, [4], 6, now, { message: 'Too many failed requests' });
      const d = await j(await s.api(`/api/v1/analytics/agents/${agent.id}/runs/${run.runId}/diagnostics`));
      assert.equal(d.status, 200);
      assert.equal(d.body.status, 6);
      assert.ok(d.body.possibleCauses.some((c: string) => /rate-limited/.test(c)), JSON.stringify(d.body.possibleCauses));
      assert.ok(d.body.possibleCauses.some((c: string) => /robots\.txt/.test(c)));
      assert.ok(d.body.suggestedActions.length >= 2);
      assert.equal((await j(await s.api(`/api/v1/analytics/agents/${agent.id}/latest-failure`))).body.runId, run.runId);
      const sum = (await j(await s.api('/api/v1/analytics/runs/summary'))).body;
      assert.ok(sum.failedRuns >= 1);
      assert.ok(sum.failedRunDetails.some((r: { runId: number; status: string }) => r.runId === run.runId && r.status === 'Failure'));
      assert.equal((await s.api('/api/v1/analytics/runs/summary?status=Bogus')).status, 400);
      const rec = (await j(await s.api(`/api/v1/analytics/records/summary?agentId=${agent.id}`))).body;
      assert.equal(rec.runCount, 1);
      assert.equal((await s.api('/api/v1/analytics/records/summary?agentId=999999')).status, 404);
    });
  });
}
