/**
 * Per-caller API request limits (Sequentum: 100 per 60 s per API key by default). Two implementations behind
 * one interface, chosen in platform.ts by dialect: the embedded single process counts in memory; API servers
 * sharing PostgreSQL count in the database, so N servers behind a load balancer still allow the limit once,
 * not N times.
 */
import type { RateLimitRepo } from '../storage/repos/rate-limit-repo.ts';

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  retryAfterSeconds: number;
}

export interface RateLimiter {
  readonly max: number;
  /** Counts one request of `key` at `now` (epoch ms). */
  hit(key: string, now: number): Promise<RateLimitResult>;
}

/** A window opens at a key's first request after the previous one ended (the behaviour before clusters). */
export class MemoryRateLimiter implements RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(readonly max: number, private readonly windowMs: number) {}

  async hit(key: string, now: number): Promise<RateLimitResult> {
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
      if (this.windows.size > 10_000) this.sweep(now);
    }
    w.count++;
    return result(this.max, w.count, w.start + this.windowMs - now);
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
  }
}

/**
 * Fixed windows aligned to multiples of the window length: servers agree on which window a request falls in
 * without talking to each other (their clocks are NTP-synchronised, as leases already require; skew only shifts
 * a server's boundaries by the skew). The counters are a convenience, not a safety property: when the database
 * does not answer in time the request passes (fail open) rather than every call failing with a 500.
 */
export class DbRateLimiter implements RateLimiter {
  private lastSweep = 0;
  private failing = false;
  /** Key → start of the window in which it went over the limit here: a flood of 429s needs no database writes. */
  private overLimit = new Map<string, number>();

  constructor(
    readonly max: number,
    private readonly windowMs: number,
    private readonly repo: RateLimitRepo,
    private readonly onError: (e: unknown) => void,
    private readonly timeoutMs = 1000,
  ) {}

  async hit(key: string, now: number): Promise<RateLimitResult> {
    const start = now - (now % this.windowMs);
    // A window's count only grows, so once over the limit a key stays over it until the window ends.
    if (this.overLimit.get(key) === start) return result(this.max, this.max + 1, start + this.windowMs - now);
    if (now - this.lastSweep >= this.windowMs) {
      this.lastSweep = now;
      // Keeps the previous window too: a server whose clock lags may still be counting in it.
      void this.repo.sweep(start - this.windowMs).catch(() => {});
      for (const [k, s] of this.overLimit) if (s < start) this.overLimit.delete(k);
    }
    let count: number;
    try {
      count = await withTimeout(this.repo.hit(key, start), this.timeoutMs);
    } catch (e) {
      // One line per outage, not one per request.
      if (!this.failing) this.onError(new Error(`rate limit counters unavailable, requests pass unlimited until the database answers: ${e instanceof Error ? e.message : String(e)}`));
      this.failing = true;
      return result(this.max, 1, start + this.windowMs - now);
    }
    this.failing = false;
    if (count > this.max) this.overLimit.set(key, start);
    return result(this.max, count, start + this.windowMs - now);
  }
}

function result(max: number, count: number, msLeft: number): RateLimitResult {
  return { allowed: count <= max, remaining: Math.max(0, max - count), retryAfterSeconds: Math.max(1, Math.ceil(msLeft / 1000)) };
}

// A connection attempt to an unreachable host can hang for minutes (the pool sets no connect timeout).
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
