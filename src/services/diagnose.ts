/**
 * Why did a run fail? Pure: reads the run's counters, its failed frontier requests and its error/warning log
 * lines, and maps recognisable messages (the engine's own wording: "HTTP 403 from", "Blocked by network
 * policy", "robots.txt disallows", "Timed out after") to causes and actions a user can take. Each rule says
 * how many of the errors it explains, so the causes come out most frequent first.
 */
import { RunStatus } from '../domain/run-status.ts';

export interface DiagnoseInput {
  status: number;
  message: string | null;
  dataCount: number;
  pageCount: number;
  errorCount: number;
  failedRequests: Array<{ url: string; last_error: string | null }>;
  errorMessages: string[];
}

interface Rule {
  test: RegExp;
  cause: (n: number, example: string) => string;
  action: string;
}

const RULES: Rule[] = [
  { test: /\bHTTP 403\b|\b403 Forbidden\b/i, cause: (n) => `The site refused ${n} request(s) with HTTP 403: the agent is probably blocked as a bot`, action: 'Slow the agent down (perHostDelayMs, lower concurrency), use a proxy pool or the browser, and check the site allows scraping' },
  { test: /\bHTTP 429\b|too many requests|rate.?limit/i, cause: (n) => `The site rate-limited ${n} request(s) (HTTP 429)`, action: 'Raise perHostDelayMs and lower concurrency; the site answers 429 when requests come too fast' },
  { test: /robots\.txt/i, cause: (n) => `robots.txt disallowed ${n} URL(s)`, action: 'Scrape only allowed paths, or set respectRobotsTxt: false in the agent if you have permission' },
  { test: /Blocked by network policy|not an allowed address|non-public address|not a public address|metadata name/i, cause: (n, e) => `The network policy (SSRF protection) refused ${n} URL(s), e.g. "${e}"`, action: 'Private, loopback and metadata addresses are blocked; an operator can allow a host with GLEANER_ALLOW_HOSTS' },
  { test: /timed out|timeout|ETIMEDOUT/i, cause: (n) => `${n} request(s) timed out`, action: 'The site is slow or unreachable: retry later, lower concurrency, or restart the run (failed requests are retried)' },
  { test: /ENOTFOUND|EAI_AGAIN|getaddrinfo/i, cause: (n) => `${n} host name(s) could not be resolved (DNS)`, action: 'Check the start URL for typos; the domain may no longer exist' },
  { test: /ECONNREFUSED|ECONNRESET|socket hang up|Network error/i, cause: (n) => `${n} connection(s) failed or were reset`, action: 'The site closed connections: retry later or reduce concurrency' },
  { test: /\bHTTP 404\b|\bHTTP 410\b/i, cause: (n) => `${n} page(s) were not found (HTTP 404/410)`, action: 'The start URL or link pattern may be outdated: check the agent definition against the site' },
  { test: /\bHTTP 5\d\d\b/i, cause: (n) => `The site returned server errors (HTTP 5xx) for ${n} request(s)`, action: 'The site had trouble: restart the run later (failed requests are retried)' },
  { test: /Chromium|browser crashed|render of/i, cause: (n) => `The headless browser failed ${n} time(s)`, action: 'Check the browser installation (CHROMIUM_PATH) or switch the agent to plain HTTP if the site does not need JavaScript' },
  { test: /selector|definition|invalid/i, cause: (n, e) => `The agent definition could not be applied (${n} error(s), e.g. "${e}")`, action: 'Fix the agent definition (edit it, or rebuild it with the Agent Builder)' },
];

export function diagnose(input: DiagnoseInput): { possibleCauses: string[]; suggestedActions: string[] } {
  const texts = [...input.failedRequests.map((f) => f.last_error ?? ''), ...input.errorMessages, input.message ?? ''].filter((t) => t.trim() !== '');
  const hits: Array<{ n: number; cause: string; action: string }> = [];
  for (const r of RULES) {
    const matching = texts.filter((t) => r.test.test(t));
    if (matching.length) hits.push({ n: matching.length, cause: r.cause(matching.length, matching[0]!.slice(0, 160)), action: r.action });
  }
  hits.sort((a, b) => b.n - a.n);
  const causes = hits.map((h) => h.cause);
  const actions = hits.map((h) => h.action);
  const finished = [RunStatus.Completed, RunStatus.Success, RunStatus.Failure, RunStatus.Failed].includes(input.status as never);
  if (finished && input.dataCount === 0 && input.pageCount > 0) {
    causes.push(`${input.pageCount} page(s) loaded but no records were extracted: the selectors probably no longer match the site`);
    actions.push('Open the start page, compare it with the agent definition and update the selectors (or rebuild the agent)');
  }
  if (finished && input.pageCount === 0 && !hits.length) {
    causes.push('No page was loaded');
    actions.push('Check the start URL and the network reachability of the site');
  }
  if (input.status === RunStatus.Stopped) causes.push(`The run was stopped${input.message ? `: ${input.message}` : ''}`);
  if (input.status === RunStatus.Skipped) causes.push(`The run was skipped${input.message ? `: ${input.message}` : ''}`);
  if (!causes.length && (input.status === RunStatus.Failure || input.status === RunStatus.Failed)) {
    causes.push(input.message ? `The run failed: ${input.message}` : 'The run failed without a recorded error');
    actions.push('Read the run log (GET /api/v1/agent/{agentId}/run/{runId}/log) and restart the run');
  }
  return { possibleCauses: dedupe(causes), suggestedActions: dedupe(actions) };
}

function dedupe(a: string[]): string[] {
  return [...new Set(a)];
}
