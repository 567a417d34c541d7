/**
 * Dates as they appear on pages → ISO 8601. Only unambiguous readings are returned; anything else gives
 * null so that the caller keeps the text as found rather than a guess ("3 days ago", "02/03", "Q3").
 */

/** Month names and abbreviations in English, Dutch, German, French and Spanish, accents removed. */
const MONTHS: ReadonlyArray<readonly string[]> = [
  ['january', 'jan', 'januari', 'januar', 'janner', 'janvier', 'janv', 'enero', 'ene'],
  ['february', 'feb', 'februari', 'februar', 'fevrier', 'fevr', 'fev', 'febrero'],
  ['march', 'mar', 'maart', 'mrt', 'marz', 'mrz', 'mars', 'marzo'],
  ['april', 'apr', 'avril', 'avr', 'abril', 'abr'],
  ['may', 'mei', 'mai', 'mayo'],
  ['june', 'jun', 'juni', 'juin', 'junio'],
  ['july', 'jul', 'juli', 'juillet', 'juil', 'julio'],
  ['august', 'aug', 'augustus', 'aout', 'agosto', 'ago'],
  ['september', 'sep', 'sept', 'septembre', 'septiembre', 'setiembre'],
  ['october', 'oct', 'oktober', 'okt', 'octobre', 'octubre'],
  ['november', 'nov', 'novembre', 'noviembre'],
  ['december', 'dec', 'dez', 'dezember', 'decembre', 'diciembre', 'dic'],
];
const MONTH_BY_NAME: ReadonlyMap<string, number> = new Map(MONTHS.flatMap((names, i) => names.map((n) => [n, i + 1] as const)));
const MONTH_NAME = `(${[...MONTH_BY_NAME.keys()].sort((a, b) => b.length - a.length).join('|')})(?!\\p{L})\\.?`;

// Time after the date: "14:05", "2:05 pm", "T14:05:09.123+02:00", optionally "om"/"à"/"at"/"um"/"a las".
const TIME = String.raw`(?:(?:T|,?\s+(?:at\s+|om\s+|um\s+|a\s+|à\s+|a\s+las\s+)?)(\d{1,2})[:h.](\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(am|pm|a\.m\.|p\.m\.)?\s*(Z|[+-]\d{2}:?\d{2})?)?`;

/** Year first (ISO and "2014/07/02"), day-or-month first, and month-name forms in either order. */
const PATTERNS: ReadonlyArray<{ re: RegExp; order: 'ymd' | 'xy' | 'dMy' | 'Mdy' }> = [
  { re: new RegExp(String.raw`(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)${TIME}`, 'i'), order: 'ymd' },
  { re: new RegExp(String.raw`(?<![\d.])(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)${TIME}`, 'i'), order: 'xy' },
  // "2 juli 2014", "2. Juli 2014", "2nd July 2014", "1er juillet 2014", "2 de julio de 2014"
  { re: new RegExp(String.raw`(?<![\p{L}\d])(\d{1,2})(?:st|nd|rd|th|er|e|\.)?\s*(?:de\s+)?${MONTH_NAME}\s*,?\s*(?:de\s+)?(\d{4})(?!\d)${TIME}`, 'iu'), order: 'dMy' },
  // "July 2, 2014", "Jul 2nd 2014"
  { re: new RegExp(String.raw`(?<![\p{L}])${MONTH_NAME}\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)${TIME}`, 'iu'), order: 'Mdy' },
];

/**
 * "2014-07-02", "02-07-2014", "2/7/2014", "July 2, 2014", "2 juli 2014" → "2014-07-02"; with a time,
 * "2014-07-02T14:05:00" (plus the offset when the text gives one: no time zone is assumed). Numeric
 * day/month orders are read day-first, the European and ISO-like reading, unless that is impossible
 * ("07/25/2014" can only be July 25). Null when no complete, valid date is found.
 */
export function parseDate(text: string): string | null {
  const s = text.normalize('NFD').replace(/\p{M}/gu, '').replace(/\s+/g, ' ').trim();
  for (const { re, order } of PATTERNS) {
    const m = re.exec(s);
    if (!m) continue;
    let y: number, mo: number, d: number;
    const g = (i: number): string => m[i] ?? '';
    if (order === 'ymd') [y, mo, d] = [+g(1), +g(2), +g(3)];
    else if (order === 'xy') {
      const a = +g(1);
      const b = +g(2);
      y = +g(3);
      // Day-first unless the first number cannot be a month-day pair that way round.
      [d, mo] = b > 12 && a <= 12 ? [b, a] : [a, b];
    } else if (order === 'dMy') [d, mo, y] = [+g(1), MONTH_BY_NAME.get(g(2).toLowerCase()) ?? 0, +g(3)];
    else [mo, d, y] = [MONTH_BY_NAME.get(g(1).toLowerCase()) ?? 0, +g(2), +g(3)];
    if (!validDate(y, mo, d)) continue;
    const date = `${y}-${pad(mo)}-${pad(d)}`;
    // An impossible time ("25:70") is dropped, the date still stands.
    const time = formatTime(m.slice(4, 9));
    return time ? `${date}T${time}` : date;
  }
  return null;
}

/** "HH:MM:SS[offset]", null when no time was given, undefined when the time given is impossible. */
function formatTime([h, min, sec, ampm, zone]: Array<string | undefined>): string | null | undefined {
  if (h === undefined || min === undefined) return null;
  let hour = Number(h);
  if (ampm) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (/^p/i.test(ampm) ? 12 : 0);
  }
  if (hour > 23 || Number(min) > 59 || Number(sec ?? 0) > 59) return undefined;
  const offset = !zone ? '' : zone.toUpperCase() === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  return `${pad(hour)}:${min}:${sec ?? '00'}${offset}`;
}

function validDate(y: number, m: number, d: number): boolean {
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const pad = (n: number): string => String(n).padStart(2, '0');
