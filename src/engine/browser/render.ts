/**
 * Renders one URL in Chromium: load, run the agent's commands, paginate in place (load-more /
 * infinite scroll), then hand back the rendered DOM for the ordinary extractor. The whole render is
 * bounded by one deadline: a hung page (busy script, endless load) is closed, not waited on.
 */
import type { BrowserContext, Dialog, Page, Response } from 'playwright-core';
import type { BrowserCommand } from '../../domain/agent-spec.ts';
import { BlockedError, errorMessage, GleanerError, RetryableError } from '../../domain/errors.ts';
import type { RenderedPage } from '../types.ts';
import { egressBlockedCount, type BrowserPool } from './browser-pool.ts';
import { NetworkTracker, paginate, runCommands, surviveNavigation, type ActionContext, type BrowserPagination } from './page-actions.ts';
import { isNavigableUrl } from './request-guard.ts';

export type { BrowserPagination } from './page-actions.ts';

export interface RenderOptions {
  commands?: BrowserCommand[];
  pagination?: BrowserPagination;
  /** CSS selector of one record: lets pagination tell whether new records arrived. */
  recordSelector?: string;
  inputParameters?: Record<string, string>;
  /** Deadline for the whole render (load, commands, pagination, screenshot). Default 60 s. */
  timeoutMs?: number;
  screenshot?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface RenderPageOptions extends RenderOptions {
  /** Only for renderPage, which makes its own context: see AgentSpec.loadMedia. */
  loadMedia?: boolean;
  userAgent?: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** One page in a fresh context of its own (cookies never outlive it). */
export function renderPage(pool: BrowserPool, url: string, opts: RenderPageOptions = {}): Promise<RenderedPage> {
  return pool.withContext(
    { loadMedia: opts.loadMedia, userAgent: opts.userAgent, signal: opts.signal, onBlocked: (u) => opts.log?.(`blocked ${u}`) },
    (ctx) => renderWithContext(ctx, url, opts),
  );
}

/**
 * Where a render gets its tab and gives it back. Opening a tab costs a renderer process start (about
 * 150 ms here, more than loading a small page), so a run keeps its finished tabs and navigates them
 * again (browser-support.ts). `reusable` is false after a timeout, an abort or any failure: that tab is
 * closed, never handed to the next page.
 */
export interface TabSource {
  open(): Promise<Page>;
  release(page: Page, reusable: boolean): Promise<void>;
}

/** A fresh tab per render, closed afterwards. */
export function freshTabs(ctx: BrowserContext): TabSource {
  return { open: () => ctx.newPage(), release: (page) => page.close().catch(() => {}) };
}

/**
 * One page in a context the caller owns, so a run can keep cookies (a login) across many pages. The tab
 * comes from `tabs` (default: a fresh one, closed afterwards).
 */
export async function renderWithContext(ctx: BrowserContext, url: string, opts: RenderOptions = {}, tabs: TabSource = freshTabs(ctx)): Promise<RenderedPage> {
  opts.signal?.throwIfAborted();
  if (!/^https?:\/\//i.test(url)) throw new BlockedError('only http(s) URLs can be rendered', 'scheme');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const page = await tabs.open();
  // The deadline is enforced by closing the tab: every pending Playwright call on it then rejects,
  // including page.evaluate on a renderer stuck in a loop, which has no timeout of its own.
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void page.close().catch(() => {});
      reject(new RetryableError(`render of ${url} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    onAbort = () => {
      void page.close().catch(() => {});
      reject(opts.signal?.reason);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
  const work = render(page, url, opts);
  work.catch(() => {}); // rejected by the closed tab after a timeout/abort: already reported by `stop`
  let ok = false;
  try {
    const result = await Promise.race([work, stop]);
    ok = true;
    return result;
  } finally {
    clearTimeout(timer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    if (ok && !page.isClosed()) await tabs.release(page, true);
    else await page.close().catch(() => {});
  }
}

async function render(page: Page, url: string, opts: RenderOptions): Promise<RenderedPage> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const net = new NetworkTracker(page);
  // Pages the site opens itself (window.open) only cost memory; nothing of ours reads them.
  const onPopup = (p: Page) => void p.close().catch(() => {});
  // beforeunload is accepted: in a reused tab it is the previous page trying to keep us from leaving.
  const onDialog = (d: Dialog) => void (d.type() === 'beforeunload' ? d.accept() : d.dismiss()).catch(() => {});
  // The status of the latest main-frame document: after a login submit it is the list page's.
  let navStatus = 0;
  const onResponse = (r: Response) => {
    if (r.frame() === page.mainFrame() && r.request().isNavigationRequest()) navStatus = r.status();
  };
  page.on('popup', onPopup);
  page.on('dialog', onDialog);
  page.on('response', onResponse);
  try {
    const blockedBefore = egressBlockedCount(page.context());
    let gotoStatus = 0;
    try {
      gotoStatus = (await page.goto(url, { waitUntil: 'load' }))?.status() ?? 0;
    } catch (e) {
      throw navigationError(e, url, egressBlockedCount(page.context()) > blockedBefore);
    }

    const a: ActionContext = { page, net, inputParameters: opts.inputParameters ?? {}, recordSelector: opts.recordSelector, log };
    if (opts.commands?.length) await runCommands(page.mainFrame(), opts.commands, a);
    if (opts.pagination) await paginate(opts.pagination, a);

    // A script may have navigated the tab somewhere that is not a web page (chrome:, file:, data:).
    if (!isNavigableUrl(page.url())) throw new BlockedError('the page navigated to a non-http(s) URL', 'scheme');

    // A command (a login submit) or a script may have navigated since: the latest main-frame document's status wins.
    const status = navStatus || gotoStatus;
    const [html, title] = await surviveNavigation(page, () => Promise.all([page.content(), page.title()]));
    const screenshotPng = opts.screenshot ? await page.screenshot({ fullPage: true, type: 'png' }) : undefined;
    return { url: page.url(), status, html, title, elapsedMs: Date.now() - started, ...(screenshotPng ? { screenshotPng } : {}) };
  } finally {
    // A reused tab must not carry this render's listeners into the next one.
    net.dispose();
    page.off('popup', onPopup);
    page.off('dialog', onDialog);
    page.off('response', onResponse);
  }
}

/** Chromium's net:: codes → our error classes. Never includes resolved addresses. */
function navigationError(e: unknown, url: string, proxyRefused: boolean): unknown {
  if (e instanceof GleanerError) return e;
  const msg = errorMessage(e);
  if (msg.includes('ERR_BLOCKED_BY_CLIENT') || (proxyRefused && /ERR_(HTTP_RESPONSE_CODE_FAILURE|TUNNEL_CONNECTION_FAILED)/.test(msg))) {
    return new BlockedError(`blocked: ${url} (or a redirect from it) is not an allowed address`, 'ssrf');
  }
  const code = /net::(ERR_[A-Z_]+)/.exec(msg)?.[1];
  return new RetryableError(code ? `cannot load ${url}: ${code}` : `cannot load ${url}: ${msg.split('\n')[0]}`, undefined, { cause: e });
}
