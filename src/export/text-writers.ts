/** CSV, JSON and NDJSON writers: one pass over the records, text batched through a TextSink. */
import { cellText, defuseFormula, fieldOf, needsFormulaDefence, toJson } from './cells.ts';
import { TextSink } from './sink.ts';

export type ExportRecord = Record<string, unknown>;
export type RecordSource = AsyncIterable<ExportRecord> | Iterable<ExportRecord>;

export interface WriteResult {
  rows: number;
  bytes: number;
}

export interface CsvOptions {
  /** Skip the formula-injection defence: for machine consumers that must get the exact text. */
  raw?: boolean;
  /** Prefix a UTF-8 BOM. Off by default (RFC 4180 and most tools do not want it); on helps old Excel guess UTF-8. */
  bom?: boolean;
}

/**
 * Visits records, awaiting only when the visitor returns a promise (a flush). Sync sources such as
 * better-sqlite3's iterate() then run as a plain loop instead of paying a microtask per row under for-await.
 * Both loop forms call the source's return() if the visitor throws, which releases a database cursor.
 */
export async function eachRecord(
  records: RecordSource,
  visit: (record: ExportRecord) => Promise<void> | undefined,
): Promise<void> {
  if (Symbol.asyncIterator in records) {
    for await (const record of records) {
      const pending = visit(record);
      if (pending) await pending;
    }
    return;
  }
  for (const record of records) {
    const pending = visit(record);
    if (pending) await pending;
  }
}

const NEEDS_QUOTES = /[",\r\n]/;

function csvField(value: unknown, raw: boolean): string {
  const { text, numeric } = cellText(value);
  const safe = raw || numeric || !needsFormulaDefence(text) ? text : defuseFormula(text);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** RFC 4180: CRLF record separators, quotes doubled inside quoted fields, header row from `columns`. */
export async function writeCsv(
  columns: readonly string[],
  records: RecordSource,
  out: NodeJS.WritableStream,
  opts: CsvOptions = {},
): Promise<WriteResult> {
  const raw = opts.raw === true;
  const sink = new TextSink(out);
  if (opts.bom) sink.push('\uFEFF');
  sink.push(`${columns.map((c) => csvField(c, raw)).join(',')}\r\n`);
  let rows = 0;
  await eachRecord(records, (record) => {
    let line = '';
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) line += ',';
      line += csvField(fieldOf(record, columns[i] as string), raw);
    }
    rows++;
    return sink.push(`${line}\r\n`) ? sink.flush() : undefined;
  });
  await sink.flush();
  return { rows, bytes: sink.bytes };
}

/** Builds the JSON text of one record with keys in column order, without creating an intermediate object. */
function recordJson(keys: readonly string[], columns: readonly string[], record: ExportRecord): string {
  let s = '{';
  for (let i = 0; i < columns.length; i++) {
    s += `${i > 0 ? ',' : ''}${keys[i] as string}:${toJson(fieldOf(record, columns[i] as string))}`;
  }
  return `${s}}`;
}

/** A JSON array streamed element by element; the output is valid JSON even for zero rows. */
export async function writeJson(
  columns: readonly string[],
  records: RecordSource,
  out: NodeJS.WritableStream,
): Promise<WriteResult> {
  const keys = columns.map((c) => JSON.stringify(c));
  const sink = new TextSink(out);
  sink.push('[');
  let rows = 0;
  await eachRecord(records, (record) => {
    const text = `${rows === 0 ? '\n' : ',\n'}${recordJson(keys, columns, record)}`;
    rows++;
    return sink.push(text) ? sink.flush() : undefined;
  });
  sink.push(rows === 0 ? ']\n' : '\n]\n');
  await sink.flush();
  return { rows, bytes: sink.bytes };
}

/** One JSON object per line, '\n' terminated (JSON.stringify never emits a raw newline inside a value). */
export async function writeNdjson(
  columns: readonly string[],
  records: RecordSource,
  out: NodeJS.WritableStream,
): Promise<WriteResult> {
  const keys = columns.map((c) => JSON.stringify(c));
  const sink = new TextSink(out);
  let rows = 0;
  await eachRecord(records, (record) => {
    rows++;
    return sink.push(`${recordJson(keys, columns, record)}\n`) ? sink.flush() : undefined;
  });
  await sink.flush();
  return { rows, bytes: sink.bytes };
}
