import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { contentTypeFor, fileExtension, writeExport, type ExportFormat } from '../../../src/export/write-export.ts';
import { writeXlsx } from '../../../src/export/xlsx.ts';

/** Collects everything written, the way an HTTP reply or file would receive it. */
class Collect extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(chunk);
    cb();
  }
  get buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
  get text(): string {
    return this.buffer.toString('utf8');
  }
}

async function exportTo(format: ExportFormat, columns: string[], records: Record<string, unknown>[], raw = false): Promise<Collect> {
  const out = new Collect();
  const res = await writeExport(format, columns, records, out, { raw });
  assert.equal(res.rows, records.length);
  assert.equal(res.bytes, out.buffer.length);
  return out;
}

/** RFC 4180 reader, test-only: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), i++;
    } else field += ch;
  }
  if (field !== '' || row.length > 0) row.push(field), rows.push(row);
  return rows;
}

const columns = ['name', 'price', 'note'];
const tricky = [
  { name: 'Plain', price: '10', note: 'simple' },
  { name: 'Comma, inside', price: '1,000', note: 'He said "hi"' },
  { name: 'Multi\nline', price: '', note: 'CR\r\nLF' },
  { name: 'Ünïcödé 日本語 🎉', price: '€5', note: 'emoji 👩‍👩‍👧' },
  { name: '  spaces  ', price: '0', note: '' },
];

describe('round trips', () => {
  test('CSV: header plus cells with quotes, commas, newlines and unicode', async () => {
    const out = await exportTo('csv', columns, tricky);
    assert.ok(out.text.startsWith('name,price,note\r\n'), 'no BOM by default, header first');
    const [header, ...rows] = parseCsv(out.text);
    assert.deepEqual(header, columns);
    assert.deepEqual(rows, tricky.map((r) => columns.map((c) => (r as Record<string, string>)[c])));
    assert.ok(out.text.includes('"He said ""hi"""'));
  });

  test('CSV: BOM on request', async () => {
    const out = new Collect();
    await writeExport('csv', ['a'], [{ a: 'x' }], out, { bom: true });
    assert.deepEqual([...out.buffer.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  });

  test('JSON: valid array, keys in column order, missing fields are null', async () => {
    const out = await exportTo('json', columns, [...tricky, { name: 'only name', extra: 'dropped' }]);
    const parsed = JSON.parse(out.text) as unknown[];
    assert.deepEqual(parsed.slice(0, tricky.length), tricky);
    assert.deepEqual(parsed.at(-1), { name: 'only name', price: null, note: null });
    assert.deepEqual(Object.keys(parsed[0] as object), columns);
  });

  test('JSON: zero rows is still valid JSON', async () => {
    assert.deepEqual(JSON.parse((await exportTo('json', columns, [])).text), []);
  });

  test('NDJSON: one object per line with typed values', async () => {
    const records = [
      { a: 1, b: true, c: null, d: { nested: [1, 2] }, e: 'line\nbreak\u2028' },
      { a: -12.5, b: false, c: 'x', d: [], e: '' },
    ];
    const out = await exportTo('ndjson', ['a', 'b', 'c', 'd', 'e'], records);
    const lines = out.text.split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines.map((l) => JSON.parse(l) as unknown), records);
  });

  test('values: dates as ISO, bigint kept exact, non-finite numbers empty/null', async () => {
    const rec = { d: new Date('2026-01-02T03:04:05Z'), big: 2n ** 64n, small: 5n, nan: NaN };
    const cols = ['d', 'big', 'small', 'nan'];
    assert.deepEqual(JSON.parse((await exportTo('json', cols, [rec])).text), [
      { d: '2026-01-02T03:04:05.000Z', big: '18446744073709551616', small: 5, nan: null },
    ]);
    assert.deepEqual(parseCsv((await exportTo('csv', cols, [rec])).text)[1], ['2026-01-02T03:04:05.000Z', '18446744073709551616', '5', '']);
  });

  test('a column named __proto__ reads own data only', async () => {
    const rec = JSON.parse('{"__proto__": "x", "a": "y"}') as Record<string, unknown>;
    assert.deepEqual(JSON.parse((await exportTo('json', ['__proto__', 'constructor', 'a'], [rec])).text), [
      JSON.parse('{"__proto__": "x", "constructor": null, "a": "y"}'),
    ]);
    assert.deepEqual(parseCsv((await exportTo('csv', ['constructor'], [{}])).text)[1], ['']);
  });

  test('no columns: the first record decides, even for an async source', async () => {
    async function* gen(): AsyncGenerator<Record<string, unknown>> {
      yield { x: 1, y: 'a' };
      yield { y: 'b', x: 2, z: 'ignored' };
    }
    const out = new Collect();
    const res = await writeExport('csv', [], gen(), out);
    assert.equal(res.rows, 2);
    assert.equal(out.text, 'x,y\r\n1,a\r\n2,b\r\n');
  });
});

describe('formula injection defence', () => {
  const hostile = ['=1+1', '+cmd', '-2+3', '@SUM(A1)', '\tTAB', '\rCR', '\0NUL', "=HYPERLINK(\"http://x\",\"y\")", '-1+cmd|\' /C calc\'!A0'];
  const harmless = ['-12.5', '+3', '-1e5', '.5', 'a=b', ' =not-leading', ''];

  test('CSV prefixes dangerous cells with an apostrophe, leaves numbers and plain text', async () => {
    const cols = ['v'];
    const rows = [...hostile, ...harmless].map((v) => ({ v }));
    const parsed = parseCsv((await exportTo('csv', cols, [...rows, { v: -7 }])).text).slice(1).map((r) => r[0]);
    assert.deepEqual(parsed, [...hostile.map((v) => `'${v}`), ...harmless, '-7']);
  });

  test('raw mode writes cells exactly', async () => {
    const parsed = parseCsv((await exportTo('csv', ['v'], hostile.map((v) => ({ v })), true)).text).slice(1).map((r) => r[0]);
    assert.deepEqual(parsed, hostile);
  });

  test('header names are defended too', async () => {
    assert.ok((await exportTo('csv', ['=evil'], [])).text.startsWith("'=evil\r\n"));
  });

  test('JSON formats are data, not spreadsheets: no prefix', async () => {
    assert.deepEqual(JSON.parse((await exportTo('json', ['v'], [{ v: '=1+1' }])).text), [{ v: '=1+1' }]);
  });
});

async function readXlsx(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  return wb;
}

describe('XLSX', () => {
  test('round trip with typed values, bold header and defence', async () => {
    const records = [
      { name: 'Widget', price: 12.5, inStock: true, seen: new Date('2026-01-02T03:04:05Z'), note: '=2+2' },
      { name: 'Ünïcödé 日本語 🎉', price: -3, inStock: false, seen: null, note: 'a\nb, "c"' },
      { name: '007', price: '-12.5', inStock: null, seen: undefined, note: { formula: 'A1' } },
      { name: 'bad\u0001char', price: 0, note: '@x' },
    ];
    const cols = ['name', 'price', 'inStock', 'seen', 'note'];
    const out = await exportTo('xlsx', cols, records);
    assert.equal(out.buffer.subarray(0, 2).toString(), 'PK');
    const ws = (await readXlsx(out.buffer)).worksheets[0];
    assert.ok(ws);
    assert.equal(ws.name, 'Data');
    assert.deepEqual((ws.getRow(1).values as unknown[]).slice(1), cols);
    assert.equal(ws.getRow(1).getCell(1).font?.bold, true);
    const row = (n: number): unknown[] => cols.map((_, i) => ws.getRow(n).getCell(i + 1).value);
    assert.deepEqual(row(2), ['Widget', 12.5, true, new Date('2026-01-02T03:04:05Z'), "'=2+2"]);
    assert.equal(ws.getRow(2).getCell(4).numFmt, 'yyyy-mm-dd hh:mm:ss');
    assert.deepEqual(row(3), ['Ünïcödé 日本語 🎉', -3, false, null, 'a\nb, "c"']);
    assert.deepEqual(row(4), ['007', '-12.5', null, null, '{"formula":"A1"}']);
    assert.equal(typeof ws.getRow(3).getCell(2).value, 'number');
    assert.deepEqual(row(5), ['bad\uFFFDchar', 0, null, null, "'@x"]);
    assert.equal(ws.rowCount, 5);
  });

  test('raw mode and custom sheet name', async () => {
    const out = new Collect();
    await writeExport('xlsx', ['v'], [{ v: '=1+1' }], out, { raw: true, sheetName: 'Prices: 2026/01 [EU] with a long name' });
    const ws = (await readXlsx(out.buffer)).worksheets[0];
    assert.equal(ws?.name, 'Prices_ 2026_01 _EU_ with a lon');
    assert.equal(ws?.getRow(2).getCell(1).value, '=1+1');
  });

  test('rows beyond the sheet limit roll over to a new sheet with the header repeated', async () => {
    const out = new Collect();
    const res = await writeXlsx(['i'], Array.from({ length: 7 }, (_, i) => ({ i })), out, { maxRowsPerSheet: 4 });
    assert.equal(res.rows, 7);
    const sheets = (await readXlsx(out.buffer)).worksheets;
    assert.deepEqual(sheets.map((s) => s.name), ['Data', 'Data (2)', 'Data (3)']);
    assert.deepEqual(sheets.map((s) => s.getColumn(1).values.slice(1)), [['i', 0, 1, 2], ['i', 3, 4, 5], ['i', 6]]);
  });
});

describe('formats', () => {
  test('content types and extensions', () => {
    assert.equal(contentTypeFor('csv'), 'text/csv; charset=utf-8; header=present');
    assert.equal(contentTypeFor('xlsx'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.equal(contentTypeFor('ndjson'), 'application/x-ndjson; charset=utf-8');
    assert.equal(contentTypeFor('json'), 'application/json; charset=utf-8');
    assert.deepEqual((['json', 'ndjson', 'csv', 'xlsx'] as const).map(fileExtension), ['json', 'ndjson', 'csv', 'xlsx']);
  });
});
