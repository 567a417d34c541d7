/**
 * What a browser agent does to a page between load and extraction: the AgentSpec's BrowserCommands and
 * the two in-browser pagination kinds. Waiting is driven by our own network tracker and by growth of
 * the page (record count or element count), never by fixed sleeps alone, so fast sites stay fast.
 */
import type { Frame, Page, Request } from 'playwright-core';
import type { BrowserCommand, PaginationSpec } from '../../domain/agent-spec.ts';
import { errorMessage, GleanerError, NonRetryableError, RetryableError } from '../../domain/errors.ts';

export type BrowserPagination = Extract<PaginationSpec, { kind: 'load-more' | 'infinite-scroll' }>;

export interface ActionContext {
  page: Page;
  net: NetworkTracker;
  inputParameters: Record<string, string>;
  /** Counts records while paginating; without it the page's element count is the growth measure. */
  recordSelector?: string;
  log: (line: string) => void;
}

/** Counts in-flight requests of a page; Playwright's 'networkidle' fires once per navigation only. */
export class NetworkTracker {
  private inflight = 0;
  private lastChange = Date.now();

  private readonly up = () => {
    this.inflight++;
    this.lastChange = Date.now();
  };
  private readonly down = () => {
    this.inflight = Math.max(0, this.inflight - 1);
    this.lastChange = Date.now();
  };

  constructor(private readonly page: Page) {
    page.on('request', this.up);
    page.on('requestfinished', this.down);
    page.on('requestfailed', this.down);
  }

  /** Stops counting (a reused tab gets a new tracker for its next render). */
  dispose(): void {
    this.page.off('request', this.up);
    this.page.off('requestfinished', this.down);
    this.page.off('requestfailed', this.down);
  }

  /** Quiet: nothing in flight for `quietMs`. */
  isQuiet(quietMs: number): boolean {
    return this.inflight === 0 && Date.now() - this.lastChange >= quietMs;
  }

  /** Resolves true once quiet for `quietMs`, false when `timeoutMs` passes first. */
  async waitIdle(quietMs: number, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.isQuiet(quietMs)) {
      if (Date.now() >= end) return false;
      await sleep(50);
    }
    return true;
  }
}

export async function runCommands(frame: Frame, commands: BrowserCommand[], a: ActionContext): Promise<void> {
  for (const [i, cmd] of commands.entries()) {
    try {
      await runCommand(frame, cmd, a);
    } catch (e) {
      if (e instanceof GleanerError) throw e;
      // Timeouts and detached elements are usually a slow or changing page: worth a retry.
      throw new RetryableError(`browser command ${i + 1} (${describe(cmd)}) failed: ${firstLine(scrub(e, cmd, a))}`, undefined, {
        cause: isSecret(cmd) ? undefined : e,
      });
    }
  }
}

async function runCommand(frame: Frame, cmd: BrowserCommand, a: ActionContext): Promise<void> {
  a.log(describe(cmd));
  switch (cmd.action) {
    case 'wait-for-selector':
      await frame.locator(cmd.selector).first().waitFor({ state: 'attached', timeout: cmd.timeoutMs });
      return;
    case 'wait-for-network-idle':
      // Not fatal: pages with analytics beacons or long polling never go fully quiet.
      if (!(await a.net.waitIdle(500, cmd.timeoutMs))) a.log(`network still busy after ${cmd.timeoutMs} ms, going on`);
      return;
    case 'wait':
      await sleep(cmd.ms);
      return;
    case 'click': {
      const target = frame.locator(cmd.selector).first();
      if (cmd.optional && (await target.count()) === 0) {
        a.log(`  ${cmd.selector} absent, skipped`);
        return;
      }
      await withNavigation(a, () => target.click());
      return;
    }
    case 'scroll':
      for (let n = 0; n < cmd.times; n++) {
        await scrollToBottom(a.page, frame);
        await a.net.waitIdle(300, 2_000);
      }
      return;
    case 'type': {
      const value = cmd.value ?? (cmd.fromInput !== undefined ? a.inputParameters[cmd.fromInput] : undefined);
      if (value === undefined) {
        throw new NonRetryableError(
          cmd.fromInput !== undefined ? `input parameter "${cmd.fromInput}" is not set` : `type into ${cmd.selector}: no value or fromInput`,
        );
      }
      await frame.locator(cmd.selector).first().fill(value);
      return;
    }
    case 'select':
      await frame.locator(cmd.selector).first().selectOption(cmd.value);
      return;
    case 'submit': {
      const target = frame.locator(cmd.selector).first();
      // A <form> is submitted as a user would (validation, submit handlers); anything else is clicked.
      const isForm = await target.evaluate((el) => el.tagName === 'FORM');
      // requestSubmit is deferred a tick: a navigation started inside evaluate destroys its context and
      // fails the call ("Execution context was destroyed") even though the submit worked. A submit almost
      // always navigates, so a loaded machine gets a second and a half to start it.
      await withNavigation(a, () => (isForm ? target.evaluate((el) => void setTimeout(() => (el as HTMLFormElement).requestSubmit(), 0)) : target.click()), true);
      return;
    }
    case 'in-frame': {
      const handle = await frame.locator(cmd.frameSelector).first().elementHandle();
      const inner = await handle?.contentFrame();
      if (!inner) throw new RetryableError(`no frame at ${cmd.frameSelector}`);
      await inner.waitForLoadState('load');
      await runCommands(inner, cmd.commands as BrowserCommand[], a);
      return;
    }
  }
}

/**
 * Runs an action that may or may not navigate (a submit button, a link). If the main frame starts a
 * navigation soon after, wait for its load; otherwise return promptly.
 */
async function withNavigation(a: ActionContext, act: () => Promise<unknown>, expectNavigation = false): Promise<void> {
  let navigated = false;
  // A navigation request (e.g. a form POST) starts well before the frame commits; once one started, wait
  // for the commit: reading the old document meanwhile fails with "Execution context was destroyed".
  let started = false;
  const onNav = (f: Frame) => {
    if (f === a.page.mainFrame()) navigated = true;
  };
  const onRequest = (r: Request) => {
    if (r.isNavigationRequest() && r.frame() === a.page.mainFrame()) started = true;
  };
  a.page.on('framenavigated', onNav);
  a.page.on('request', onRequest);
  try {
    await act();
    // A JS-driven submit navigates a tick later; give it a moment to start before deciding. The network
    // is quiet in that tick (the request is not issued yet), so quiet alone never ends the wait early.
    const t0 = Date.now();
    const settled = () => !expectNavigation && Date.now() - t0 >= 200 && a.net.isQuiet(200);
    while (!navigated && !started && Date.now() - t0 < (expectNavigation ? 1_500 : 500) && !settled()) await sleep(50);
    const commitBy = Date.now() + 30_000;
    while (started && !navigated && Date.now() < commitBy && !a.page.isClosed()) await sleep(50);
    if (navigated) await a.page.waitForLoadState('load');
  } finally {
    a.page.off('framenavigated', onNav);
    a.page.off('request', onRequest);
  }
}

/** Clicks a load-more button or scrolls until the page stops growing; returns the number of steps taken. */
export async function paginate(p: BrowserPagination, a: ActionContext): Promise<number> {
  const frame = a.page.mainFrame();
  let steps = 0;
  if (p.kind === 'load-more') {
    while (steps < p.maxClicks) {
      const button = frame.locator(p.selector).first();
      if (!(await button.isVisible()) || (await button.isDisabled())) {
        a.log(`load-more: ${p.selector} gone after ${steps} clicks`);
        break;
      }
      const before = await measure(a);
      try {
        await button.click({ timeout: 5_000 });
      } catch (e) {
        // Hidden or detached between the check and the click: the list is complete.
        a.log(`load-more: click failed (${firstLine(errorMessage(e))}), stopping`);
        break;
      }
      steps++;
      if (!(await waitForGrowth(a, before))) {
        a.log(`load-more: no new records after click ${steps}, stopping`);
        break;
      }
    }
    return steps;
  }
  let stale = 0;
  // Two misses in a row: one slow batch should not end the list early.
  while (steps < p.maxScrolls && stale < 2) {
    const before = await measure(a);
    await scrollToBottom(a.page, frame);
    steps++;
    stale = (await waitForGrowth(a, before)) ? 0 : stale + 1;
  }
  a.log(`infinite-scroll: ${steps} scrolls, ${await measure(a)} ${a.recordSelector ? 'records' : 'elements'}`);
  return steps;
}

/** Number of records (or of elements when no record selector is known). */
async function measure(a: ActionContext): Promise<number> {
  return surviveNavigation(a.page, () =>
    a.recordSelector ? a.page.locator(a.recordSelector).count() : a.page.evaluate(() => document.getElementsByTagName('*').length),
  );
}

/**
 * Runs a read of the page again when a navigation replaced the document under it ("Execution context was
 * destroyed"): a late redirect or a script-driven location change is not a failure of the page.
 */
export async function surviveNavigation<T>(page: Page, read: () => Promise<T>, attempts = 4): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await read();
    } catch (e) {
      if (n >= attempts || page.isClosed() || !/Execution context was destroyed|navigat/i.test(errorMessage(e))) throw e;
      await page.waitForLoadState('load').catch(() => {});
      await sleep(100 * n);
    }
  }
}

/**
 * Waits until the measure exceeds `before` (then for the batch to finish arriving). Gives up once the
 * network has been quiet for a while with no growth, or after 5 s.
 */
async function waitForGrowth(a: ActionContext, before: number): Promise<boolean> {
  const start = Date.now();
  for (;;) {
    await sleep(100);
    if ((await measure(a)) > before) {
      await a.net.waitIdle(200, 2_000);
      return true;
    }
    const elapsed = Date.now() - start;
    if (elapsed >= 5_000 || (elapsed >= 800 && a.net.isQuiet(500))) return false;
  }
}

async function scrollToBottom(page: Page, frame: Frame): Promise<void> {
  await surviveNavigation(page, () =>
    frame.evaluate(() => {
      window.scrollTo(0, (document.scrollingElement ?? document.body).scrollHeight);
      // When the content still fits the viewport nothing scrolls and no event fires; nudge the listeners.
      window.dispatchEvent(new Event('scroll'));
    }),
  );
  // A real wheel event too: some sites listen for 'wheel' rather than 'scroll'.
  if (frame === page.mainFrame()) await page.mouse.wheel(0, 2_000).catch(() => {});
}

/** Log text for a command; secret values and typed values from input parameters are never shown. */
export function describe(cmd: BrowserCommand): string {
  switch (cmd.action) {
    case 'wait-for-selector':
      return `wait for ${cmd.selector}`;
    case 'wait-for-network-idle':
      return 'wait for network idle';
    case 'wait':
      return `wait ${cmd.ms} ms`;
    case 'click':
      return `click ${cmd.selector}${cmd.optional ? ' (optional)' : ''}`;
    case 'scroll':
      return `scroll ×${cmd.times}`;
    case 'type':
      if (cmd.secret) return `type into ${cmd.selector}: (secret)`;
      return cmd.fromInput !== undefined ? `type into ${cmd.selector}: input "${cmd.fromInput}"` : `type into ${cmd.selector}: ${JSON.stringify(cmd.value ?? '')}`;
    case 'select':
      return `select ${JSON.stringify(cmd.value)} in ${cmd.selector}`;
    case 'submit':
      return `submit ${cmd.selector}`;
    case 'in-frame':
      return `in frame ${cmd.frameSelector}: ${cmd.commands.length} commands`;
  }
}

function isSecret(cmd: BrowserCommand): boolean {
  return cmd.action === 'type' && cmd.secret;
}

/** An error text with any secret typed value masked (Playwright messages may quote call arguments). */
function scrub(e: unknown, cmd: BrowserCommand, a: ActionContext): string {
  let msg = errorMessage(e);
  if (cmd.action === 'type' && cmd.secret) {
    const value = cmd.value ?? (cmd.fromInput !== undefined ? a.inputParameters[cmd.fromInput] : undefined);
    if (value) msg = msg.split(value).join('***');
  }
  return msg;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
