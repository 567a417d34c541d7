/**
 * The executor's read side of the frontier: pending requests are read in batches, in seq order, and handed
 * out from memory, so the database is queried when the buffer runs low rather than on every completion.
 * The frontier in the database stays the truth (a takeover or restart resumes from it); this only caches
 * what this worker is about to do. New requests always get a higher seq than any before them, so reading
 * "pending after the highest seq seen" finds exactly what completions have added since.
 */
import type { FrontierRepo, PendingRequest } from '../../storage/repos/frontier-repo.ts';

export class WorkQueue {
  private queue: PendingRequest[] = [];
  /** Highest seq read so far. */
  private readUpTo = 0;
  /** Whether pending rows past readUpTo may exist (a batch came back full, or a completion added requests). */
  private maybeMore = true;
  /** Bumped when a completion adds requests, so a read racing with it does not clear maybeMore. */
  private generation = 0;
  /** Failed attempts waiting out their back-off: kept here, their rows are pending again but behind readUpTo. */
  private readonly retries = new Map<string, { req: PendingRequest; at: number }>();

  constructor(
    private readonly frontier: FrontierRepo,
    private readonly runId: number,
    private readonly batch: number,
  ) {}

  /** A completion committed new requests. */
  grew(): void {
    this.generation++;
    this.maybeMore = true;
  }

  retryLater(req: PendingRequest, at: number): void {
    this.retries.set(req.uniqueKey, { req, at });
  }

  /** Moves due retries to the front and reads the frontier when fewer than `want` requests are buffered. */
  async fill(want: number, busy: (uniqueKey: string) => boolean): Promise<void> {
    const now = Date.now();
    for (const [key, r] of this.retries) {
      if (r.at > now) continue;
      this.retries.delete(key);
      this.queue.unshift(r.req);
    }
    if (this.queue.length >= want || !this.maybeMore) return;
    const gen = this.generation;
    const rows = await this.frontier.pending(this.runId, this.batch, this.readUpTo);
    this.maybeMore = rows.length === this.batch || gen !== this.generation;
    this.accept(rows, busy);
  }

  take(): PendingRequest | undefined {
    return this.queue.shift();
  }

  /** Milliseconds until the earliest retry is due (0 if one is), or null when none is waiting. */
  nextRetryIn(): number | null {
    if (!this.retries.size) return null;
    let at = Infinity;
    for (const r of this.retries.values()) at = Math.min(at, r.at);
    return Math.max(0, at - Date.now());
  }

  /**
   * Before declaring the frontier exhausted: re-reads pending rows from the start, in case some were never
   * seen here (e.g. put back by another process). True when it found work.
   */
  async rescan(busy: (uniqueKey: string) => boolean): Promise<boolean> {
    const rows = await this.frontier.pending(this.runId, this.batch, 0);
    const before = this.queue.length;
    this.accept(rows, busy);
    return this.queue.length > before;
  }

  private accept(rows: PendingRequest[], busy: (uniqueKey: string) => boolean): void {
    const queued = this.queue.length ? new Set(this.queue.map((r) => r.uniqueKey)) : null;
    for (const r of rows) {
      if (r.seq > this.readUpTo) this.readUpTo = r.seq;
      if (!busy(r.uniqueKey) && !this.retries.has(r.uniqueKey) && !queued?.has(r.uniqueKey)) this.queue.push(r);
    }
  }
}

/** Calls `fn` at most once per `ms`; a call inside the window is delivered once at its end. */
export function throttle(fn: () => void, ms: number): () => void {
  let last = 0;
  let timer: NodeJS.Timeout | null = null;
  return () => {
    const now = Date.now();
    if (now - last >= ms) {
      last = now;
      fn();
    } else {
      timer ??= setTimeout(() => {
        timer = null;
        last = Date.now();
        fn();
      }, ms - (now - last));
      timer.unref();
    }
  };
}
