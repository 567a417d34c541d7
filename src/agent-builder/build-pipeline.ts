/**
 * One build: understand the request, open the page (HTTP first, the browser when the data only appears
 * once rendered), find records and fields, follow item pages when asked or needed, test the draft on
 * page 1 (and page 2 when it paginates), and report samples with each field's fill rate. Emits the
 * session events as it goes. Deterministic and LLM-free; an LLM (when configured) only helps read prompts.
 */
import { AgentSpec, outputFieldNames, type AgentSpecInput } from '../domain/agent-spec.ts';
import { errorMessage } from '../domain/errors.ts';
import { analyzeDetailFields, analyzePage, type Analysis, type FieldReport } from './analysis/analyze.ts';
import type { PromptIntent } from './prompt/parse-prompt.ts';
import { looksLikeAppShell } from '../engine/browser/needs-browser.ts';
import { testDraft, type DraftTest } from './draft-test.ts';
import type { PageSource, FetchedPage, BrowserPlan } from './page-source.ts';
import type { Credentials } from './prompt/credentials.ts';
import { countIn, decide, hasLoadMoreControl, loginPlan, type LoginPlan } from './browser-detect.ts';

export type Emit = (type: string, payload: Record<string, unknown>) => Promise<void>;

export interface BuildResult {
  spec: AgentSpec;
  analysis: Analysis;
  test: DraftTest;
  engine: 'http' | 'browser';
}

export class BuildError extends Error {}

const PLAN = [
  { stepNumber: 1, description: 'Open the page', actionType: 'navigate' },
  { stepNumber: 2, description: 'Find the repeated records and the requested fields', actionType: 'analyze' },
  { stepNumber: 3, description: 'Detect pagination and item links', actionType: 'paginate' },
  { stepNumber: 4, description: 'Test the agent on the page (and the next page)', actionType: 'test' },
];

export async function runBuild(intent: PromptIntent, opts: { source: PageSource; emit: Emit; signal: AbortSignal; maxPages: number; allowBrowser: boolean; credentials?: Credentials | null }): Promise<BuildResult> {
  const { emit, source, signal } = opts;
  const url = intent.urls[0];
  if (!url) throw new BuildError('No URL found in the request: include the address of the page, e.g. "Get the title and price of every book from https://books.example/"');
  const fieldsText = intent.fields.length ? intent.fields.map((f) => f.name).join(', ') : 'every field the page shows';
  await emit('thinking', { message: `Looking for ${fieldsText} on ${url}${scopeText(intent)}.` });
  await emit('plan_generated', { plan: PLAN });

  // 1. navigate
  await emit('step_started', { stepNumber: 1, totalSteps: PLAN.length, description: PLAN[0]!.description, actionType: 'navigate' });
  let page = await fetchOrFail(source, url, 'http', signal);
  let engine: 'http' | 'browser' = 'http';
  await emit('navigation_completed', { url: page.url, title: page.title, snapshot: snapshotOf(page.html), configId: null, agentName: null });
  const staticHtml = page.html;
  // What every browser render of this build does first (a login), with the inputs it types.
  let plan: BrowserPlan = {};
  let login: LoginPlan | null = opts.allowBrowser && opts.credentials ? loginPlan(page.html, opts.credentials) : null;
  const useLogin = async (l: LoginPlan) => {
    await emit('thinking', { message: `The page asks for a login (${l.describe}) and the request gives credentials: this agent will use a real browser to log in. The password is kept as a secret input parameter ("password"), never shown in logs or events.` });
    plan = { commands: l.commands, inputParameters: l.inputParameters };
  };
  if (login) await useLogin(login);
  if (opts.allowBrowser && (login || looksLikeAppShell(page.html))) {
    if (!login) await emit('thinking', { message: 'The page is an application shell: its data is rendered by script. Switching to a real browser.' });
    page = await fetchOrFail(source, url, 'browser', signal, plan);
    engine = 'browser';
    await emitBrowserPage(emit, page);
    // A login form drawn by script is only visible now.
    if (!login && opts.credentials && (login = loginPlan(page.html, opts.credentials))) {
      await useLogin(login);
      page = await fetchOrFail(source, url, 'browser', signal, plan);
      await emitBrowserPage(emit, page);
    }
  }
  if (opts.credentials && !login) await emit('thinking', { message: 'The request gives login credentials, but the page has no password field: they are not used.' });
  await emit('step_completed', { stepNumber: 1, success: true, snapshot: `HTTP ${page.status}, ${page.html.length} characters${engine === 'browser' ? ' (rendered)' : ''}`, commandAdded: false });

  // 2. analyze
  await emit('step_started', { stepNumber: 2, totalSteps: PLAN.length, description: PLAN[1]!.description, actionType: 'analyze' });
  let analysis = analyzePage(page.url, page.html, intent);
  if (engine === 'http' && opts.allowBrowser && missingTooMuch(analysis, intent)) {
    const rendered = await source.fetch(url, 'browser', signal, plan).catch(() => null);
    if (rendered) {
      const again = analyzePage(rendered.url, rendered.html, intent);
      if (foundCount(again) > foundCount(analysis)) {
        await emit('thinking', { message: 'The requested data is not in the static HTML but appears once the page is rendered: this agent will use a real browser.' });
        await emitBrowserPage(emit, rendered);
        analysis = again;
        page = rendered;
        engine = 'browser';
      }
    }
  }
  for (const n of analysis.notes) await emit('thinking', { message: n });
  const draft: AgentSpecInput = structuredClone(analysis.spec);
  if (engine === 'browser') draft.engine = 'browser';
  if (analysis.kind === 'list' && draft.list) await emit('command_added', { command: { type: 'list', ...draft.list } });
  for (const f of draft.fields) await emit('command_added', { command: { type: 'extract', ...f } });
  await emit('step_completed', { stepNumber: 2, success: analysis.fieldReport.some((r) => r.found), snapshot: reportText(analysis.fieldReport), commandAdded: true });

  // 3. pagination and item pages
  await emit('step_started', { stepNumber: 3, totalSteps: PLAN.length, description: PLAN[2]!.description, actionType: 'paginate' });
  if (opts.allowBrowser && source.probe && analysis.kind === 'list' && draft.list?.kind === 'css') {
    // A "load more" control in served HTML: the rest of the list only arrives in a browser. Verified below.
    const forLoadMore = engine === 'http' && !draft.pagination && hasLoadMoreControl(page.html);
    if (forLoadMore) await emit('thinking', { message: 'The list ends with a "load more" control and has no page links: checking in a real browser whether it loads the rest.' });
    if (engine === 'browser' || forLoadMore) {
      const selector = draft.list.selector;
      const probe = await source.probe(url, selector, plan, signal).catch(async (e: unknown) => {
        await emit('thinking', { message: `Could not try waiting, scrolling or "load more" in the browser: ${errorMessage(e)}` });
        return null;
      });
      const d = probe ? decide(probe, selector, countIn(staticHtml, selector)) : null;
      if (d && (engine === 'browser' || d.pagination)) {
        for (const n of d.notes) await emit('thinking', { message: n });
        if (forLoadMore) await emit('thinking', { message: 'This agent will use a real browser to load every record.' });
        engine = 'browser';
        draft.engine = 'browser';
        if (d.commands.length) draft.browserCommands = [...(draft.browserCommands ?? []), ...d.commands];
        if (d.pagination) draft.pagination = d.pagination;
      }
    }
  }
  if (login) {
    draft.engine = 'browser';
    draft.inputParameters = { ...(draft.inputParameters ?? {}), ...login.inputParameters };
    draft.browserCommands = [...login.commands, ...(draft.browserCommands ?? [])];
  }
  // Commands name input parameters (`fromInput`), never the values typed: safe to show.
  for (const c of draft.browserCommands ?? []) await emit('command_added', { command: { type: 'browser', ...c } });
  if (draft.pagination) {
    const bound = intent.scope.maxPages ?? opts.maxPages;
    if ('maxPages' in draft.pagination || draft.pagination.kind === 'next-link' || draft.pagination.kind === 'url-pattern') (draft.pagination as { maxPages?: number }).maxPages = bound;
    await emit('command_added', { command: { type: 'paginate', ...draft.pagination } });
  }
  const missing = analysis.fieldReport.filter((r) => !r.found);
  const wantFollow = analysis.kind === 'list' && analysis.detailCandidates.length > 0 && (intent.scope.followItems || missing.length > 0);
  if (wantFollow) await addFollow(draft, analysis, intent, { source, emit, signal, engine });
  await emit('step_completed', { stepNumber: 3, success: true, snapshot: draft.pagination ? `pagination: ${draft.pagination.kind}` : 'no pagination', commandAdded: !!draft.pagination || !!draft.follow });

  // 4. test
  await emit('step_started', { stepNumber: 4, totalSteps: PLAN.length, description: PLAN[3]!.description, actionType: 'test' });
  const parsed = AgentSpec.safeParse(normalizeLimits(draft, intent, opts.maxPages));
  if (!parsed.success) throw new BuildError(`The draft agent is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const spec = parsed.data;
  const test = await testDraft(spec, page, { source, signal, engine });
  await emit('step_completed', { stepNumber: 4, success: test.records.length > 0, snapshot: `${test.recordCount} records on ${test.pagesTested} page(s)`, commandAdded: false });
  await emit('sample_records', { records: test.records.slice(0, 10), recordCount: test.recordCount, pagesTested: test.pagesTested, fields: outputFieldNames(spec), fillRates: test.fillRates, fieldReport: analysis.fieldReport, engine });
  const notFound = analysis.fieldReport.filter((r) => !r.found);
  for (const r of notFound) await emit('user_message', { message: `Not found: "${r.field}". Tried ${r.tried.length ? r.tried.join('; ') : 'structured data, labels, class names and value types'}. It is left out rather than guessed.` });
  return { spec, analysis, test, engine };
}

async function addFollow(draft: AgentSpecInput, analysis: Analysis, intent: PromptIntent, o: { source: PageSource; emit: Emit; signal: AbortSignal; engine: 'http' | 'browser' }): Promise<void> {
  const detailUrl = analysis.detailCandidates[0]!;
  const wanted = intent.scope.followItems && !analysis.fieldReport.some((r) => !r.found) ? intent.fields : intent.fields.filter((f) => analysis.fieldReport.some((r) => r.field === f.name && !r.found));
  if (!wanted.length) return;
  await o.emit('thinking', { message: `Opening an item page (${detailUrl}) to look for ${wanted.map((f) => f.name).join(', ')}.` });
  const detail = await o.source.fetch(detailUrl, o.engine, o.signal).catch((e: unknown) => {
    void o.emit('thinking', { message: `Could not open the item page: ${errorMessage(e)}` });
    return null;
  });
  if (!detail) return;
  await o.emit('navigation_completed', { url: detail.url, title: detail.title, snapshot: snapshotOf(detail.html), configId: null, agentName: null });
  const found = analyzeDetailFields(detail.html, wanted);
  if (!found.specs.length) return;
  const linkSelector = analysis.detailLinkSelector ?? 'a[href]';
  const names = new Set(found.specs.map((s) => s.name));
  draft.fields = draft.fields.filter((f) => !names.has(f.name));
  if (!draft.fields.length) draft.fields = [{ name: 'url', source: 'url' }];
  draft.follow = { linkSelector, fields: found.specs };
  for (const r of found.report) {
    const idx = analysis.fieldReport.findIndex((x) => x.field === r.field);
    if (r.found && idx >= 0) analysis.fieldReport[idx] = { ...r, how: `on item pages: ${r.how}` };
  }
  await o.emit('command_added', { command: { type: 'follow', linkSelector, fields: found.specs } });
}

function normalizeLimits(draft: AgentSpecInput, intent: PromptIntent, maxPages: number): AgentSpecInput {
  const limits = { ...(draft.limits ?? {}) } as NonNullable<AgentSpecInput['limits']>;
  const pages = intent.scope.maxPages ?? maxPages;
  // Detail pages count as pages too: leave room for one per record on every list page.
  limits.maxPages = draft.follow ? Math.max(pages * 60, pages) : pages;
  if (intent.scope.maxRecords) limits.maxRecords = intent.scope.maxRecords;
  return { ...draft, limits };
}

async function fetchOrFail(source: PageSource, url: string, engine: 'http' | 'browser', signal: AbortSignal, plan?: BrowserPlan): Promise<FetchedPage> {
  try {
    const p = await source.fetch(url, engine, signal, plan);
    if (p.status >= 400) throw new BuildError(`${url} answered HTTP ${p.status}: check the address`);
    return p;
  } catch (e) {
    if (e instanceof BuildError) throw e;
    throw new BuildError(`Could not open ${url}: ${errorMessage(e)}`);
  }
}

async function emitBrowserPage(emit: Emit, page: FetchedPage): Promise<void> {
  await emit('navigation_completed', { url: page.url, title: page.title, snapshot: snapshotOf(page.html), configId: null, agentName: null, engine: 'browser' });
  if (page.screenshotPng) await emit('screenshot', { imageBase64: page.screenshotPng.toString('base64'), url: page.url });
}

function foundCount(a: Analysis): number {
  return a.fieldReport.filter((r) => r.found).length;
}

function missingTooMuch(a: Analysis, intent: PromptIntent): boolean {
  const found = foundCount(a);
  return found === 0 || (intent.fields.length > 1 && found < intent.fields.length / 2) || (a.kind === 'detail' && intent.listHint);
}

function reportText(r: FieldReport[]): string {
  return r.map((x) => `${x.field}: ${x.found ? x.how : 'not found'}`).join('; ');
}

function scopeText(intent: PromptIntent): string {
  const s = intent.scope;
  const parts: string[] = [];
  if (s.maxPages) parts.push(`the first ${s.maxPages} page(s)`);
  else parts.push('every page of the listing');
  if (s.maxRecords) parts.push(`at most ${s.maxRecords} records`);
  if (s.followItems) parts.push("each item's own page");
  return ` (${parts.join(', ')})`;
}

/** A short text view of the page (title, headings) for events; pages themselves are never sent whole. */
export function snapshotOf(html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]?.trim() ?? '';
  const h = [...html.matchAll(/<h[1-3][^>]*>([\s\S]*?)<\/h[1-3]>/gi)].slice(0, 5).map((m) => m[1]!.replace(/<[^>]+>/g, '').trim()).filter(Boolean);
  return [title, ...h].join(' | ').slice(0, 500);
}
