/**
 * Wall-clock arithmetic in an IANA time zone using only Intl, so RunEvery days/weeks/months can keep
 * "09:00 local" across DST without pulling in a date library (croner covers CRON on its own).
 */

export interface LocalParts {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * IANA names only: Intl in newer engines also accepts offsets like "+05:00", but those have no DST rules and
 * croner would read them differently, so they are refused here.
 */
export function isValidTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z]/.test(timeZone)) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function toLocalParts(date: Date, timeZone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(date)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: out.year ?? NaN,
    month: out.month ?? NaN,
    day: out.day ?? NaN,
    hour: out.hour ?? NaN,
    minute: out.minute ?? NaN,
    second: out.second ?? NaN,
    millisecond: date.getUTCMilliseconds(),
  };
}

function partsAsUtcMs(p: LocalParts): number {
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.millisecond);
}

/** Offset of local time from UTC at an instant, in ms (New York in winter: -5h). */
export function offsetMs(instantMs: number, timeZone: string): number {
  return partsAsUtcMs(toLocalParts(new Date(instantMs), timeZone)) - instantMs;
}

/**
 * Local wall-clock time → instant, with Temporal's "compatible" disambiguation: a time skipped by spring-forward
 * moves later by the gap (02:30 → 03:30), a time repeated by fall-back takes the first occurrence. Zones never
 * change offset twice within a day, so the offsets a day either side are the only candidates.
 */
export function fromLocalParts(p: LocalParts, timeZone: string): Date {
  const local = partsAsUtcMs(p);
  const before = offsetMs(local - 86_400_000, timeZone);
  const after = offsetMs(local + 86_400_000, timeZone);
  const valid = [local - before, local - after].filter((t) => offsetMs(t, timeZone) === local - t);
  if (valid.length > 0) return new Date(Math.min(...valid));
  return new Date(local - before);
}

/** Calendar date shift that normalises overflow (Jan 32 → Feb 1) while keeping the wall-clock time. */
export function addLocalDays(p: LocalParts, days: number): LocalParts {
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return { ...p, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Month shift that clamps to the month end (Jan 31 + 1 → Feb 28/29) instead of overflowing into March. */
export function addLocalMonths(p: LocalParts, months: number): LocalParts {
  const total = p.year * 12 + (p.month - 1) + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12 + 1;
  return { ...p, year, month, day: Math.min(p.day, daysInMonth(year, month)) };
}

/** Whole local calendar days from a to b (ignores the time of day). */
export function localDayDiff(a: LocalParts, b: LocalParts): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
}

const pad = (n: number): string => String(n).padStart(2, '0');

export function formatHm(hour: number, minute: number): string {
  return `${pad(hour)}:${pad(minute)}`;
}

/** "2026-12-01 10:00", the local form used in human-readable schedule text. */
export function formatLocal(date: Date, timeZone: string): string {
  const p = toLocalParts(date, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${formatHm(p.hour, p.minute)}`;
}

export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

export function localWeekday(p: LocalParts): number {
  return new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
}
