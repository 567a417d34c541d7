/**
 * The run engine's view of the browser: one lazily launched pool per process, one browser context per
 * run (opened on the run's first browser page, closed when the run ends, so cookies never cross runs).
 */
import type { BrowserContext } from 'playwright-core';
import { parseAgentSpec, type AgentSpec } from '../../domain/agent-spec.ts';
import type { RunRow } from '../../storage/repos/runs-repo.ts';
import type { NetworkPolicy } from '../types.ts';
import type { PageRenderer } from '../crawl/page-processor.ts';
import { createBrowserPool, type BrowserPool } from './browser-pool.ts';
import { renderWithContext } from './render.ts';

export interface BrowserSupport {
  /** null when the run's engine never needs a browser. */
  rendererFor(run: RunRow, log: (level: 'info' | 'warn' | 'error' | 'debug', m: string) => void, signal: AbortSignal): (PageRenderer & { dispose(): Promise<void> }) | null;
  pool(): BrowserPool;
  close(): Promise<void>;
}

export function createBrowserSupport(opts: { policy: NetworkPolicy; executablePath: string; maxContexts?: number }): BrowserSupport {
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
      let finished: Promise<unknown> | null = null;
      const context = () =>
        (ctxPromise ??= new Promise<BrowserContext>((resolve, reject) => {
          finished = getPool()
            .withContext({ loadMedia: spec.loadMedia, signal, onBlocked: (u, why) => log('warn', `browser request refused: ${u} (${why})`) }, (ctx) => {
              resolve(ctx);
              return new Promise<void>((r) => (release = r));
            })
            .catch(reject);
        }));
      return {
        async render(url, o) {
          const ctx = await context();
          const isList = o.kind === 'list';
          const r = await renderWithContext(ctx, url, {
            commands: isList ? spec.browserCommands : (spec.follow?.browserCommands ?? []),
            pagination: isList && (spec.pagination?.kind === 'load-more' || spec.pagination?.kind === 'infinite-scroll') ? spec.pagination : undefined,
            recordSelector: isList && spec.list?.kind === 'css' ? spec.list.selector : undefined,
            inputParameters: { ...spec.inputParameters, ...inputs },
            timeoutMs: spec.limits.requestTimeoutMs,
            signal: o.signal,
            log: (line: string) => log('debug', line),
          });
          log('info', `browser ${r.status} ${r.url} ${r.elapsedMs} ms`);
          return { url: r.url, status: r.status, html: r.html, elapsedMs: r.elapsedMs };
        },
        async dispose() {
          const rel = release as (() => void) | null;
          rel?.();
          if (finished) await finished;
        },
      };
    },
    async close() {
      if (pool) await pool.close();
    },
  };
}
