/**
 * Value → cell text, shared by the writers, and the CSV/formula-injection defence (reliability.md §9,
 * OWASP ASVS 1.2.10, CWE-1236).
 */

/** Leading characters that spreadsheet apps read as the start of a formula or that hide one. */
const FORMULA_START = /^[=+\-@\t\r\0]/;
/** "-12.5" and "+3e5" are numbers to every spreadsheet, not formulas; prefixing them would corrupt data. */
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function needsFormulaDefence(text: string): boolean {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text);
}

/** A leading apostrophe makes Excel, Sheets and Calc show the text as typed instead of evaluating it. */
export function defuseFormula(text: string): string {
  return needsFormulaDefence(text) ? `'${text}` : text;
}

/** bigint has no JSON form; keep it exact as a string unless it fits a double. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  return value;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value, jsonReplacer) ?? 'null';
}

/** Reads only own properties, so a column named "__proto__" or "constructor" yields data, not Object internals. */
export function fieldOf(record: Record<string, unknown>, column: string): unknown {
  return Object.hasOwn(record, column) ? record[column] : undefined;
}

/** Text of a value for text formats; typed numbers are flagged so the injection defence leaves them alone. */
export function cellText(value: unknown): { text: string; numeric: boolean } {
  if (value === null || value === undefined) return { text: '', numeric: false };
  switch (typeof value) {
    case 'string':
      return { text: value, numeric: false };
    case 'number':
      return { text: Number.isFinite(value) ? String(value) : '', numeric: true };
    case 'bigint':
      return { text: value.toString(), numeric: true };
    case 'boolean':
      return { text: value ? 'true' : 'false', numeric: false };
    default:
      break;
  }
  if (value instanceof Date) return { text: Number.isNaN(value.getTime()) ? '' : value.toISOString(), numeric: false };
  return { text: toJson(value), numeric: false };
}
