/**
 * Pure schedule logic: validation, type inference, next fire times, human-readable text and the missed-slot
 * policy. No database and no clock: callers pass `now`, so the ticker and the API share one definition of time.
 */
import { Cron } from 'croner';
import { describeCronFields, parseCron } from './cron-text.ts';
import {
  WEEKDAY_NAMES,
  addLocalDays,
  addLocalMonths,
  formatHm,
  formatLocal,
  fromLocalParts,
  isValidTimeZone,
  localDayDiff,
  localWeekday,
  toLocalParts,
} from './tz.ts';

export const ScheduleType = { None: 0, RunOnce: 1, RunEvery: 2, CRON: 3 } as const;
export type ScheduleType = (typeof ScheduleType)[keyof typeof ScheduleType];

export const RunEveryPeriod = { Minutes: 1, Hours: 2, Days: 3, Weeks: 4, Months: 5 } as const;
export type RunEveryPeriod = (typeof RunEveryPeriod)[keyof typeof RunEveryPeriod];

export interface ScheduleDefinition {
  scheduleType: number;
  cronExpression?: string | null;
  /** UTC ISO timestamp; a value without an offset is read as UTC, never as server-local time. */
  startTime?: string | null;
  runEveryCount?: number | null;
  runEveryPeriod?: number | null;
  /** IANA name; null or empty means UTC. */
  timezone?: string | null;
}

export const DEFAULT_TIMEZONE = 'UTC';
/** RunOnce must leave the ticker time to see it (MCP's rule). */
export const RUN_ONCE_MIN_LEAD_MS = 60_000;
/**
 * Counting missed CRON slots means iterating croner, which costs ~0.35 ms a step with a time zone; past this
 * we report a lower bound rather than stall the ticker. RunEvery slots are counted exactly by arithmetic.
 */
export const MAX_COUNTED_MISSED = 1_000;

/** Keeps slot arithmetic inside Date's range (a million months is ~83k years). */
export const MAX_RUN_EVERY_COUNT = 1_000_000;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export function timezoneOf(def: Pick<ScheduleDefinition, 'timezone'>): string {
  return def.timezone && def.timezone.trim() !== '' ? def.timezone.trim() : DEFAULT_TIMEZONE;
}

/** API period 0 appears in Sequentum's own example for "every 30 minutes", so it is read as minutes. */
export function normalizePeriod(period: number | null | undefined): RunEveryPeriod | null {
  if (period === 0) return RunEveryPeriod.Minutes;
  if (period === 1 || period === 2 || period === 3 || period === 4 || period === 5) return period;
  return null;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Parses startTime. Offset-less values are UTC by contract, so "Z" is added rather than trusting the host zone. */
export function parseUtcTimestamp(value: string): Date | null {
  const s = value.trim();
  const m = ISO_RE.exec(s);
  if (!m) return null;
  const withZone = m[1] ? s : s.length === 10 ? `${s}T00:00:00Z` : `${s.replace(' ', 'T')}Z`;
  const d = new Date(withZone);
  return Number.isNaN(d.getTime()) ? null : d;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

export type InferResult = { ok: true; scheduleType: ScheduleType | null } | { ok: false; error: string };

/**
 * MCP's inference when scheduleType is omitted. `scheduleType: null` means "no hint": an update keeps the stored
 * type, a create falls back to its default. An explicit type always wins, even with stray fields.
 */
export function inferScheduleType(body: Partial<ScheduleDefinition> & Record<string, unknown>): InferResult {
  if (present(body.scheduleType)) {
    const t = Number(body.scheduleType);
    if (t === 0 || t === 1 || t === 2 || t === 3) return { ok: true, scheduleType: t };
    return { ok: false, error: 'scheduleType: must be 0 (None), 1 (RunOnce), 2 (RunEvery) or 3 (CRON)' };
  }
  const hasCron = present(body.cronExpression);
  const hasEvery = present(body.runEveryCount) || present(body.runEveryPeriod);
  if (hasCron && hasEvery) {
    return {
      ok: false,
      error: 'scheduleType: required when both cronExpression and runEveryCount/runEveryPeriod are given',
    };
  }
  if (hasCron) return { ok: true, scheduleType: ScheduleType.CRON };
  if (hasEvery) return { ok: true, scheduleType: ScheduleType.RunEvery };
  if (present(body.startTime)) return { ok: true, scheduleType: ScheduleType.RunOnce };
  return { ok: true, scheduleType: null };
}

/** Readable errors for a 400; empty when the definition is usable. */
export function validateScheduleDefinition(def: ScheduleDefinition, now: Date): string[] {
  const errors: string[] = [];
  const tz = timezoneOf(def);
  const tzOk = isValidTimeZone(tz);
  if (!tzOk) errors.push(`timezone: '${tz}' is not a valid IANA time zone (for example America/New_York)`);

  const startText = present(def.startTime) ? String(def.startTime) : null;
  const start = startText === null ? null : parseUtcTimestamp(startText);
  // CRON ignores startTime, so a stray value there is not worth a 400.
  if (startText !== null && start === null && def.scheduleType !== ScheduleType.CRON) {
    errors.push(`startTime: '${startText}' is not an ISO 8601 timestamp (for example 2026-12-01T10:00:00Z)`);
  }

  switch (def.scheduleType) {
    case ScheduleType.None:
      break;
    case ScheduleType.RunOnce:
      if (startText === null) errors.push('startTime: required for scheduleType 1 (RunOnce)');
      else if (start && start.getTime() < now.getTime() + RUN_ONCE_MIN_LEAD_MS) {
        errors.push(`startTime: must be at least 1 minute in the future (got ${start.toISOString()}, now ${now.toISOString()})`);
      }
      break;
    case ScheduleType.RunEvery: {
      const count = def.runEveryCount;
      if (!present(count)) errors.push('runEveryCount: required for scheduleType 2 (RunEvery)');
      else if (!Number.isSafeInteger(count) || (count as number) < 1) {
        errors.push(`runEveryCount: must be a whole number of at least 1 (got ${String(count)})`);
      } else if ((count as number) > MAX_RUN_EVERY_COUNT) {
        errors.push(`runEveryCount: must be at most ${MAX_RUN_EVERY_COUNT} (got ${String(count)})`);
      }
      if (!present(def.runEveryPeriod)) errors.push('runEveryPeriod: required for scheduleType 2 (RunEvery)');
      else if (normalizePeriod(def.runEveryPeriod) === null) {
        errors.push(
          `runEveryPeriod: must be 1 (minutes), 2 (hours), 3 (days), 4 (weeks) or 5 (months) (got ${String(def.runEveryPeriod)})`,
        );
      }
      if (start && start.getTime() <= now.getTime()) {
        errors.push(`startTime: must be in the future (got ${start.toISOString()}, now ${now.toISOString()})`);
      }
      break;
    }
    case ScheduleType.CRON: {
      if (!present(def.cronExpression)) {
        errors.push('cronExpression: required for scheduleType 3 (CRON), for example "0 9 * * 1,4"');
        break;
      }
      const parsed = parseCron(String(def.cronExpression));
      if (!parsed.ok) errors.push(...parsed.errors);
      else if (tzOk && new Cron(parsed.normalized, cronOptions(tz)).nextRun(now) === null) {
        errors.push(`cronExpression: '${def.cronExpression}' never fires (for example day 30 of February)`);
      }
      break;
    }
    default:
      errors.push('scheduleType: must be 0 (None), 1 (RunOnce), 2 (RunEvery) or 3 (CRON)');
  }
  return errors;
}

function cronOptions(timezone: string): { paused: true; mode: '5-part'; timezone: string } {
  return { paused: true, mode: '5-part', timezone };
}

function cronFor(def: ScheduleDefinition): Cron {
  const parsed = parseCron(String(def.cronExpression ?? ''));
  if (!parsed.ok) throw new RangeError(parsed.errors.join('; '));
  return new Cron(parsed.normalized, cronOptions(timezoneOf(def)));
}

interface RunEveryPlan {
  period: RunEveryPeriod;
  count: number;
  anchor: Date;
  timezone: string;
}

function runEveryPlan(def: ScheduleDefinition, anchor: Date | undefined, fallback: Date): RunEveryPlan {
  const period = normalizePeriod(def.runEveryPeriod);
  const count = def.runEveryCount;
  if (period === null || typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
    throw new RangeError('RunEvery schedule needs runEveryCount >= 1 and runEveryPeriod 1-5');
  }
  const start = present(def.startTime) ? parseUtcTimestamp(String(def.startTime)) : null;
  return { period, count, anchor: start ?? anchor ?? fallback, timezone: timezoneOf(def) };
}

/** Slot k of a RunEvery schedule, always derived from the anchor so month-end clamping never drifts. */
function slotAt(plan: RunEveryPlan, k: number): Date {
  const { period, count, anchor, timezone } = plan;
  if (period === RunEveryPeriod.Minutes) return new Date(anchor.getTime() + k * count * MINUTE_MS);
  if (period === RunEveryPeriod.Hours) return new Date(anchor.getTime() + k * count * HOUR_MS);
  const local = toLocalParts(anchor, timezone);
  if (period === RunEveryPeriod.Months) return fromLocalParts(addLocalMonths(local, k * count), timezone);
  const days = period === RunEveryPeriod.Weeks ? 7 * count : count;
  return fromLocalParts(addLocalDays(local, k * days), timezone);
}

/** Smallest k >= 0 whose slot is strictly after t. */
function firstSlotAfter(plan: RunEveryPlan, t: Date): number {
  const { period, count, anchor, timezone } = plan;
  const elapsed = t.getTime() - anchor.getTime();
  if (elapsed < 0) return 0;
  if (period === RunEveryPeriod.Minutes || period === RunEveryPeriod.Hours) {
    const interval = count * (period === RunEveryPeriod.Minutes ? MINUTE_MS : HOUR_MS);
    return Math.floor(elapsed / interval) + 1;
  }
  // Start one step below the calendar estimate (DST shifts and month clamping move slots by hours or days,
  // never by a whole step), then walk forward.
  const a = toLocalParts(anchor, timezone);
  const b = toLocalParts(t, timezone);
  const units =
    period === RunEveryPeriod.Months
      ? (b.year - a.year) * 12 + (b.month - a.month)
      : localDayDiff(a, b) / (period === RunEveryPeriod.Weeks ? 7 : 1);
  let k = Math.max(0, Math.floor(units / count) - 1);
  while (slotAt(plan, k).getTime() <= t.getTime()) k++;
  return k;
}

/**
 * The first fire strictly after `after`, or null when there is none. `anchor` is the schedule's creation time,
 * used by RunEvery when no startTime is set; without either, `after` itself anchors the interval.
 */
export function nextRunTime(def: ScheduleDefinition, after: Date, anchor?: Date): Date | null {
  switch (def.scheduleType) {
    case ScheduleType.RunOnce: {
      const start = present(def.startTime) ? parseUtcTimestamp(String(def.startTime)) : null;
      return start && start.getTime() > after.getTime() ? start : null;
    }
    case ScheduleType.RunEvery: {
      const plan = runEveryPlan(def, anchor, after);
      return slotAt(plan, firstSlotAfter(plan, after));
    }
    case ScheduleType.CRON:
      return cronFor(def).nextRun(after);
    default:
      return null;
  }
}

/** Up to n upcoming fires, for previews and the upcoming-schedules report. */
export function nextRunTimes(def: ScheduleDefinition, after: Date, n: number, anchor?: Date): Date[] {
  if (n <= 0) return [];
  if (def.scheduleType === ScheduleType.CRON) return cronFor(def).nextRuns(n, after);
  if (def.scheduleType === ScheduleType.RunEvery) {
    const plan = runEveryPlan(def, anchor, after);
    const first = firstSlotAfter(plan, after);
    return Array.from({ length: n }, (_, i) => slotAt(plan, first + i));
  }
  const one = nextRunTime(def, after, anchor);
  return one ? [one] : [];
}

export interface CatchUpResult {
  /** Fire one run now for everything missed: slots are coalesced, never replayed one by one. */
  fireNow: boolean;
  /** Slots in (lastScheduledFor, now]; capped at MAX_COUNTED_MISSED for CRON, so read it as "at least". */
  missed: number;
  /** The latest due slot, the one the catch-up run stands for (a stable key for de-duplicating fires). */
  scheduledFor: Date | null;
  /** The first regular slot strictly after now. */
  next: Date | null;
}

/**
 * Missed-slot policy after downtime or a slow tick. `lastScheduledFor` is the last slot already handled (or the
 * creation time for a schedule that never fired).
 */
export function catchUp(def: ScheduleDefinition, lastScheduledFor: Date, now: Date, anchor?: Date): CatchUpResult {
  const next = nextRunTime(def, now, anchor ?? lastScheduledFor);
  const first = nextRunTime(def, lastScheduledFor, anchor ?? lastScheduledFor);
  if (first === null || first.getTime() > now.getTime()) return { fireNow: false, missed: 0, scheduledFor: null, next };

  let missed = 0;
  let latest = first;
  if (def.scheduleType === ScheduleType.RunEvery) {
    const plan = runEveryPlan(def, anchor ?? lastScheduledFor, lastScheduledFor);
    const from = firstSlotAfter(plan, lastScheduledFor);
    const to = firstSlotAfter(plan, now);
    missed = to - from;
    latest = slotAt(plan, to - 1);
  } else if (def.scheduleType === ScheduleType.CRON) {
    const cron = cronFor(def);
    let cursor: Date | null = first;
    while (cursor && cursor.getTime() <= now.getTime() && missed < MAX_COUNTED_MISSED) {
      latest = cursor;
      missed++;
      cursor = cron.nextRun(cursor);
    }
    if (missed >= MAX_COUNTED_MISSED) latest = cron.previousRuns(1, new Date(now.getTime() + 1))[0] ?? latest;
  } else {
    missed = 1;
  }
  return { fireNow: true, missed, scheduledFor: latest, next };
}

function plural(count: number, unit: string): string {
  return count === 1 ? `Every ${unit}` : `Every ${count} ${unit}s`;
}

/** Server-generated `localSchedule` text. */
export function describeSchedule(def: ScheduleDefinition, anchor?: Date): string {
  const tz = timezoneOf(def);
  const start = present(def.startTime) ? parseUtcTimestamp(String(def.startTime)) : null;
  switch (def.scheduleType) {
    case ScheduleType.RunOnce:
      return start ? `Once at ${formatLocal(start, tz)} (${tz})` : 'Once (no start time set)';
    case ScheduleType.CRON: {
      const expr = String(def.cronExpression ?? '').trim();
      return describeCronFields(expr, tz) ?? `Cron: ${expr} (${tz})`;
    }
    case ScheduleType.RunEvery: {
      const period = normalizePeriod(def.runEveryPeriod);
      const count = def.runEveryCount ?? 0;
      if (period === null || count < 1) return 'Invalid interval';
      const unit = ['minute', 'hour', 'day', 'week', 'month'][period - 1] ?? 'minute';
      const base = plural(count, unit);
      const at = start ?? anchor;
      if (!at) return base;
      if (period === RunEveryPeriod.Minutes || period === RunEveryPeriod.Hours) {
        return start ? `${base} from ${formatLocal(start, tz)} (${tz})` : base;
      }
      const p = toLocalParts(at, tz);
      const time = formatHm(p.hour, p.minute);
      if (period === RunEveryPeriod.Weeks) return `${base} on ${WEEKDAY_NAMES[localWeekday(p)]} at ${time} (${tz})`;
      if (period === RunEveryPeriod.Months) return `${base} on day ${p.day} at ${time} (${tz})`;
      return `${base} at ${time} (${tz})`;
    }
    default:
      return 'Not scheduled';
  }
}
