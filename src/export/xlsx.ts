/**
 * XLSX through exceljs's streaming WorkbookWriter: each row is committed as soon as it is written, so memory
 * stays flat. exceljs is only imported here (engineering.md §2.9 keeps it behind the exporter).
 */
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { defuseFormula, fieldOf, toJson } from './cells.ts';
import { OutputClosedError, waitForDrain } from './sink.ts';
import { eachRecord, type RecordSource, type WriteResult } from './text-writers.ts';

export interface XlsxOptions {
  raw?: boolean;
  sheetName?: string;
  /** Excel's hard limit, header included; lowered in tests to exercise the roll-over to a new sheet. */
  maxRowsPerSheet?: number;
}

export const EXCEL_MAX_ROWS = 1_048_576;
/** Longer text makes Excel "repair" the file and drop the cell. */
export const EXCEL_MAX_CELL_CHARS = 32_767;
const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss';
/** Rows between yields to the event loop, so the zip/deflate pipeline keeps pace with row commits. */
const YIELD_EVERY = 200;

/**
 * Characters XML 1.0 cannot carry (C0 controls except tab/LF/CR, lone surrogates, U+FFFE/FFFF); exceljs writes
 * them verbatim, which produces a file Excel refuses to open.
 */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function cleanText(text: string, raw: boolean): string {
  // Defuse before stripping controls: a leading NUL is a formula trick even though it cannot be stored.
  const safe = (raw ? text : defuseFormula(text)).replace(XML_INVALID, '\uFFFD');
  return safe.length > EXCEL_MAX_CELL_CHARS ? safe.slice(0, EXCEL_MAX_CELL_CHARS) : safe;
}

/**
 * Typed cell values: numbers, booleans and dates stay native so sorting and sums work. Strings stay strings
 * even when they look numeric ("007" ZIP codes, "1.50" prices keep their text). Objects become JSON text; passing
 * them through would let a scraped `{ formula: ... }` value become a live formula.
 */
function xlsxValue(value: unknown, raw: boolean): string | number | boolean | Date | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case 'string':
      return cleanText(value, raw);
    default:
      break;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  return cleanText(toJson(value), raw);
}

/** Excel sheet names: at most 31 characters, none of []:*?/\ and not starting or ending with an apostrophe. */
export function safeSheetName(name: string | undefined, suffix = ''): string {
  const base = (name ?? '').replace(/[[\]:*?/\\]/g, '_').replace(/^'+|'+$/g, '').trim() || 'Data';
  return base.slice(0, 31 - suffix.length) + suffix;
}

export async function writeXlsx(
  columns: readonly string[],
  records: RecordSource,
  out: NodeJS.WritableStream,
  opts: XlsxOptions = {},
): Promise<WriteResult> {
  const raw = opts.raw === true;
  const dataRowsPerSheet = Math.max(1, (opts.maxRowsPerSheet ?? EXCEL_MAX_ROWS) - 1);
  let bytes = 0;
  let failure: Error | null = null;
  // Counts bytes and forwards to `out`, holding the callback until `out` drains so the zip stream pauses too.
  const counter = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const o = out as NodeJS.WritableStream & { destroyed?: boolean };
      if (o.destroyed) return cb(new OutputClosedError());
      bytes += chunk.length;
      if (out.write(chunk)) return cb();
      waitForDrain(o).then(() => cb(), cb);
    },
  });
  counter.on('error', (err) => {
    failure ??= err;
  });

  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: counter, useStyles: true, useSharedStrings: false });
  const widths = columns.map((c) => ({ width: Math.min(50, Math.max(10, c.length + 2)) }));
  let sheetIndex = 0;
  const openSheet = (): ExcelJS.Worksheet => {
    sheetIndex++;
    const ws = workbook.addWorksheet(safeSheetName(opts.sheetName, sheetIndex === 1 ? '' : ` (${sheetIndex})`), {
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    ws.columns = widths;
    const header = ws.addRow(columns.map((c) => cleanText(c, raw)));
    header.font = { bold: true };
    header.commit();
    return ws;
  };

  // Lets the zip/deflate pipeline run, then waits while the consumer is behind.
  const catchUpWithOutput = async (): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve));
    while (counter.writableNeedDrain && !failure) await waitForDrain(counter);
  };

  let sheet = openSheet();
  let rows = 0;
  let rowsInSheet = 0;
  await eachRecord(records, (record) => {
    if (failure) throw failure;
    if (rowsInSheet === dataRowsPerSheet) {
      sheet.commit();
      sheet = openSheet();
      rowsInSheet = 0;
    }
    const row = sheet.addRow(columns.map((c) => xlsxValue(fieldOf(record, c), raw)));
    row.eachCell((cell) => {
      if (cell.value instanceof Date) cell.numFmt = DATE_FORMAT;
    });
    row.commit();
    rows++;
    rowsInSheet++;
    return rows % YIELD_EVERY === 0 ? catchUpWithOutput() : undefined;
  });
  if (failure) throw failure;
  await workbook.commit();
  if (failure) throw failure;
  return { rows, bytes };
}
