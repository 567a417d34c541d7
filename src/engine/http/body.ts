/**
 * Streams a response body through its content decoders while counting the DECOMPRESSED bytes, so a 50 KB gzip of
 * 50 MiB of zeros stops at the cap instead of filling memory (Scrapy CVE-2024-3572 checked only the wire size;
 * CVE-2025-6176 forgot brotli). Content-Length is ignored on purpose: it can lie.
 */
import { Readable, pipeline as streamPipeline } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { NonRetryableError } from '../../domain/errors.ts';

/** undici CVE-2026-22036: unbounded `gzip, gzip, …` chains. Two is the most any real server sends. */
export const MAX_CONTENT_ENCODINGS = 2;

/** The body was larger than the cap. `partial` holds the first `maxBytes` bytes (robots.txt parses those, RFC 9309). */
export class ResponseTooLargeError extends NonRetryableError {
  constructor(message: string, readonly partial: Buffer) {
    super(message);
  }
}

export interface BodyResult {
  body: Buffer;
  wireBytes: number;
}

type Stage = (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>;

/** `gzip, br` → ['gzip', 'br'] in the order they were applied; identity dropped. */
export function parseContentEncoding(header: string | undefined): string[] {
  if (!header) return [];
  const codings = header.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s && s !== 'identity');
  if (codings.length > MAX_CONTENT_ENCODINGS) {
    throw new NonRetryableError(`Refusing ${codings.length} stacked content-encodings (max ${MAX_CONTENT_ENCODINGS})`);
  }
  for (const c of codings) {
    if (!['gzip', 'x-gzip', 'deflate', 'br'].includes(c)) throw new NonRetryableError(`Unsupported content-encoding: ${c}`);
  }
  return codings;
}

function makeDecoder(coding: string, firstChunk: Buffer): zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress {
  // SYNC_FLUSH tolerates truncated streams the way browsers do instead of failing the whole page.
  const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  switch (coding) {
    case 'br':
      return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
    case 'deflate':
      // "deflate" should be zlib-wrapped (RFC 9110) but some servers send raw deflate; the zlib header's low nibble is 8.
      return ((firstChunk[0] ?? 0) & 0x0f) === 0x08 ? zlib.createInflate(flush) : zlib.createInflateRaw(flush);
    default:
      return zlib.createGunzip(flush);
  }
}

/** A pipeline stage that creates its decoder lazily, so an empty body with a Content-Encoding is just empty. */
function decodeStage(coding: string): Stage {
  return async function* (source) {
    const it = source[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) return;
    const firstChunk = first.value;
    const rest = async function* () {
      yield firstChunk;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    };
    const decoder = makeDecoder(coding, firstChunk);
    // pipeline() forwards upstream errors into the decoder (so the loop below throws them) and tears both down
    // when the consumer stops early; its own callback error is already seen through the decoder.
    streamPipeline(Readable.from(rest()), decoder, () => undefined);
    yield* decoder as AsyncIterable<Buffer>;
  };
}

/**
 * Reads `body` fully, decoding `contentEncoding`, and throws ResponseTooLargeError once more than `maxBytes`
 * decoded bytes have arrived. `counters.wireBytes` is updated as bytes arrive, so callers see it even on failure.
 */
export async function readBody(
  body: AsyncIterable<Buffer | Uint8Array> & Readable,
  contentEncoding: string | undefined,
  maxBytes: number,
  signal: AbortSignal,
  counters: { wireBytes: number } = { wireBytes: 0 },
): Promise<BodyResult> {
  const codings = parseContentEncoding(contentEncoding);
  const chunks: Buffer[] = [];
  let total = 0;

  const countWire: Stage = async function* (source) {
    for await (const chunk of source) {
      counters.wireBytes += chunk.length;
      yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    }
  };
  const collect = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      if (total + chunk.length > maxBytes) {
        chunks.push(chunk.subarray(0, maxBytes - total));
        throw new ResponseTooLargeError(`Response body exceeds ${maxBytes} bytes (decompressed)`, Buffer.concat(chunks));
      }
      total += chunk.length;
      chunks.push(chunk);
    }
  };

  if (!codings.length) {
    // No decoders: a plain loop. pipeline() allocates an AbortController (and a DOMException when it tears
    // down) per call, which costs more than reading a typical page. Throwing out of the loop destroys the
    // body; an abort of `signal` destroys it from undici's side and the loop throws.
    signal.throwIfAborted();
    await collect(countWire(body as AsyncIterable<Buffer>));
    return { body: Buffer.concat(chunks, total), wireBytes: counters.wireBytes };
  }
  // Decoders run in reverse of the order the encodings were applied.
  const stages = codings.reverse().map(decodeStage);
  // pipeline's overloads cannot express a variable number of stages.
  await (pipeline as (...args: unknown[]) => Promise<void>)(body, countWire, ...stages, collect, { signal });
  return { body: Buffer.concat(chunks, total), wireBytes: counters.wireBytes };
}
