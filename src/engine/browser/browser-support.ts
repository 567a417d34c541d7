/**
 * The run engine's view of the browser: one lazily launched pool per process, one browser context per
 * run (opened on the run's first browser page, closed when the run ends, so cookies never cross runs).
 * A context whose browser crashed is dropped and the page fails as retryable: the executor retries it
 * and the next render gets a fresh context on a relaunched browser.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { parseAgentSpec, type AgentSpec } from '../../domain/agent-spec.ts';
import { GleanerError, RetryableError, errorMessage } from '../../domain/errors.ts';
import type { RunRow } from '../../storage/repos/runs-repo.ts';
import type { NetworkPolicy } from '../types.ts';
import type { PageRenderer } from '../crawl/page-processor.ts';
import { createBrowserPool, type BrowserPool } from './browser-pool.ts';
import { renderWithContext, type TabSource } from './render.ts';

export interface BrowserSupport {
  /** null when the run's engine never needs a browser. */
  rendererFor(run: RunRow, log: (level: 'info' | 'warn' | 'error' | 'debug', m: string) => void, signal: AbortSignal): (PageRenderer & { dispose(): Promise<void> }) | null;
  pool(): BrowserPool;
  close(): Promise<void>;
}

export interface BrowserSupportOptions {
  policy: NetworkPolicy;
  executablePath: string;
  maxContexts?: number;
  /** Stores a page's screenshot as a run file (agents with `screenshots: true`). */
  onScreenshot?: (run: RunRow, pageUrl: string, png: Buffer, n: number) => Promise<void>;
}

/** Finished tabs a run keeps for its next pages; more than its page concurrency is never needed. */
const MAX_IDLE_TABS = 8;
/**
 * Pages one tab renders before it is closed and replaced: a tab's memory (renderer and Playwright's
 * bookkeeping) grows with each navigation, so recycling keeps a long run flat while still sparing most
 * tab starts.
 */
const TAB_MAX_PAGES = 10;

/** Screenshots per run: full-page PNGs are large and stored in the database. */
export const MAX_SCREENSHOTS_PER_RUN = 20;

/**
 * The deadline of one render. Commands and in-page pagination can legitimately take much longer than one
 * request (a hundred scrolls, each waiting for its batch): at least 60 s plus an allowance per step.
 */
export function renderBudgetMs(spec: AgentSpec, kind: 'list' | 'detail'): number {
  const base = spec.limits.requestTimeoutMs;
  const commands = kind === 'list' ? spec.browserCommands : (spec.follow?.browserCommands ?? []);
  const p = kind === 'list' ? spec.pagination : undefined;
  const steps = p?.kind === 'load-more' ? p.maxClicks : p?.kind === 'infinite-scroll' ? p.maxScrolls : 0;
  if (!commands.length && !steps) return base;
  return Math.min(30 * 60_000, Math.max(base, 60_000) + steps * 2_000 + commands.length * 5_000);
}

export function createBrowserSupport(opts: BrowserSupportOptions): BrowserSupport {
  let pool: BrowserPool | null = null;
  const getPool = () => (pool ??= createBrowserPool({ policy: opts.policy, executablePath: opts.executablePath, maxContexts: opts.maxContexts ?? 2 }));
  return {
    pool: getPool,
    rendererFor(run, log, signal) {
      const parsed = parseAgentSpec(JSON.parse(run.spec));
      if (!parsed.ok || parsed.value.engine === 'http') return null;
      const spec: AgentSpec = parsed.value;
      const inputs = run.input_parameters ? (JSON.parse(run.input_parameters) as Record<string, string>) : {};
      let ctxPromise: Promise<BrowserContext> | null = null;
      let release: (() => void) | null = null;
      const holders = new Set<Promise<unknown>>();
      let screenshots = 0;
      const context = () =>
        (ctxPromise ??= new Promise<BrowserContext>((resolve, reject) => {
          const held = getPool()
            .withContext({ loadMedia: spec.loadMedia, userAgent: spec.userAgent, signal, onBlocked: (u, why) => log('warn', `browser request refused: ${u} (${why})`) }, (ctx) => {
              resolve(ctx);
              return new Promise<void>((r) => (release = r));
            })
            .catch(reject);
          holders.add(held);
        }));
      // Finished tabs of this run's context, navigated again by the next pages (render.ts TabSource).
      let idleTabs: Page[] = [];
      const tabUses = new WeakMap<Page, number>();
      const tabsOf = (ctx: BrowserContext): TabSource => ({
        async open() {
          for (let t = idleTabs.pop(); t; t = idleTabs.pop()) if (!t.isClosed() && t.context() === ctx) return t;
          return ctx.newPage();
        },
        async release(page, reusable) {
          const uses = (tabUses.get(page) ?? 0) + 1;
          tabUses.set(page, uses);
          if (reusable && ctxPromise && uses < TAB_MAX_PAGES && idleTabs.length < MAX_IDLE_TABS) idleTabs.push(page);
          else await page.close().catch(() => {});
        },
      });
      /** Gives the (dead) context back to the pool; the next render opens a new one. */
      const dropContext = () => {
        const rel = release as (() => void) | null;
        rel?.();
        release = null;
        ctxPromise = null;
        idleTabs = [];
      };
      return {
        async render(url, o) {
          let ctx: BrowserContext;
          try {
            ctx = await context();
          } catch (e) {
            dropContext();
            if (signal.aborted || o.signal.aborted || e instanceof GleanerError) throw e;
            throw new RetryableError(`cannot open a browser context: ${errorMessage(e)}`, undefined, { cause: e });
          }
          const isList = o.kind === 'list';
          const shoot = spec.screenshots && screenshots < MAX_SCREENSHOTS_PER_RUN && !!opts.onScreenshot;
          if (shoot) screenshots++;
          let r;
          try {
            r = await renderWithContext(ctx, url, {
              commands: isList ? spec.browserCommands : (spec.follow?.browserCommands ?? []),
              pagination: isList && (spec.pagination?.kind === 'load-more' || spec.pagination?.kind === 'infinite-scroll') ? spec.pagination : undefined,
              recordSelector: isList && spec.list?.kind === 'css' ? spec.list.selector : undefined,
              inputParameters: { ...spec.inputParameters, ...inputs },
              timeoutMs: renderBudgetMs(spec, o.kind),
              screenshot: shoot,
              signal: o.signal,
              log: (line: string) => log('debug', line),
            }, tabsOf(ctx));
          } catch (e) {
            if (o.signal.aborted || signal.aborted) throw e;
            if (!ctx.browser()?.isConnected() || /Target (page, context or browser )?(has been )?closed|Browser has been closed|browser has disconnected/i.test(errorMessage(e))) {
              dropContext();
              log('warn', `the browser crashed or was closed while rendering ${url}: a fresh one will retry the page`);
              throw new RetryableError(`the browser crashed or was disconnected while rendering ${url}`, undefined, { cause: e });
            }
            throw e;
          }
          log('info', `browser ${r.status} ${r.url} ${r.elapsedMs} ms`);
          if (r.screenshotPng && opts.onScreenshot) {
            await opts.onScreenshot(run, r.url, r.screenshotPng, screenshots).catch((e: unknown) => log('warn', `screenshot of ${r.url} not stored: ${errorMessage(e)}`));
          }
          return { url: r.url, status: r.status, html: r.html, elapsedMs: r.elapsedMs };
        },
        async dispose() {
          dropContext();
          await Promise.allSettled(holders);
        },
      };
    },
    async close() {
      if (pool) await pool.close();
    },
  };
}
