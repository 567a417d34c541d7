/**
 * One shared Chromium per process, and a bounded number of short-lived contexts on it. A context is the
 * unit of isolation: each run (or single render) gets a fresh one, with its own cookies and storage,
 * closed when it ends (reliability.md §7). Launching Chromium costs ~1 s, a context ~20 ms, hence this
 * split. The browser is launched lazily and relaunched after a crash or disconnect.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { GleanerError, RetryableError } from '../../domain/errors.ts';
import type { NetworkPolicy } from '../types.ts';
import { startEgressProxy, type EgressProxy } from './egress-proxy.ts';
import { createRequestGuard, installGuards, type LookupAll } from './request-guard.ts';

export const DEFAULT_CHROMIUM_PATH = '/usr/lib/chromium/chromium';

/** engineering.md §2.8. `--no-sandbox` is needed as root (CI); production sandboxing: reliability.md §7. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface BrowserPoolOptions {
  policy: NetworkPolicy;
  executablePath?: string;
  /** Contexts open at once; callers beyond it wait. Each context costs tens of MB. */
  maxContexts?: number;
  /** Default timeout for every page action and navigation in a context. */
  pageTimeoutMs?: number;
  /** For tests (e.g. a resolver that maps names to loopback); default: dns.lookup. */
  lookup?: LookupAll;
  launchTimeoutMs?: number;
}

export interface ContextOptions {
  loadMedia?: boolean;
  /** Aborting closes the context at once; pending page calls then reject. */
  signal?: AbortSignal;
  userAgent?: string;
  /** Refused requests, e.g. for the run log. */
  onBlocked?: (url: string, reason: string) => void;
}

export interface BrowserPoolStats {
  /** Whether a browser process is currently connected. */
  browserConnected: boolean;
  launches: number;
  contextsCreated: number;
  contextsClosed: number;
  /** Contexts handed out and not yet closed. */
  openContexts: number;
  /** Contexts Chromium itself reports open (0 when idle: nothing leaked). */
  browserContexts: number;
  waiting: number;
  /** Connections the egress proxy refused (redirect hops, websockets, anything the routes missed). */
  proxyBlocked: number;
}

export interface BrowserPool {
  withContext<T>(opts: ContextOptions, fn: (ctx: BrowserContext) => Promise<T>): Promise<T>;
  stats(): BrowserPoolStats;
  close(): Promise<void>;
}

/**
 * Per context: how many connections the pool's egress proxy has refused so far. The proxy cannot tell
 * contexts apart, so render compares this before/after a failed navigation to call it BlockedError.
 */
const blockedCounters = new WeakMap<BrowserContext, () => number>();
export function egressBlockedCount(ctx: BrowserContext): number {
  return blockedCounters.get(ctx)?.() ?? 0;
}

/** Closing a context whose renderer is wedged can hang; after this we give up on the whole browser. */
const CONTEXT_CLOSE_DEADLINE_MS = 5_000;

export function createBrowserPool(opts: BrowserPoolOptions): BrowserPool {
  const executablePath = opts.executablePath ?? process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH;
  const maxContexts = Math.max(1, opts.maxContexts ?? 2);
  const pageTimeoutMs = opts.pageTimeoutMs ?? 30_000;
  const guard = createRequestGuard(opts.policy, { lookup: opts.lookup });

  let proxy: Promise<EgressProxy> | null = null;
  let proxyRef: EgressProxy | null = null;
  let browser: Browser | null = null;
  let launching: Promise<Browser> | null = null;
  let closed = false;
  let launches = 0;
  let created = 0;
  let closedCount = 0;
  let active = 0;
  const waiters: Array<() => void> = [];

  async function getBrowser(): Promise<Browser> {
    if (browser?.isConnected()) return browser;
    browser = null;
    launching ??= launch().finally(() => {
      launching = null;
    });
    return launching;
  }

  async function launch(): Promise<Browser> {
    let b: Browser;
    // One proxy for the pool's lifetime; it survives browser relaunches.
    proxy ??= startEgressProxy(guard).catch((e: unknown) => {
      proxy = null; // let the next launch try again
      throw e;
    });
    const egress = await proxy;
    proxyRef = egress;
    // Loaded here, not at module top: playwright-core is ~30% of the server's start-up, and most
    // processes (CLI, HTTP-only runs) never launch a browser.
    const { chromium } = await import('playwright-core');
    try {
      b = await chromium.launch({
        executablePath,
        proxy: { server: egress.url },
        args: CHROMIUM_ARGS,
        headless: true,
        timeout: opts.launchTimeoutMs ?? 30_000,
        // The server owns shutdown (it calls close()); Playwright still kills the child on process exit.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
    } catch (e) {
      throw new RetryableError(`cannot launch Chromium at ${executablePath}`, undefined, { cause: e });
    }
    launches++;
    if (closed) {
      await b.close().catch(() => {});
      throw new GleanerError('browser pool is closed');
    }
    // A crash or kill shows up as 'disconnected'; forget it so the next call relaunches.
    b.on('disconnected', () => {
      if (browser === b) browser = null;
    });
    browser = b;
    return b;
  }

  async function acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (active < maxContexts) {
      active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        active++;
        resolve();
      };
      const onAbort = () => {
        const i = waiters.indexOf(wake);
        if (i >= 0) waiters.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiters.push(wake);
    });
  }

  function release(): void {
    active--;
    waiters.shift()?.();
  }

  async function newContext(o: ContextOptions): Promise<BrowserContext> {
    let b = await getBrowser();
    let ctx: BrowserContext;
    try {
      ctx = await b.newContext(contextOptions(o));
    } catch (e) {
      // The browser may have died between isConnected() and newContext(): one relaunch, then give up.
      if (b.isConnected()) throw e;
      b = await getBrowser();
      ctx = await b.newContext(contextOptions(o));
    }
    created++;
    blockedCounters.set(ctx, () => proxyRef?.blocked() ?? 0);
    ctx.setDefaultTimeout(pageTimeoutMs);
    ctx.setDefaultNavigationTimeout(pageTimeoutMs);
    try {
      await installGuards(ctx, guard, { loadMedia: o.loadMedia ?? false, onBlocked: o.onBlocked });
    } catch (e) {
      await closeContext(ctx, b);
      throw e;
    }
    return ctx;
  }

  function contextOptions(o: ContextOptions) {
    return {
      // Page-level routing misses service-worker traffic: no service workers at all.
      serviceWorkers: 'block' as const,
      acceptDownloads: false,
      userAgent: o.userAgent,
    };
  }

  async function closeContext(ctx: BrowserContext, b: Browser): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      ctx.close().then(
        () => true,
        () => true, // already closed (abort, crash): fine
      ),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), CONTEXT_CLOSE_DEADLINE_MS))),
    ]);
    clearTimeout(timer);
    closedCount++;
    if (!done) {
      // A wedged renderer: kill the browser (reliability.md §7) so the slot and memory come back.
      if (browser === b) browser = null;
      void b.close().catch(() => {});
    }
  }

  return {
    async withContext<T>(o: ContextOptions, fn: (ctx: BrowserContext) => Promise<T>): Promise<T> {
      if (closed) throw new GleanerError('browser pool is closed');
      await acquire(o.signal);
      let ctx: BrowserContext | undefined;
      let owner: Browser | null = null;
      try {
        o.signal?.throwIfAborted();
        ctx = await newContext(o);
        owner = ctx.browser();
        return await runAbortable(ctx, fn, o.signal);
      } catch (e) {
        throw o.signal?.aborted ? o.signal.reason : translateCrash(e, owner);
      } finally {
        if (ctx && owner) await closeContext(ctx, owner);
        release();
      }
    },

    stats(): BrowserPoolStats {
      return {
        browserConnected: browser?.isConnected() ?? false,
        launches,
        contextsCreated: created,
        contextsClosed: closedCount,
        openContexts: created - closedCount,
        browserContexts: browser?.isConnected() ? browser.contexts().length : 0,
        waiting: waiters.length,
        proxyBlocked: proxyRef?.blocked() ?? 0,
      };
    },

    async close(): Promise<void> {
      closed = true;
      const b = browser ?? (launching ? await launching.catch(() => null) : null);
      browser = null;
      await b?.close().catch(() => {});
      await (await proxy?.catch(() => null))?.close();
    },
  };
}

/** Runs fn, but settles as soon as the signal aborts, closing the context so fn's pending calls fail fast. */
async function runAbortable<T>(ctx: BrowserContext, fn: (ctx: BrowserContext) => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return fn(ctx);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      void ctx.close().catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const work = fn(ctx);
  work.catch(() => {}); // its rejection after an abort is expected and already reported
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** A browser that died under a call is a transient failure: the next call gets a fresh one. */
function translateCrash(e: unknown, b: Browser | null): unknown {
  if (e instanceof GleanerError) return e;
  if (b && !b.isConnected()) return new RetryableError('the browser crashed or was disconnected', undefined, { cause: e });
  return e;
}
