/**
 * The ticker over real SQLite and PostgreSQL with a fake clock: exact fire slots across DST (New York,
 * Berlin), RunEvery months at month ends, RunOnce exactly once, one catch-up fire after downtime, Skipped runs
 * for archived and busy exclusive agents, schedule options applied to runs, and two Platforms on one
 * PostgreSQL schema racing without a double fire.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, requireDialect } from '../helpers/db.ts';
import { adminOf, makeAgent, openTestPlatform } from '../helpers/admin-fixtures.ts';
import { FakeClock } from '../../src/domain/clock.ts';
import { RunStatus } from '../../src/domain/run-status.ts';
import type { Platform } from '../../src/platform.ts';
import type { Principal } from '../../src/services/access.ts';
import type { ScheduleInput } from '../../src/services/schedule-service.ts';

for (const dialect of dialects()) {
  describe(`scheduler ticker [${dialect}]`, () => {
    let p: Platform;
    let admin: Principal;
    let skip = false;
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    before(async (t) => {
      if (!(await requireDialect(dialect, t as never))) return void (skip = true);
      p = (await openTestPlatform(dialect, `ticker-${dialect}`, clock)).platform;
      admin = await adminOf(p);
    });
    after(async () => p?.close());

    /** Jumps the clock to each stored next_run_at and ticks; returns the fired slots. */
    async function follow(agentId: number, scheduleId: number, n: number): Promise<string[]> {
      const slots: string[] = [];
      for (let i = 0; i < n; i++) {
        const row = (await p.schedulesRepo.get(agentId, scheduleId))!;
        assert.ok(row.next_run_at, `slot ${i}: next_run_at is set`);
        clock.set(row.next_run_at);
        const fired = (await p.ticker.tick()).filter((f) => f.scheduleId === scheduleId);
        assert.equal(fired.length, 1, `exactly one fire at ${row.next_run_at}`);
        assert.equal(fired[0]!.missed, 1);
        slots.push(fired[0]!.slot);
        assert.deepEqual(await p.ticker.tick(), [], 'a second tick at the same instant fires nothing');
      }
      return slots;
    }

    async function schedule(input: ScheduleInput, at: string) {
      clock.set(at);
      const a = await makeAgent(p, admin, `a-${Math.random().toString(36).slice(2, 8)}`);
      const s = await p.schedules.create(admin, a.id, { name: 's', isExclusive: false, ...input });
      return { agent: a, s };
    }

    test('CRON 09:00 America/New_York keeps 09:00 local across spring forward and fall back', async (t) => {
      if (skip) return t.skip();
      const { agent, s } = await schedule({ cronExpression: '0 9 * * *', timezone: 'America/New_York' }, '2026-03-06T15:00:00Z');
      assert.deepEqual(await follow(agent.id, s.id, 3), ['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z']);
      clock.set('2026-10-30T15:00:00Z');
      await p.schedules.update(admin, agent.id, s.id, { cronExpression: '30 1 * * *' });
      // 01:30 happens twice on 2026-11-01: one fire (the first, EDT), then 01:30 EST the next day.
      assert.deepEqual(await follow(agent.id, s.id, 3), ['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    });

    test('CRON 02:30 Europe/Berlin: the missing hour fires at 03:00, the repeated hour once', async (t) => {
      if (skip) return t.skip();
      const { agent, s } = await schedule({ cronExpression: '30 2 * * *', timezone: 'Europe/Berlin' }, '2026-03-28T12:00:00Z');
      assert.deepEqual(await follow(agent.id, s.id, 3), ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
      clock.set('2026-10-24T12:00:00Z');
      // Re-enabling counts from now, like a schedule created in October.
      await p.schedules.setEnabled(admin, agent.id, s.id, false);
      await p.schedules.setEnabled(admin, agent.id, s.id, true);
      assert.deepEqual(await follow(agent.id, s.id, 3), ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
    });

    test('RunEvery 1 month from Jan 31 clamps to month ends and never drifts', async (t) => {
      if (skip) return t.skip();
      const { agent, s } = await schedule({ scheduleType: 2, runEveryCount: 1, runEveryPeriod: 5, startTime: '2026-01-31T10:00:00Z', timezone: 'UTC' }, '2026-01-15T00:00:00Z');
      assert.equal(s.next_run_at, '2026-01-31T10:00:00.000Z');
      assert.deepEqual(await follow(agent.id, s.id, 4), ['2026-01-31T10:00:00.000Z', '2026-02-28T10:00:00.000Z', '2026-03-31T10:00:00.000Z', '2026-04-30T10:00:00.000Z']);
    });

    test('RunOnce fires exactly once', async (t) => {
      if (skip) return t.skip();
      const { agent, s } = await schedule({ scheduleType: 1, startTime: '2026-05-01T08:00:00Z' }, '2026-04-30T00:00:00Z');
      assert.deepEqual(await follow(agent.id, s.id, 1), ['2026-05-01T08:00:00.000Z']);
      assert.equal((await p.schedulesRepo.get(agent.id, s.id))!.next_run_at, null);
      for (const at of ['2026-05-01T08:00:01Z', '2026-05-02T00:00:00Z', '2027-05-01T08:00:00Z']) {
        clock.set(at);
        await p.ticker.tick();
      }
      assert.equal((await p.runsRepo.listForAgent(agent.id, 10)).length, 1);
      assert.equal((await p.schedulesRepo.fires(s.id)).length, 1);
    });

    test('after downtime a missed schedule fires once and says how many slots it missed', async (t) => {
      if (skip) return t.skip();
      const { agent, s } = await schedule({ scheduleType: 2, runEveryCount: 1, runEveryPeriod: 2 }, '2026-06-01T00:00:00Z');
      assert.equal(s.next_run_at, '2026-06-01T01:00:00.000Z');
      clock.set('2026-06-01T03:30:00Z'); // down from 00:00 to 03:30: slots 01:00, 02:00, 03:00 missed
      const fired = await p.ticker.tick();
      assert.equal(fired.length, 1);
      assert.equal(fired[0]!.missed, 3);
      const runs = await p.runsRepo.listForAgent(agent.id, 10);
      assert.equal(runs.length, 1);
      assert.match(runs[0]!.message ?? '', /missed 3 slots while the server was down; fired once/);
      assert.equal(runs[0]!.schedule_id, s.id);
      assert.equal((await p.schedulesRepo.get(agent.id, s.id))!.next_run_at, '2026-06-01T04:00:00.000Z', 'the regular grid continues');
    });

    test('schedule options reach the run (parallelism splits it); archived agent → Skipped; busy exclusive agent → Skipped, not stacked', async (t) => {
      if (skip) return t.skip();
      clock.set('2026-07-01T00:00:00Z');
      const a = await p.agents.create(admin, { name: 'opts', definition: { startUrls: ['http://127.0.0.1:9/{{q}}/a', 'http://127.0.0.1:9/{{q}}/b'], inputParameters: { q: 'x' }, fields: [{ name: 't', selector: 'h1' }] } });
      const s = await p.schedules.create(admin, a.id, { name: 'hourly', cronExpression: '0 * * * *', inputParameters: '{"q":"shoes"}', parallelism: 2, logLevel: 'Warning', isExclusive: true });
      clock.set('2026-07-01T01:00:00Z');
      await p.ticker.tick();
      const [r1] = await p.runsRepo.listForAgent(a.id, 10);
      // parallelism 2 over two start URLs: a Running parent and two queued children, one URL each.
      assert.equal(r1!.status, RunStatus.Running);
      assert.equal(r1!.parallel_set, r1!.id);
      assert.equal(r1!.input_parameters, '{"q":"shoes"}');
      assert.equal(r1!.is_exclusive, 1);
      assert.deepEqual([JSON.parse(r1!.options).parallelism, JSON.parse(r1!.options).logLevel], [2, 'Warning']);
      assert.equal(r1!.started_by, 'Schedule: hourly');
      const kids = await p.runsRepo.children(r1!.id);
      assert.deepEqual(kids.map((k) => [k.status, k.sequence, JSON.parse(k.spec).startUrls, k.schedule_id]), [
        [RunStatus.Queuing, 1, ['http://127.0.0.1:9/shoes/a'], s.id],
        [RunStatus.Queuing, 2, ['http://127.0.0.1:9/shoes/b'], s.id],
      ]);
      assert.equal((await p.schedulesRepo.fires(s.id)).at(-1)!.outcome, 'queued');

      clock.set('2026-07-01T02:00:00Z'); // r1 is still running: the exclusive agent is busy
      await p.ticker.tick();
      const r2 = (await p.runsRepo.listForAgent(a.id, 10))[0]!;
      assert.equal(r2.status, RunStatus.Skipped);
      assert.match(r2.message ?? '', new RegExp(`exclusive and run [0-9, ]*\\b${r1!.id}\\b[0-9, ]* is still active`));
      assert.match((await p.schedulesRepo.fires(s.id)).at(-1)!.outcome, /^skipped/);
      assert.equal((await p.runsRepo.children(r2.id)).length, 0, 'a skipped fire splits nothing');
      assert.ok(!(await p.runsRepo.activeForAgent(a.id)).some((r) => r.id === r2.id), 'not stacked');

      for (const k of kids) await p.runsRepo.transition(k.id, [RunStatus.Queuing], RunStatus.Stopped, clock.now().toISOString());
      await p.runsRepo.transition(r1!.id, [RunStatus.Running], RunStatus.Stopped, clock.now().toISOString());
      await p.agents.setArchived(admin, a.id, true);
      clock.set('2026-07-01T03:00:00Z');
      await p.ticker.tick();
      const r3 = (await p.runsRepo.listForAgent(a.id, 10))[0]!;
      assert.equal(r3.status, RunStatus.Skipped);
      assert.match(r3.message ?? '', /archived/);
      assert.ok(r3.end_time);
    });

    test('a parallel schedule splits a list-valued parameter; one it cannot split is Skipped with the reason', async (t) => {
      if (skip) return t.skip();
      clock.set('2026-08-01T00:00:00Z');
      const a = await p.agents.create(admin, { name: 'list-split', definition: { startUrls: ['http://127.0.0.1:9/c/{{cat}}'], inputParameters: { cat: 'x', other: 'y' }, fields: [{ name: 't', selector: 'h1' }] } });
      const s = await p.schedules.create(admin, a.id, { name: 'cats', cronExpression: '0 * * * *', inputParameters: '{"cat":["a","b","c"]}', parallelism: 3, parallelMaxConcurrency: 2, isExclusive: false });
      clock.set('2026-08-01T01:00:00Z');
      await p.ticker.tick();
      const [parent] = await p.runsRepo.listForAgent(a.id, 10);
      assert.equal(parent!.status, RunStatus.Running);
      const kids = await p.runsRepo.children(parent!.id);
      assert.deepEqual(kids.map((k) => JSON.parse(k.spec).startUrls), [['http://127.0.0.1:9/c/a'], ['http://127.0.0.1:9/c/b'], ['http://127.0.0.1:9/c/c']]);
      assert.ok(kids.every((k) => JSON.parse(k.options).parallelMaxConcurrency === 2));

      // Two list-valued parameters cannot be split: refused when the schedule is saved...
      await assert.rejects(
        p.schedules.update(admin, a.id, s.id, { name: 'cats', cronExpression: '0 * * * *', inputParameters: '{"cat":["a","b"],"other":["1","2"]}', parallelism: 2, isExclusive: false }),
        (e: Error & { errors?: string[] }) => /only one parameter may hold a list/.test((e.errors ?? []).join()),
      );
      // ...and an agent changed afterwards so that the saved list no longer splits: the fire is a Skipped run saying why.
      await p.agents.update(admin, a.id, { definition: { startUrls: ['http://127.0.0.1:9/c/{{cat}}', 'http://127.0.0.1:9/d/{{cat}}'], inputParameters: { cat: 'x', other: 'y' }, fields: [{ name: 't', selector: 'h1' }] } });
      clock.set('2026-08-01T02:00:00Z');
      await p.ticker.tick();
      const [bad] = await p.runsRepo.listForAgent(a.id, 10);
      assert.notEqual(bad!.id, parent!.id);
      assert.equal(bad!.status, RunStatus.Skipped);
      assert.match(bad!.message ?? '', /split only for an agent with a single start URL/);
      assert.equal((await p.runsRepo.children(bad!.id)).length, 0);
    });

    test('a disabled schedule does not fire; enabling counts from now', async (t) => {
      if (skip) return t.skip();
      const { agent, s } = await schedule({ cronExpression: '*/5 * * * *' }, '2026-08-01T00:00:00Z');
      await p.schedules.setEnabled(admin, agent.id, s.id, false);
      clock.set('2026-08-01T01:00:00Z');
      assert.equal((await p.ticker.tick()).filter((f) => f.scheduleId === s.id).length, 0);
      const e = await p.schedules.setEnabled(admin, agent.id, s.id, true);
      assert.equal(e.next_run_at, '2026-08-01T01:05:00.000Z');
      assert.equal((await p.ticker.tick()).filter((f) => f.scheduleId === s.id).length, 0, 'slots passed while disabled are not fired');
    });
  });
}

describe('two schedulers on one PostgreSQL schema', () => {
  test('never fire the same slot twice', async (t) => {
    if (!dialects().includes('postgres') || !(await requireDialect('postgres', t))) return t.skip('PostgreSQL not selected');
    const clock = new FakeClock(new Date('2026-02-01T00:00:00Z'));
    const a = await openTestPlatform('postgres', 'race', clock);
    const b = await openTestPlatform('postgres', 'race', clock, a.db);
    try {
      const admin = await adminOf(a.platform);
      const schedules: Array<{ agentId: number; id: number }> = [];
      for (let i = 0; i < 5; i++) {
        const ag = await makeAgent(a.platform, admin, `race-${i}`);
        const s = await a.platform.schedules.create(admin, ag.id, { name: `r${i}`, cronExpression: '* * * * *', isExclusive: false });
        schedules.push({ agentId: ag.id, id: s.id });
      }
      const SLOTS = 30;
      for (let m = 1; m <= SLOTS; m++) {
        clock.set(new Date(Date.parse('2026-02-01T00:00:00Z') + m * 60_000));
        // Both processes tick at the same instant, several times over.
        await Promise.all([a.platform.ticker.tick(), b.platform.ticker.tick(), a.platform.ticker.tick(), b.platform.ticker.tick()]);
      }
      for (const s of schedules) {
        const runs = await a.platform.runsRepo.listForAgent(s.agentId, 1000);
        assert.equal(runs.length, SLOTS, `schedule ${s.id}: one run per slot`);
        const fires = await a.platform.schedulesRepo.fires(s.id);
        assert.equal(fires.length, SLOTS);
        assert.equal(new Set(fires.map((f) => f.run_id)).size, SLOTS, 'every fire has its own run');
      }
    } finally {
      await b.platform.close();
      await a.platform.close();
    }
  });
});
