/**
 * Per-host politeness: at most `maxConcurrent` requests in flight and at least `minDelayMs` between request STARTS,
 * granted strictly first-come first-served. The interface is deliberately tiny so a DB-backed limiter (shared by
 * a cluster of workers) can implement it later.
 */

export interface HostLimitOptions {
  /** Minimum spacing between the starts of two requests to this host (e.g. robots.txt Crawl-delay). */
  minDelayMs: number;
  /** Maximum requests to this host in flight at once. */
  maxConcurrent: number;
}

export interface HostLimiter {
  /**
   * Waits for a slot on `host`, then resolves with `release`, which must be called exactly once when the request
   * ends (extra calls are ignored). Aborting `signal` while waiting rejects with its reason and gives up the place.
   */
  acquire(host: string, opts: HostLimitOptions, signal?: AbortSignal): Promise<() => void>;
}

interface Waiter {
  opts: HostLimitOptions;
  grant: (release: () => void) => void;
}

interface HostState {
  queue: Waiter[];
  inFlight: number;
  /** performance.now() of the last granted start; spacing is measured from starts, not ends. */
  lastStart: number;
  /** minDelayMs of the last grant: an idle host is remembered at least that long, or spacing would reset. */
  lastDelay: number;
  timer: NodeJS.Timeout | undefined;
  forget: NodeJS.Timeout | undefined;
}

/** In-process HostLimiter; one per worker process. */
export function createHostLimiter(now: () => number = () => performance.now()): HostLimiter {
  const hosts = new Map<string, HostState>();

  // Forget idle hosts once their spacing has elapsed, so long crawls over many hosts do not leak memory.
  function scheduleForget(host: string, state: HostState): void {
    if (state.forget) clearTimeout(state.forget);
    const ms = Math.max(0, state.lastStart + state.lastDelay - now());
    state.forget = setTimeout(() => {
      state.forget = undefined;
      if (state.queue.length === 0 && state.inFlight === 0 && hosts.get(host) === state) hosts.delete(host);
    }, Math.ceil(ms));
    state.forget.unref();
  }

  function pump(host: string, state: HostState): void {
    if (state.timer) return; // a wake-up is already scheduled and will pump again
    for (;;) {
      const head = state.queue[0];
      if (!head) {
        if (state.inFlight === 0) scheduleForget(host, state);
        return;
      }
      if (state.inFlight >= Math.max(1, head.opts.maxConcurrent)) return; // a release will pump
      const wait = state.lastStart + head.opts.minDelayMs - now();
      if (wait > 0) {
        state.timer = setTimeout(() => {
          state.timer = undefined;
          pump(host, state);
        }, Math.ceil(wait));
        return;
      }
      state.queue.shift();
      state.inFlight++;
      state.lastStart = now();
      state.lastDelay = head.opts.minDelayMs;
      let released = false;
      head.grant(() => {
        if (released) return;
        released = true;
        state.inFlight--;
        pump(host, state);
      });
    }
  }

  return {
    acquire(host, opts, signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const key = host.toLowerCase();
        let state = hosts.get(key);
        if (!state) {
          state = { queue: [], inFlight: 0, lastStart: Number.NEGATIVE_INFINITY, lastDelay: 0, timer: undefined, forget: undefined };
          hosts.set(key, state);
        }
        if (state.forget) {
          clearTimeout(state.forget);
          state.forget = undefined;
        }
        const s = state;
        const onAbort = (): void => {
          const i = s.queue.indexOf(waiter);
          if (i >= 0) s.queue.splice(i, 1);
          // The head may have left: the next waiter could be startable now, or its timer now stale.
          if (i === 0 && s.timer) {
            clearTimeout(s.timer);
            s.timer = undefined;
          }
          reject(signal?.reason);
          pump(key, s);
        };
        const waiter: Waiter = {
          opts,
          grant: (release) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(release);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        s.queue.push(waiter);
        pump(key, s);
      });
    },
  };
}
