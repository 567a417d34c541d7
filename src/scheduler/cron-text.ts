/**
 * Our own reading of 5-field cron expressions. croner does the firing; this file exists because croner's
 * errors speak in its internal zero-based terms ("Invalid value for day: -1" for day 0) and because
 * describing a schedule needs the fields, which croner does not expose in a stable form.
 */
import { Cron } from 'croner';
import { WEEKDAY_NAMES, formatHm } from './tz.ts';

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Tokens croner understands that we do not expand ourselves (L, W, #, ?). */
  special?: RegExp;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DOW_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_LABELS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: /^(\?|L|LW|\d{1,2}W|L-\d{1,2})$/i },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  // 7 is Sunday too, as in Vixie cron.
  { name: 'day-of-week', min: 0, max: 7, names: DOW_NAMES, special: /^(\?|[0-7]L|[0-7]#[1-5]|L)$/i },
];

export const CRON_NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface ParsedField {
  text: string;
  /** Unrestricted: `*` or `?`. */
  star: boolean;
  /** Expanded values, or null when the field uses croner-only syntax (L, W, #). */
  values: number[] | null;
  /** N for a plain `* /N` field. */
  everyStep: number | null;
}

export type CronParse = { ok: true; fields: ParsedField[]; normalized: string } | { ok: false; errors: string[] };

function parseNumber(token: string, spec: FieldSpec): number | null {
  if (/^\d+$/.test(token)) return Number(token);
  const idx = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  if (idx < 0) return null;
  return spec.name === 'month' ? idx + 1 : idx;
}

function parseField(text: string, spec: FieldSpec, errors: string[]): ParsedField {
  const field: ParsedField = { text, star: text === '*' || text === '?', values: [], everyStep: null };
  const fail = (msg: string): ParsedField => {
    errors.push(`cronExpression: ${msg}`);
    return { ...field, values: null };
  };
  const values = new Set<number>();
  for (const element of text.split(',')) {
    if (spec.special?.test(element)) {
      field.values = null;
      continue;
    }
    const m = /^([^/]+)(?:\/(.*))?$/.exec(element);
    if (!m || m[1] === undefined) return fail(`${spec.name} field '${text}' is not valid`);
    const [, base, stepText] = m;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) return fail(`${spec.name} step '${stepText}' in '${element}' is not a number`);
      step = Number(stepText);
      if (step < 1) return fail(`${spec.name} step must be at least 1 in '${element}'`);
    }
    let lo: number;
    let hi: number;
    if (base === '*' || base === '?') {
      lo = spec.min;
      hi = spec.name === 'day-of-week' ? 6 : spec.max;
      if (stepText !== undefined && text === element) field.everyStep = step;
    } else {
      const range = base.split('-');
      if (range.length > 2) return fail(`${spec.name} field '${text}' is not valid`);
      const from = parseNumber(range[0] ?? '', spec);
      const to = range.length === 2 ? parseNumber(range[1] ?? '', spec) : from;
      if (from === null || to === null) return fail(`${spec.name} field '${text}' is not valid`);
      for (const v of [from, to]) {
        if (v < spec.min || v > spec.max) {
          return fail(`${spec.name} value ${v} is out of range ${spec.min}-${spec.max}`);
        }
      }
      // croner refuses "5/15"; say how to write it rather than echo its generic error.
      if (stepText !== undefined && range.length === 1) {
        return fail(`${spec.name} '${element}' is not supported; write '${from}-${spec.max}/${step}' or '*/${step}'`);
      }
      if (from > to) return fail(`${spec.name} range ${range[0]}-${range[1]} goes backwards`);
      lo = from;
      hi = to;
    }
    for (let v = lo; v <= hi; v += step) values.add(spec.name === 'day-of-week' && v === 7 ? 0 : v);
  }
  if (field.values !== null) field.values = [...values].sort((a, b) => a - b);
  return field;
}

/** Parses and validates a 5-field expression; error strings are ready for a 400 response. */
export function parseCron(expression: string): CronParse {
  const trimmed = expression.trim();
  const lower = trimmed.toLowerCase();
  const normalized = CRON_NICKNAMES[lower] ?? trimmed.replace(/\s+/g, ' ');
  if (normalized.startsWith('@')) {
    return { ok: false, errors: [`cronExpression: '${trimmed}' is not supported; use 5 fields (minute hour day-of-month month day-of-week)`] };
  }
  const parts = normalized === '' ? [] : normalized.split(' ');
  if (parts.length !== 5) {
    const extra = parts.length === 6 || parts.length === 7 ? '; seconds and years are not supported' : '';
    return {
      ok: false,
      errors: [`cronExpression: expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}${extra}`],
    };
  }
  const errors: string[] = [];
  const fields = parts.map((p, i) => parseField(p, FIELDS[i] as FieldSpec, errors));
  if (errors.length === 0) {
    try {
      new Cron(normalized, { paused: true, mode: '5-part' });
    } catch (err) {
      errors.push(`cronExpression: ${(err as Error).message.replace(/^CronPattern:\s*/, '')}`);
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, fields, normalized };
}

export function joinWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function describeDays(dom: ParsedField, dow: ParsedField): string | null {
  if (dom.star && dow.star) return 'every day';
  if (dom.star && dow.values) {
    const days = dow.values;
    if (days.join() === '1,2,3,4,5') return 'on weekdays';
    if (days.join() === '0,6') return 'on weekends';
    if (days.length === 7) return 'every day';
    // Monday-first reads better than cron's Sunday-first.
    const ordered = [...days].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
    return `on ${joinWords(ordered.map((d) => WEEKDAY_NAMES[d] ?? String(d)))}`;
  }
  if (dow.star && /^L$/i.test(dom.text)) return 'on the last day of the month';
  if (dow.star && dom.values) return `on day ${joinWords(dom.values.map(String))} of the month`;
  return null;
}

/** Readable text for common shapes; null when the expression should be shown as-is. */
export function describeCronFields(expression: string, timezone: string): string | null {
  const parsed = parseCron(expression);
  if (!parsed.ok) return null;
  const [minute, hour, dom, month, dow] = parsed.fields as [ParsedField, ParsedField, ParsedField, ParsedField, ParsedField];
  const calendarFree = dom.star && month.star && dow.star;
  if (calendarFree && hour.star) {
    if (minute.star) return 'Every minute';
    if (minute.everyStep !== null) return minute.everyStep === 1 ? 'Every minute' : `Every ${minute.everyStep} minutes`;
    if (minute.values?.length === 1) return `Every hour at :${formatHm(0, minute.values[0] ?? 0).slice(3)}`;
    return null;
  }
  if (calendarFree && hour.everyStep !== null && minute.values?.length === 1) {
    const mm = formatHm(0, minute.values[0] ?? 0).slice(3);
    return hour.everyStep === 1 ? `Every hour at :${mm}` : `Every ${hour.everyStep} hours at :${mm}`;
  }
  if (!minute.values || !hour.values || minute.star || hour.star) return null;
  if (minute.values.length * hour.values.length > 6) return null;
  const times: string[] = [];
  for (const h of hour.values) for (const m of minute.values) times.push(formatHm(h, m));
  const days = describeDays(dom, dow);
  if (days === null) return null;
  let months = '';
  if (!month.star) {
    if (!month.values) return null;
    months = ` in ${joinWords(month.values.map((m) => MONTH_LABELS[m - 1] ?? String(m)))}`;
  }
  return `At ${joinWords(times)} ${days}${months} (${timezone})`;
}
