/**
 * What the builder learns about a page only a browser can tell: a login form to fill in, records that arrive
 * after the load event, a "load more" button and infinite scrolling. The rules are general (no site
 * knowledge) and each one is checked by acting on the live page, never assumed from markup alone:
 *  - login: an `input[type=password]` on the page and credentials in the prompt → type/type/submit;
 *  - delayed: records absent at the load event (or from the static HTML) → wait-for-selector;
 *  - load-more: a visible button/link whose text says "load more" (several languages) and whose click
 *    adds records → `{ kind: 'load-more', selector }`;
 *  - infinite scroll: scrolling to the bottom adds records → `{ kind: 'infinite-scroll' }`.
 */
import * as cheerio from 'cheerio/slim';
import type { Page } from 'playwright-core';
import type { BrowserCommand, PaginationSpec } from '../domain/agent-spec.ts';
import type { BrowserPool } from '../engine/browser/browser-pool.ts';
import { NetworkTracker, runCommands, surviveNavigation } from '../engine/browser/page-actions.ts';
import type { Credentials } from './prompt/credentials.ts';

export interface LoginPlan {
  commands: BrowserCommand[];
  /** Declared in the agent's inputParameters: the prompt's values are the defaults (stored in the agent). */
  inputParameters: Record<string, string>;
  describe: string;
}

/** Button/link texts that load the next batch in place. Anchored: "Read more about us" must not match. */
export const LOAD_MORE_TEXT =
  /^\s*(?:(?:load|show|view|see|display)\s+more(?:\s+\w+)?|more\s+(?:results|items|products|posts|entries)|mehr\s+(?:laden|anzeigen|ergebnisse)|weitere\s+(?:laden|anzeigen)|meer\s+(?:laden|tonen|weergeven|resultaten)|toon\s+meer|voir\s+plus|afficher\s+plus|charger\s+plus|cargar\s+m[aá]s|ver\s+m[aá]s|mostrar\s+m[aá]s|carica\s+altr[io]|mostra\s+altr[io]|carregar\s+mais|ver\s+mais)\s*(?:[.…]{1,3}|[↓▼⌄+]|\(\d+\))?\s*$/i;

/** The login form of a page, when it has a password field: selectors for user, password and submit. */
export function loginPlan(html: string, creds: Credentials): LoginPlan | null {
  const $ = cheerio.load(html);
  const pass = $('input[type="password" i]').first();
  if (!pass.length) return null;
  const form = pass.closest('form');
  const scope = form.length ? form : $.root();
  const textInputs = scope.find('input').filter((_, el) => {
    const t = (el.attribs['type'] ?? 'text').toLowerCase();
    return ['text', 'email', 'tel', ''].includes(t) && !('hidden' in el.attribs);
  });
  const named = textInputs.filter((_, el) => /user|login|mail|name|account|ident/i.test(`${el.attribs['name'] ?? ''} ${el.attribs['id'] ?? ''} ${el.attribs['autocomplete'] ?? ''}`));
  const user = (named.length ? named : textInputs).first();
  const passSel = inputSelector(pass.get(0)!.attribs, 'input[type="password"]');
  const commands: BrowserCommand[] = [];
  const inputParameters: Record<string, string> = {};
  if (user.length) {
    commands.push({ action: 'type', selector: inputSelector(user.get(0)!.attribs, null), fromInput: 'username', secret: false });
    inputParameters['username'] = creds.username;
  }
  commands.push({ action: 'type', selector: passSel, fromInput: 'password', secret: true });
  inputParameters['password'] = creds.password;
  // A <form> is submitted with requestSubmit (its handlers run); without one the submit button is clicked.
  const formSel = form.length ? (form.attr('id') && safeId(form.attr('id')!) ? `form#${form.attr('id')}` : 'form:has(input[type="password"])') : 'button[type="submit"], input[type="submit"], button';
  commands.push({ action: 'submit', selector: formSel });
  return { commands, inputParameters, describe: `a form with ${user.length ? 'a user field and ' : ''}a password field` };
}

function inputSelector(attribs: Record<string, string>, fallback: string | null): string {
  if (attribs['id'] && safeId(attribs['id'])) return `#${attribs['id']}`;
  if (attribs['name']) return `input[name="${attribs['name'].replace(/["\\]/g, '\\$&')}"]`;
  return fallback ?? 'input[type="text"], input[type="email"], input:not([type])';
}

function safeId(id: string): boolean {
  return /^[A-Za-z][\w-]*$/.test(id);
}

/** A control in the static HTML that reads like "load more": a reason to try the page in a browser. */
export function hasLoadMoreControl(html: string): boolean {
  const $ = cheerio.load(html);
  return $('button, a, [role="button"], input[type="button"], input[type="submit"]')
    .toArray()
    .some((el) => LOAD_MORE_TEXT.test(($(el).text() || el.attribs['value'] || el.attribs['aria-label'] || '').replace(/\s+/g, ' ')));
}

export interface BrowserProbe {
  /** Records matching the selector right after the load event (and the commands). */
  recordsAtLoad: number;
  /** Once the page has settled. */
  recordsSettled: number;
  /** ms after load until the first record showed up (null: present at load, or never). */
  appearedAfterMs: number | null;
  loadMoreSelector: string | null;
  infiniteScroll: boolean;
  /** After the one click / scroll that proved the pagination. */
  recordsAfterPaging: number;
}

export interface ProbeOptions {
  recordSelector: string;
  commands?: BrowserCommand[];
  inputParameters?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** Opens the page in a fresh context and tries the rules above on it. */
export function probeList(pool: BrowserPool, url: string, o: ProbeOptions): Promise<BrowserProbe> {
  return pool.withContext({ signal: o.signal }, async (ctx) => {
    const page = await ctx.newPage();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void page.close().catch(() => {});
        reject(new Error(`probing ${url} took longer than ${o.timeoutMs ?? 45_000} ms`));
      }, o.timeoutMs ?? 45_000);
    });
    const work = probe(page, url, o);
    work.catch(() => {});
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
      await page.close().catch(() => {});
    }
  });
}

async function probe(page: Page, url: string, o: ProbeOptions): Promise<BrowserProbe> {
  const log = o.log ?? (() => {});
  const net = new NetworkTracker(page);
  page.on('dialog', (d) => void d.dismiss().catch(() => {}));
  await page.goto(url, { waitUntil: 'load' });
  if (o.commands?.length) await runCommands(page.mainFrame(), o.commands, { page, net, inputParameters: o.inputParameters ?? {}, log });
  const count = () => surviveNavigation(page, () => page.locator(o.recordSelector).count());
  const t0 = Date.now();
  const recordsAtLoad = await count();
  let appearedAfterMs: number | null = null;
  // Settled: some records, and neither their number nor the network changed for a while (cap 10 s).
  let last = recordsAtLoad;
  let stableSince = Date.now();
  while (Date.now() - t0 < 10_000) {
    await sleep(100);
    const n = await count();
    if (n > 0 && appearedAfterMs === null && recordsAtLoad === 0) appearedAfterMs = Date.now() - t0;
    if (n !== last) (last = n), (stableSince = Date.now());
    if (n > 0 && Date.now() - stableSince >= 700 && net.isQuiet(300)) break;
  }
  const recordsSettled = last;
  const result: BrowserProbe = { recordsAtLoad, recordsSettled, appearedAfterMs, loadMoreSelector: null, infiniteScroll: false, recordsAfterPaging: recordsSettled };
  if (!recordsSettled) return result;

  for (const sel of await loadMoreCandidates(page)) {
    const before = await count();
    try {
      await page.locator(sel).first().click({ timeout: 3_000 });
    } catch {
      continue;
    }
    const after = await grown(net, count, before);
    log(`probe: clicked ${sel}: ${before} → ${after} records`);
    if (after > before) {
      result.loadMoreSelector = sel;
      result.recordsAfterPaging = after;
      return result;
    }
  }
  const before = await count();
  await surviveNavigation(page, () =>
    page.evaluate(() => {
      window.scrollTo(0, (document.scrollingElement ?? document.body).scrollHeight);
      window.dispatchEvent(new Event('scroll'));
    }),
  );
  await page.mouse.wheel(0, 2_000).catch(() => {});
  const after = await grown(net, count, before);
  log(`probe: scrolled to the bottom: ${before} → ${after} records`);
  if (after > before) {
    result.infiniteScroll = true;
    result.recordsAfterPaging = after;
  }
  return result;
}

/** Waits for the record count to exceed `before` (≤ 5 s, or until the network has been quiet a while). */
async function grown(net: NetworkTracker, count: () => Promise<number>, before: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    await sleep(100);
    const n = await count();
    if (n > before) {
      await net.waitIdle(200, 2_000);
      return count();
    }
    const elapsed = Date.now() - start;
    if (elapsed >= 5_000 || (elapsed >= 1_000 && net.isQuiet(500))) return n;
  }
}

/**
 * In-page code finding visible "load more" controls and a unique CSS selector for each (best first, at most
 * 3). A string, not a function: tsx/esbuild would wrap named inner functions in a `__name` helper that
 * does not exist in the page.
 */
const LOAD_MORE_SCRIPT = `(src) => {
  const re = new RegExp(src, 'i');
  const out = [];
  const unique = (sel, el) => { try { const all = document.querySelectorAll(sel); return all.length === 1 && all[0] === el; } catch { return false; } };
  const selectorOf = (el) => {
    const tag = el.tagName.toLowerCase();
    if (el.id && unique('#' + CSS.escape(el.id), el)) return '#' + CSS.escape(el.id);
    // Classes that name the control ("load-more") first: they survive restyling better than "btn".
    const telling = (c) => /more|load|mehr|meer|plus|m[aá]s|altr|mais/i.test(c) ? 0 : 1;
    const classes = [...el.classList].filter((c) => !/\\d{3,}|active|hover|focus/i.test(c)).sort((a, b) => telling(a) - telling(b)).map((c) => '.' + CSS.escape(c));
    for (const c of classes) if (unique(tag + c, el)) return tag + c;
    for (let k = 2; k <= classes.length; k++) { const s = tag + classes.slice(0, k).join(''); if (unique(s, el)) return s; }
    for (const a of ['data-action', 'data-testid', 'name', 'aria-label']) {
      const v = el.getAttribute(a);
      if (v) { const s = tag + '[' + a + '="' + v.replace(/["\\\\]/g, '\\\\$&') + '"]'; if (unique(s, el)) return s; }
    }
    const parts = [];
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const t = e.tagName.toLowerCase();
      const sibs = e.parentElement ? [...e.parentElement.children].filter((x) => x.tagName === e.tagName) : [];
      parts.unshift(sibs.length > 1 ? t + ':nth-of-type(' + (sibs.indexOf(e) + 1) + ')' : t);
    }
    return 'body > ' + parts.join(' > ');
  };
  for (const el of document.querySelectorAll('button, a, [role="button"], input[type="button"], input[type="submit"]')) {
    if (!el.getClientRects().length || el.disabled) continue;
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').replace(/\\s+/g, ' ');
    if (re.test(text)) out.push(selectorOf(el));
    if (out.length >= 3) break;
  }
  return out;
}`;

async function loadMoreCandidates(page: Page): Promise<string[]> {
  return surviveNavigation(page, () => page.evaluate(`(${LOAD_MORE_SCRIPT})(${JSON.stringify(LOAD_MORE_TEXT.source)})`) as Promise<string[]>);
}

export interface BrowserDecision {
  commands: BrowserCommand[];
  pagination: PaginationSpec | null;
  notes: string[];
}

/**
 * Turns a probe into agent settings. `staticCount` is the number of records in the HTML served over HTTP:
 * records built by script get a wait-for-selector even when this probe happened to see them at load, since
 * a slower run may not.
 */
export function decide(p: BrowserProbe, recordSelector: string, staticCount: number): BrowserDecision {
  const commands: BrowserCommand[] = [];
  const notes: string[] = [];
  if (p.recordsSettled > 0 && (p.recordsAtLoad < p.recordsSettled || staticCount === 0)) {
    commands.push({ action: 'wait-for-selector', selector: recordSelector, timeoutMs: 15_000 });
    notes.push(
      p.recordsAtLoad === 0
        ? `The records appear only after the page has loaded${p.appearedAfterMs !== null ? ` (about ${Math.max(100, Math.round(p.appearedAfterMs / 100) * 100)} ms later)` : ''}: the browser agent waits for ${recordSelector}.`
        : `The records are built by script: the browser agent waits for ${recordSelector} before reading them.`,
    );
  }
  let pagination: PaginationSpec | null = null;
  if (p.loadMoreSelector) {
    pagination = { kind: 'load-more', selector: p.loadMoreSelector, maxClicks: 200 };
    notes.push(`Clicking "${p.loadMoreSelector}" added records (${p.recordsSettled} → ${p.recordsAfterPaging}): the browser agent clicks it until no more records appear.`);
  } else if (p.infiniteScroll) {
    pagination = { kind: 'infinite-scroll', maxScrolls: 200 };
    notes.push(`Scrolling to the bottom added records (${p.recordsSettled} → ${p.recordsAfterPaging}): infinite scroll, the browser agent scrolls until no more records appear.`);
  }
  return { commands, pagination, notes };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Records matching `selector` in served HTML (0 on a bad selector). */
export function countIn(html: string, selector: string): number {
  try {
    return cheerio.load(html)(selector).length;
  } catch {
    return 0;
  }
}
