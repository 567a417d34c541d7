/**
 * The one entry point for exports. Every writer streams: records are pulled one at a time and output is
 * written with backpressure, so a 100k-row export uses about as much memory as a 10-row one.
 *
 * `out` is not ended: the caller owns it (an HTTP reply, a file, a zip entry) and may end it, append to it or
 * destroy it. If `out` closes or errors mid-export the returned promise rejects and the record source is
 * released (for-await calls its `return`).
 */
import type { ExportFormat } from './formats.ts';
import { writeCsv, writeJson, writeNdjson, type ExportRecord, type RecordSource, type WriteResult } from './text-writers.ts';
import { writeXlsx } from './xlsx.ts';

export { EXPORT_FORMATS, contentTypeFor, fileExtension, isExportFormat, type ExportFormat } from './formats.ts';
export type { ExportRecord, RecordSource, WriteResult } from './text-writers.ts';

export interface ExportOptions {
  /** Turn off the formula-injection defence in CSV and XLSX (documented raw mode, reliability.md §9). */
  raw?: boolean;
  /** XLSX sheet name; default "Data". */
  sheetName?: string;
  /** CSV only: prefix a UTF-8 byte order mark. Default false. */
  bom?: boolean;
}

/**
 * With no columns given, the first record's keys are used, peeking at it without buffering the rest.
 * JSON formats still project every record onto those columns, so the shape is the same on every row.
 */
async function resolveColumns(
  columns: readonly string[],
  records: RecordSource,
): Promise<{ columns: readonly string[]; records: RecordSource }> {
  if (columns.length > 0) return { columns, records };
  const iterator =
    Symbol.asyncIterator in records
      ? (records as AsyncIterable<ExportRecord>)[Symbol.asyncIterator]()
      : (records as Iterable<ExportRecord>)[Symbol.iterator]();
  const first = await iterator.next();
  if (first.done) return { columns: [], records: [] };
  const keys = Object.keys(first.value);
  async function* rest(): AsyncGenerator<ExportRecord> {
    try {
      yield first.value as ExportRecord;
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value;
    } finally {
      await iterator.return?.();
    }
  }
  return { columns: keys, records: rest() };
}

export async function writeExport(
  format: ExportFormat,
  columns: readonly string[],
  records: RecordSource,
  out: NodeJS.WritableStream,
  opts: ExportOptions = {},
): Promise<WriteResult> {
  const resolved = await resolveColumns(columns, records);
  switch (format) {
    case 'json':
      return writeJson(resolved.columns, resolved.records, out);
    case 'ndjson':
      return writeNdjson(resolved.columns, resolved.records, out);
    case 'csv':
      return writeCsv(resolved.columns, resolved.records, out, { raw: opts.raw === true, bom: opts.bom === true });
    case 'xlsx':
      return writeXlsx(resolved.columns, resolved.records, out, {
        raw: opts.raw === true,
        ...(opts.sheetName !== undefined ? { sheetName: opts.sheetName } : {}),
      });
    default: {
      const unknown: never = format;
      throw new RangeError(`unknown export format: ${String(unknown)}`);
    }
  }
}
