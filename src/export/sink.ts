/**
 * Buffered, backpressure-aware writing to any Writable. Rows are small strings; batching them into ~64 KiB
 * chunks keeps per-write overhead low, and awaiting 'drain' keeps memory flat when the client reads slowly.
 */

const FLUSH_AT_CHARS = 64 * 1024;

type Out = NodeJS.WritableStream & { destroyed?: boolean; writableNeedDrain?: boolean };

export class OutputClosedError extends Error {
  constructor() {
    super('export output was closed before the export finished');
    this.name = 'OutputClosedError';
  }
}

/** Resolves on 'drain'; rejects if the stream errors or closes first, so a gone client never hangs an export. */
export function waitForDrain(out: Out): Promise<void> {
  if (out.destroyed) return Promise.reject(new OutputClosedError());
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      out.removeListener('drain', onDrain);
      out.removeListener('error', onError);
      out.removeListener('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(new OutputClosedError());
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

/** Writes one chunk, waiting if the stream asks us to; returns the bytes written. */
export async function writeChunk(out: Out, chunk: Buffer): Promise<number> {
  if (out.destroyed) throw new OutputClosedError();
  if (!out.write(chunk)) await waitForDrain(out);
  return chunk.length;
}

export class TextSink {
  bytes = 0;
  private parts: string[] = [];
  private chars = 0;

  constructor(private readonly out: Out) {}

  /** Queues text; true means a batch is full and the caller should await flush() before producing more. */
  push(text: string): boolean {
    this.parts.push(text);
    this.chars += text.length;
    return this.chars >= FLUSH_AT_CHARS;
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.chars = 0;
    this.bytes += await writeChunk(this.out, chunk);
  }
}
