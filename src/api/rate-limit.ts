/**
 * Fixed-window request limits per API key (Sequentum: 100 per 60 s by default). In-process: with several
 * API servers each enforces its own window, so a cluster allows up to N× the limit (documented).
 */
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(readonly max: number, private readonly windowMs: number, private readonly now: () => number = Date.now) {}

  hit(key: string): { allowed: boolean; remaining: number; retryAfterSeconds: number } {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      w = { start: t, count: 0 };
      this.windows.set(key, w);
      if (this.windows.size > 10_000) this.sweep(t);
    }
    w.count++;
    const allowed = w.count <= this.max;
    return { allowed, remaining: Math.max(0, this.max - w.count), retryAfterSeconds: Math.max(1, Math.ceil((w.start + this.windowMs - t) / 1000)) };
  }

  private sweep(t: number): void {
    for (const [k, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(k);
  }
}
