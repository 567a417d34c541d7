import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { writeExport, type ExportFormat } from '../../../src/export/write-export.ts';

const ROWS = 100_000;
const columns = ['id', 'name', 'price', 'url'];

/** A consumer slower than the producer: each chunk is acknowledged on a later tick, with a small buffer. */
function slowSink(onChunk: (chunk: Buffer) => void): Writable {
  return new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      onChunk(chunk);
      setImmediate(cb);
    },
  });
}

function countNewlines(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}

describe('100k rows stream with bounded memory', () => {
  for (const format of ['csv', 'json', 'ndjson'] as const) {
    test(`${format}: the producer never runs far ahead of a slow consumer`, async () => {
      let produced = 0;
      let linesReceived = 0;
      let maxLag = 0;
      function* rows(): Generator<Record<string, unknown>> {
        for (let i = 0; i < ROWS; i++) {
          produced++;
          maxLag = Math.max(maxLag, produced - linesReceived);
          yield { id: i, name: `item ${i}`, price: i * 1.25, url: `https://example.com/p/${i}` };
        }
      }
      const out = slowSink((chunk) => (linesReceived += countNewlines(chunk)));
      const res = await writeExport(format, columns, rows(), out);
      assert.equal(res.rows, ROWS);
      // Buffering everything would give a lag of 100k; streaming keeps it to a couple of 64 KiB batches.
      assert.ok(maxLag < 10_000, `producer ran ${maxLag} rows ahead`);
    });
  }

  test('xlsx: bytes reach the consumer while rows are still being produced', async () => {
    let received = 0;
    let receivedAtHalf = -1;
    function* rows(): Generator<Record<string, unknown>> {
      for (let i = 0; i < ROWS; i++) {
        if (i === ROWS / 2) receivedAtHalf = received;
        yield { id: i, name: `item ${i}`, price: i * 1.25, url: `https://example.com/p/${i}` };
      }
    }
    const out = slowSink((c) => (received += c.length));
    const res = await writeExport('xlsx', columns, rows(), out);
    assert.equal(res.rows, ROWS);
    // writeExport leaves `out` open; what it counted is what `out` holds once the caller ends it.
    await new Promise((resolve) => out.end(resolve));
    assert.equal(res.bytes, received);
    assert.ok(receivedAtHalf > res.bytes / 4, `only ${receivedAtHalf} of ${res.bytes} bytes out at the halfway row`);
  });
});

describe('a consumer that goes away', () => {
  for (const format of ['csv', 'json', 'ndjson', 'xlsx'] as ExportFormat[]) {
    for (const kind of ['sync', 'async'] as const) {
      test(`${format}: rejects and releases a ${kind} record source`, async () => {
        let released = false;
        const record = (i: number): Record<string, unknown> => ({ id: i, name: 'x'.repeat(100), price: i, url: 'u' });
        function* syncRows(): Generator<Record<string, unknown>> {
          try {
            for (let i = 0; ; i++) yield record(i);
          } finally {
            released = true;
          }
        }
        async function* asyncRows(): AsyncGenerator<Record<string, unknown>> {
          yield* syncRows();
        }
        let seen = 0;
        const out: Writable = slowSink((chunk) => {
          seen += chunk.length;
          if (seen > 200_000) out.destroy();
        });
        await assert.rejects(writeExport(format, columns, kind === 'sync' ? syncRows() : asyncRows(), out));
        assert.equal(released, true);
      });
    }
  }
});
