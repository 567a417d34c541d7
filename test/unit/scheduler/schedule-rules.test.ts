import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_COUNTED_MISSED,
  ScheduleType,
  catchUp,
  inferScheduleType,
  nextRunTime,
  nextRunTimes,
  parseUtcTimestamp,
  type ScheduleDefinition,
} from '../../../src/scheduler/schedule-rules.ts';

const d = (iso: string): Date => new Date(iso);
const iso = (dates: Date[]): string[] => dates.map((x) => x.toISOString());
const cron = (cronExpression: string, timezone: string): ScheduleDefinition => ({
  scheduleType: ScheduleType.CRON,
  cronExpression,
  timezone,
});
const every = (count: number, period: number, startTime: string | null, timezone = 'UTC'): ScheduleDefinition => ({
  scheduleType: ScheduleType.RunEvery,
  runEveryCount: count,
  runEveryPeriod: period,
  startTime,
  timezone,
});

describe('CRON across DST (croner behaviour pinned)', () => {
  test('Europe/Berlin spring forward: 02:30 does not exist, croner fires at 03:00 local (01:00Z)', () => {
    const runs = nextRunTimes(cron('30 2 * * *', 'Europe/Berlin'), d('2026-03-28T12:00:00Z'), 3);
    assert.deepEqual(iso(runs), ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
  });

  test('Europe/Berlin spring forward: 02:00 also lands on 03:00 local', () => {
    assert.equal(nextRunTime(cron('0 2 * * *', 'Europe/Berlin'), d('2026-03-28T12:00:00Z'))?.toISOString(), '2026-03-29T01:00:00.000Z');
  });

  test('Europe/Berlin fall back: 02:30 happens twice, fires once (first occurrence, CEST)', () => {
    const runs = nextRunTimes(cron('30 2 * * *', 'Europe/Berlin'), d('2026-10-24T12:00:00Z'), 3);
    assert.deepEqual(iso(runs), ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
  });

  test('America/New_York spring forward 2026-03-08: 02:00 and 02:30 fire at 03:00 EDT', () => {
    const start = d('2026-03-07T12:00:00Z');
    assert.deepEqual(iso(nextRunTimes(cron('0 2 * * *', 'America/New_York'), start, 3)), [
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:00:00.000Z',
      '2026-03-10T06:00:00.000Z',
    ]);
    assert.deepEqual(iso(nextRunTimes(cron('30 2 * * *', 'America/New_York'), start, 2)), [
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
  });

  test('America/New_York fall back 2026-11-01: 01:30 fires once, 02:00 is unambiguous', () => {
    const start = d('2026-10-31T12:00:00Z');
    assert.deepEqual(iso(nextRunTimes(cron('30 1 * * *', 'America/New_York'), start, 2)), [
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
    assert.deepEqual(iso(nextRunTimes(cron('0 2 * * *', 'America/New_York'), start, 2)), [
      '2026-11-01T07:00:00.000Z',
      '2026-11-02T07:00:00.000Z',
    ]);
  });

  test('weekdays at 09:00 New York keep 09:00 local across spring forward', () => {
    const runs = nextRunTimes(cron('0 9 * * 1-5', 'America/New_York'), d('2026-03-05T15:00:00Z'), 3);
    // Friday 06 is EST (14:00Z), the weekend is skipped, Monday 09 is EDT (13:00Z).
    assert.deepEqual(iso(runs), ['2026-03-06T14:00:00.000Z', '2026-03-09T13:00:00.000Z', '2026-03-10T13:00:00.000Z']);
  });

  test('weekdays at 09:00 Berlin across fall back', () => {
    const runs = nextRunTimes(cron('0 9 * * 1-5', 'Europe/Berlin'), d('2026-10-23T12:00:00Z'), 2);
    assert.deepEqual(iso(runs), ['2026-10-26T08:00:00.000Z', '2026-10-27T08:00:00.000Z']);
  });

  test('interval cron fires on both sides of the repeated hour', () => {
    const runs = nextRunTimes(cron('*/30 * * * *', 'America/New_York'), d('2026-11-01T04:45:00Z'), 4);
    assert.deepEqual(iso(runs), [
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:30:00.000Z',
    ]);
  });

  test('strictly after: a fire exactly at `after` is not returned', () => {
    assert.equal(nextRunTime(cron('0 0 * * *', 'UTC'), d('2026-01-01T00:00:00Z'))?.toISOString(), '2026-01-02T00:00:00.000Z');
  });

  test('nicknames and missing timezone default to UTC', () => {
    const def: ScheduleDefinition = { scheduleType: 3, cronExpression: '@daily', timezone: null };
    assert.equal(nextRunTime(def, d('2026-01-01T05:00:00Z'))?.toISOString(), '2026-01-02T00:00:00.000Z');
  });
});

describe('RunOnce', () => {
  const def: ScheduleDefinition = { scheduleType: 1, startTime: '2026-12-01T09:00:00Z', timezone: 'Europe/Berlin' };
  test('fires once at startTime, then never', () => {
    assert.equal(nextRunTime(def, d('2026-11-01T00:00:00Z'))?.toISOString(), '2026-12-01T09:00:00.000Z');
    assert.equal(nextRunTime(def, d('2026-12-01T09:00:00Z')), null);
    assert.deepEqual(nextRunTimes(def, d('2026-11-01T00:00:00Z'), 5).length, 1);
  });
  test('startTime without an offset is UTC, not server-local', () => {
    assert.equal(parseUtcTimestamp('2026-12-01T09:00:00')?.toISOString(), '2026-12-01T09:00:00.000Z');
    assert.equal(parseUtcTimestamp('2026-12-01T10:00:00+01:00')?.toISOString(), '2026-12-01T09:00:00.000Z');
    assert.equal(parseUtcTimestamp('tomorrow'), null);
  });
});

describe('RunEvery', () => {
  test('minutes are absolute durations from the anchor', () => {
    const def = every(30, 1, '2026-03-08T06:10:00Z', 'America/New_York');
    assert.deepEqual(iso(nextRunTimes(def, d('2026-03-08T06:50:00Z'), 3)), [
      '2026-03-08T07:10:00.000Z',
      '2026-03-08T07:40:00.000Z',
      '2026-03-08T08:10:00.000Z',
    ]);
  });

  test('period 0 is read as minutes', () => {
    assert.equal(nextRunTime(every(30, 0, '2026-01-01T00:00:00Z'), d('2026-01-01T00:00:00Z'))?.toISOString(), '2026-01-01T00:30:00.000Z');
  });

  test('before the anchor the first fire is the anchor itself', () => {
    assert.equal(nextRunTime(every(2, 2, '2026-05-01T10:00:00Z'), d('2026-04-01T00:00:00Z'))?.toISOString(), '2026-05-01T10:00:00.000Z');
  });

  test('without startTime the creation time anchors the interval', () => {
    const def = every(2, 2, null);
    const created = d('2026-01-01T10:07:00Z');
    assert.equal(nextRunTime(def, d('2026-01-01T13:00:00Z'), created)?.toISOString(), '2026-01-01T14:07:00.000Z');
  });

  test('1 day keeps 09:00 New York local across spring forward and fall back', () => {
    const def = every(1, 3, '2026-03-06T14:00:00Z', 'America/New_York');
    assert.deepEqual(iso(nextRunTimes(def, d('2026-03-06T15:00:00Z'), 3)), [
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
    assert.deepEqual(iso(nextRunTimes(def, d('2026-10-31T12:00:00Z'), 2)), ['2026-10-31T13:00:00.000Z', '2026-11-01T14:00:00.000Z']);
  });

  test('a daily time inside the spring-forward gap moves later by the gap, then returns to normal', () => {
    // 02:30 New York does not exist on 2026-03-08: Temporal-style "compatible" gives 03:30 EDT.
    const def = every(1, 3, '2026-03-07T07:30:00Z', 'America/New_York');
    assert.deepEqual(iso(nextRunTimes(def, d('2026-03-07T08:00:00Z'), 2)), ['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
  });

  test('weeks keep the weekday and local time in Berlin', () => {
    const def = every(2, 4, '2026-10-12T07:00:00Z', 'Europe/Berlin'); // Monday 09:00 CEST
    assert.deepEqual(iso(nextRunTimes(def, d('2026-10-12T07:00:00Z'), 2)), ['2026-10-26T08:00:00.000Z', '2026-11-09T08:00:00.000Z']);
  });

  test('months from Jan 31 clamp to the month end and go back to the 31st', () => {
    const def = every(1, 5, '2026-01-31T10:00:00Z');
    assert.deepEqual(iso(nextRunTimes(def, d('2026-01-31T10:00:00Z'), 4)), [
      '2026-02-28T10:00:00.000Z',
      '2026-03-31T10:00:00.000Z',
      '2026-04-30T10:00:00.000Z',
      '2026-05-31T10:00:00.000Z',
    ]);
    const leap = every(1, 5, '2028-01-31T10:00:00Z');
    assert.equal(nextRunTime(leap, d('2028-02-01T00:00:00Z'))?.toISOString(), '2028-02-29T10:00:00.000Z');
    // Jumping far ahead computes from the anchor rather than chaining clamped dates.
    assert.equal(nextRunTime(def, d('2027-01-01T00:00:00Z'))?.toISOString(), '2027-01-31T10:00:00.000Z');
  });

  test('3 months in local time across a DST change', () => {
    const def = every(3, 5, '2026-01-15T14:00:00Z', 'America/New_York'); // 09:00 EST
    assert.deepEqual(iso(nextRunTimes(def, d('2026-02-01T00:00:00Z'), 2)), ['2026-04-15T13:00:00.000Z', '2026-07-15T13:00:00.000Z']);
  });
});

describe('inferScheduleType', () => {
  test('infers from the fields present', () => {
    assert.deepEqual(inferScheduleType({ cronExpression: '0 9 * * *' }), { ok: true, scheduleType: 3 });
    assert.deepEqual(inferScheduleType({ runEveryCount: 5 }), { ok: true, scheduleType: 2 });
    assert.deepEqual(inferScheduleType({ runEveryPeriod: 1 }), { ok: true, scheduleType: 2 });
    assert.deepEqual(inferScheduleType({ startTime: '2026-12-01T00:00:00Z' }), { ok: true, scheduleType: 1 });
    assert.deepEqual(inferScheduleType({ name: 'x' }), { ok: true, scheduleType: null });
  });
  test('both cron and runEvery fields without a type is an error; an explicit type wins', () => {
    const r = inferScheduleType({ cronExpression: '0 9 * * *', runEveryCount: 5 });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /both cronExpression and runEveryCount/);
    assert.deepEqual(inferScheduleType({ scheduleType: 2, cronExpression: '0 9 * * *', runEveryCount: 5 }), { ok: true, scheduleType: 2 });
    assert.equal(inferScheduleType({ scheduleType: 9 }).ok, false);
  });
});

describe('catchUp', () => {
  test('after downtime, many missed slots fire once and are counted', () => {
    const def = cron('0 * * * *', 'UTC');
    const r = catchUp(def, d('2026-01-01T00:00:00Z'), d('2026-01-01T05:30:00Z'));
    assert.equal(r.fireNow, true);
    assert.equal(r.missed, 5);
    assert.equal(r.scheduledFor?.toISOString(), '2026-01-01T05:00:00.000Z');
    assert.equal(r.next?.toISOString(), '2026-01-01T06:00:00.000Z');
  });

  test('nothing due: no fire, next slot reported', () => {
    const r = catchUp(cron('0 * * * *', 'UTC'), d('2026-01-01T05:00:00Z'), d('2026-01-01T05:30:00Z'));
    assert.deepEqual(r, { fireNow: false, missed: 0, scheduledFor: null, next: d('2026-01-01T06:00:00Z') });
  });

  test('RunEvery counts slots arithmetically', () => {
    const def = every(10, 1, '2026-01-01T00:00:00Z');
    const r = catchUp(def, d('2026-01-01T00:00:00Z'), d('2026-01-08T00:05:00Z'));
    assert.equal(r.missed, 7 * 24 * 6);
    assert.equal(r.scheduledFor?.toISOString(), '2026-01-08T00:00:00.000Z');
    assert.equal(r.next?.toISOString(), '2026-01-08T00:10:00.000Z');
  });

  test('RunOnce missed while down fires once, then is done', () => {
    const def: ScheduleDefinition = { scheduleType: 1, startTime: '2026-01-01T10:00:00Z' };
    const r = catchUp(def, d('2026-01-01T09:00:00Z'), d('2026-01-01T12:00:00Z'));
    assert.deepEqual(r, { fireNow: true, missed: 1, scheduledFor: d('2026-01-01T10:00:00Z'), next: null });
  });

  test('a very long outage of a minutely cron stops counting at the cap', () => {
    const r = catchUp(cron('* * * * *', 'UTC'), d('2026-01-01T00:00:00Z'), d('2026-03-01T00:00:30Z'));
    assert.equal(r.fireNow, true);
    assert.equal(r.missed, MAX_COUNTED_MISSED);
    assert.equal(r.scheduledFor?.toISOString(), '2026-03-01T00:00:00.000Z');
  });
});
