import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSchedule, validateScheduleDefinition, type ScheduleDefinition } from '../../../src/scheduler/schedule-rules.ts';

const now = new Date('2026-06-01T12:00:00Z');
const cronErrors = (cronExpression: string, timezone = 'UTC'): string[] =>
  validateScheduleDefinition({ scheduleType: 3, cronExpression, timezone }, now);

describe('validateScheduleDefinition', () => {
  test('valid definitions give no errors', () => {
    assert.deepEqual(cronErrors('0 9 * * 1,4', 'America/New_York'), []);
    assert.deepEqual(cronErrors('*/15 9-17 * * MON-FRI'), []);
    assert.deepEqual(cronErrors('0 0 L * *'), []);
    assert.deepEqual(validateScheduleDefinition({ scheduleType: 2, runEveryCount: 30, runEveryPeriod: 0 }, now), []);
    assert.deepEqual(validateScheduleDefinition({ scheduleType: 1, startTime: '2026-06-01T12:05:00Z' }, now), []);
    assert.deepEqual(validateScheduleDefinition({ scheduleType: 0 }, now), []);
  });

  test('cron out-of-range values name the field and range in calendar terms', () => {
    assert.deepEqual(cronErrors('61 * * * *'), ['cronExpression: minute value 61 is out of range 0-59']);
    assert.deepEqual(cronErrors('0 24 * * *'), ['cronExpression: hour value 24 is out of range 0-23']);
    assert.deepEqual(cronErrors('0 0 0 * *'), ['cronExpression: day-of-month value 0 is out of range 1-31']);
    assert.deepEqual(cronErrors('0 0 * 13 *'), ['cronExpression: month value 13 is out of range 1-12']);
    assert.deepEqual(cronErrors('0 0 * * 8'), ['cronExpression: day-of-week value 8 is out of range 0-7']);
  });

  test('cron shape errors', () => {
    assert.deepEqual(cronErrors('0 0 9 * * *'), [
      'cronExpression: expected 5 fields (minute hour day-of-month month day-of-week), got 6; seconds and years are not supported',
    ]);
    assert.match(cronErrors('* * * *')[0] ?? '', /expected 5 fields .* got 4$/);
    assert.deepEqual(cronErrors('*/0 * * * *'), ["cronExpression: minute step must be at least 1 in '*/0'"]);
    assert.deepEqual(cronErrors('30-10 * * * *'), ['cronExpression: minute range 30-10 goes backwards']);
    assert.deepEqual(cronErrors('abc * * * *'), ["cronExpression: minute field 'abc' is not valid"]);
    assert.match(cronErrors('5/15 * * * *')[0] ?? '', /write '5-59\/15'/);
    assert.deepEqual(cronErrors('0 0 30 2 *'), ["cronExpression: '0 0 30 2 *' never fires (for example day 30 of February)"]);
    assert.match(cronErrors('@reboot')[0] ?? '', /not supported/);
    assert.deepEqual(validateScheduleDefinition({ scheduleType: 3 }, now), [
      'cronExpression: required for scheduleType 3 (CRON), for example "0 9 * * 1,4"',
    ]);
  });

  test('timezone must be IANA', () => {
    assert.deepEqual(cronErrors('0 9 * * *', 'Mars/Olympus'), [
      "timezone: 'Mars/Olympus' is not a valid IANA time zone (for example America/New_York)",
    ]);
    assert.equal(cronErrors('0 9 * * *', '+05:00').length, 1);
  });

  test('RunOnce needs startTime at least a minute ahead', () => {
    assert.deepEqual(validateScheduleDefinition({ scheduleType: 1 }, now), ['startTime: required for scheduleType 1 (RunOnce)']);
    assert.match(
      validateScheduleDefinition({ scheduleType: 1, startTime: '2026-06-01T12:00:30Z' }, now)[0] ?? '',
      /^startTime: must be at least 1 minute in the future/,
    );
    assert.match(validateScheduleDefinition({ scheduleType: 1, startTime: 'soon' }, now)[0] ?? '', /not an ISO 8601 timestamp/);
  });

  test('RunEvery needs count >= 1, period 1-5 and a future startTime if given', () => {
    const errs = validateScheduleDefinition(
      { scheduleType: 2, runEveryCount: 0, runEveryPeriod: 6, startTime: '2026-05-01T00:00:00Z' },
      now,
    );
    assert.deepEqual(errs, [
      'runEveryCount: must be a whole number of at least 1 (got 0)',
      'runEveryPeriod: must be 1 (minutes), 2 (hours), 3 (days), 4 (weeks) or 5 (months) (got 6)',
      'startTime: must be in the future (got 2026-05-01T00:00:00.000Z, now 2026-06-01T12:00:00.000Z)',
    ]);
    assert.deepEqual(validateScheduleDefinition({ scheduleType: 2 }, now), [
      'runEveryCount: required for scheduleType 2 (RunEvery)',
      'runEveryPeriod: required for scheduleType 2 (RunEvery)',
    ]);
    assert.match(validateScheduleDefinition({ scheduleType: 2, runEveryCount: 1.5, runEveryPeriod: 1 }, now)[0] ?? '', /whole number/);
    assert.match(validateScheduleDefinition({ scheduleType: 2, runEveryCount: 2e6, runEveryPeriod: 5 }, now)[0] ?? '', /at most 1000000/);
    // CRON ignores startTime, so junk there is not an error.
    assert.deepEqual(validateScheduleDefinition({ scheduleType: 3, cronExpression: '0 9 * * *', startTime: 'x' }, now), []);
  });

  test('unknown scheduleType', () => {
    assert.deepEqual(validateScheduleDefinition({ scheduleType: 7 }, now), [
      'scheduleType: must be 0 (None), 1 (RunOnce), 2 (RunEvery) or 3 (CRON)',
    ]);
  });
});

describe('describeSchedule', () => {
  const c = (cronExpression: string, timezone: string | null = 'America/New_York'): string =>
    describeSchedule({ scheduleType: 3, cronExpression, timezone });

  test('common cron shapes', () => {
    assert.equal(c('0 9 * * 1,4'), 'At 09:00 on Monday and Thursday (America/New_York)');
    assert.equal(c('0 9 * * 1-5'), 'At 09:00 on weekdays (America/New_York)');
    assert.equal(c('0 10 * * 0,6'), 'At 10:00 on weekends (America/New_York)');
    assert.equal(c('30 6 * * *', 'Europe/Berlin'), 'At 06:30 every day (Europe/Berlin)');
    assert.equal(c('0 9,17 * * *', null), 'At 09:00 and 17:00 every day (UTC)');
    assert.equal(c('0 8 1,15 * *'), 'At 08:00 on day 1 and 15 of the month (America/New_York)');
    assert.equal(c('0 0 L * *'), 'At 00:00 on the last day of the month (America/New_York)');
    assert.equal(c('0 7 1 1,7 *'), 'At 07:00 on day 1 of the month in January and July (America/New_York)');
    assert.equal(c('0 9 * * 0,3,5'), 'At 09:00 on Wednesday, Friday and Sunday (America/New_York)');
    assert.equal(c('*/30 * * * *'), 'Every 30 minutes');
    assert.equal(c('* * * * *'), 'Every minute');
    assert.equal(c('5 * * * *'), 'Every hour at :05');
    assert.equal(c('15 */6 * * *'), 'Every 6 hours at :15');
    assert.equal(c('@daily', 'UTC'), 'At 00:00 every day (UTC)');
  });

  test('uncommon shapes fall back to the expression', () => {
    assert.equal(c('*/15 9-17 * * 1-5'), 'Cron: */15 9-17 * * 1-5 (America/New_York)');
    assert.equal(c('0 9 1 * 1'), 'Cron: 0 9 1 * 1 (America/New_York)');
    assert.equal(c('0 9 * * 5L'), 'Cron: 0 9 * * 5L (America/New_York)');
  });

  test('RunEvery and RunOnce', () => {
    const d = (def: Omit<ScheduleDefinition, 'scheduleType'>, anchor?: Date): string =>
      describeSchedule({ scheduleType: 2, ...def }, anchor);
    assert.equal(d({ runEveryCount: 30, runEveryPeriod: 1 }), 'Every 30 minutes');
    assert.equal(d({ runEveryCount: 1, runEveryPeriod: 2 }), 'Every hour');
    assert.equal(
      d({ runEveryCount: 1, runEveryPeriod: 3, timezone: 'America/New_York' }, new Date('2026-03-06T14:00:00Z')),
      'Every day at 09:00 (America/New_York)',
    );
    assert.equal(
      d({ runEveryCount: 2, runEveryPeriod: 4, startTime: '2026-10-12T07:00:00Z', timezone: 'Europe/Berlin' }),
      'Every 2 weeks on Monday at 09:00 (Europe/Berlin)',
    );
    assert.equal(d({ runEveryCount: 1, runEveryPeriod: 5, startTime: '2026-01-31T10:00:00Z' }), 'Every month on day 31 at 10:00 (UTC)');
    assert.equal(
      describeSchedule({ scheduleType: 1, startTime: '2026-12-01T09:00:00Z', timezone: 'Europe/Berlin' }),
      'Once at 2026-12-01 10:00 (Europe/Berlin)',
    );
    assert.equal(describeSchedule({ scheduleType: 0 }), 'Not scheduled');
  });
});
