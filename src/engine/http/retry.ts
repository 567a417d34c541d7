/**
 * Retry with exponential back-off and full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter": full
 * jitter spreads synchronized clients best). Only RetryableError is retried: the error classes encode the decision.
 */
import { RetryableError } from '../../domain/errors.ts';

export interface RetryOptions {
  /** Retries after the first attempt; 0 means a single attempt. */
  maxRetries: number;
  /** @defaultValue 500 */
  baseDelayMs?: number;
  /**
   * Cap on the back-off. A Retry-After longer than this is not waited out: the error is rethrown so a hostile or
   * overloaded server cannot park a worker for an hour; the caller may reschedule instead. @defaultValue 30000
   */
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called before each wait; `attempt` is the 1-based attempt that just failed. */
  onRetry?: (err: RetryableError, attempt: number, delayMs: number) => void;
  /** Injectable for tests: returns [0, 1). @defaultValue Math.random */
  random?: () => number;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The delay before retry number `retry` (1-based): max(Retry-After, random in [0, min(cap, base·2^(retry-1))]). */
export function backoffDelay(retry: number, err: RetryableError, opts: RetryOptions): number {
  const base = opts.baseDelayMs ?? 500;
  const cap = opts.maxDelayMs ?? 30_000;
  const ceiling = Math.min(cap, base * 2 ** (retry - 1));
  const jittered = Math.floor((opts.random ?? Math.random)() * ceiling);
  return Math.max(jittered, err.retryAfterMs ?? 0);
}

/**
 * Calls `fn(attempt)` (attempt is 1-based) until it resolves, throws something other than RetryableError, or
 * `maxRetries` retries are spent, in which case the last error is rethrown. Aborting `signal` rejects with its reason.
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const cap = opts.maxDelayMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(err instanceof RetryableError) || attempt > opts.maxRetries) throw err;
      if (opts.signal?.aborted) throw opts.signal.reason;
      if ((err.retryAfterMs ?? 0) > cap) throw err;
      const delay = backoffDelay(attempt, err, opts);
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
