/** Analytics (api-spec §1.5): run and record summaries, run diagnostics. Every query is limited to the caller's spaces. */
import { ApiError, ValidationError } from '../domain/errors.ts';
import { RunStatus, runStatusName } from '../domain/run-status.ts';
import type { Clock } from '../domain/clock.ts';
import type { AnalyticsRepo } from '../storage/repos/analytics-repo.ts';
import type { FrontierRepo } from '../storage/repos/frontier-repo.ts';
import type { RunRow } from '../storage/repos/runs-repo.ts';
import type { AgentRow } from '../storage/repos/agents-repo.ts';
import type { AgentService } from './agent-service.ts';
import type { RunService } from './run-service.ts';
import { diagnose } from './diagnose.ts';
import { scopeOf, type Principal } from './access.ts';

const DAY_MS = 86_400_000;

/** The summary's status filter (MCP names) → run statuses. */
const STATUS_FILTERS: Record<string, number[]> = {
  failed: [RunStatus.Failure, RunStatus.Failed],
  completed: [RunStatus.Completed, RunStatus.Success],
  completedwitherrors: [RunStatus.Completed, RunStatus.Success],
  running: [RunStatus.Running, RunStatus.Exporting, RunStatus.Starting, RunStatus.Stopping],
  queued: [RunStatus.Queuing, RunStatus.Waiting],
  stopped: [RunStatus.Stopped],
  skipped: [RunStatus.Skipped],
};

/**
 * startDate/endDate: a date (YYYY-MM-DD, the whole UTC day; endDate inclusive) or a full timestamp. Returns
 * [from, to) in ISO.
 */
export function resolveRange(start: string | undefined, end: string | undefined, now: Date, defaultDays: number): { from: Date; to: Date } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const parse = (name: string, v: string, isEnd: boolean): Date => {
    const s = v.trim();
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(s);
    const t = Date.parse(dateOnly ? `${s}T00:00:00Z` : s);
    if (Number.isNaN(t)) throw new ValidationError([`${name}: must be a date (YYYY-MM-DD) or an ISO 8601 timestamp`]);
    return new Date(dateOnly && isEnd ? t + DAY_MS : t);
  };
  const from = start ? parse('startDate', start, false) : new Date(today);
  const to = end ? parse('endDate', end, true) : new Date(today + (defaultDays + 1) * DAY_MS);
  if (to.getTime() < from.getTime()) throw new ValidationError(['endDate: must not be before startDate']);
  return { from, to };
}

export class AnalyticsService {
  constructor(private readonly repo: AnalyticsRepo, private readonly frontier: FrontierRepo, private readonly agents: AgentService, private readonly runs: RunService, private readonly clock: Clock) {}

  async runsSummary(p: Principal, q: { startDate?: string; endDate?: string; status?: string; includeDetails?: boolean }) {
    const { from, to } = resolveRange(q.startDate, q.endDate, this.clock.now(), 0);
    const statusKey = q.status?.trim().toLowerCase().replace(/\s+/g, '');
    if (statusKey && !STATUS_FILTERS[statusKey]) throw new ValidationError([`status: must be one of Failed, Completed, CompletedWithErrors, Running, Queued, Stopped, Skipped`]);
    const f = { organizationId: p.organizationId, scope: scopeOf(p), from: from.toISOString(), to: to.toISOString() };
    const counts = await this.repo.statusCounts(f);
    const sum = (statuses: number[], withErrors?: boolean) => counts.filter((c) => statuses.includes(c.status) && (withErrors === undefined || c.withErrors === withErrors)).reduce((a, c) => a + c.n, 0);
    const out: Record<string, unknown> = {
      startDate: f.from,
      endDate: f.to,
      totalRuns: counts.reduce((a, c) => a + c.n, 0),
      completedRuns: sum(STATUS_FILTERS.completed!, false),
      failedRuns: sum(STATUS_FILTERS.failed!),
      completedWithErrorsRuns: sum(STATUS_FILTERS.completed!, true),
      runningRuns: sum(STATUS_FILTERS.running!),
      queuedRuns: sum(STATUS_FILTERS.queued!),
      stoppedRuns: sum(STATUS_FILTERS.stopped!),
      skippedRuns: sum(STATUS_FILTERS.skipped!),
    };
    if (q.includeDetails ?? true) {
      // Named failedRunDetails by the client; with a status filter it lists runs of that status instead.
      let rows = await this.repo.runsIn(f, STATUS_FILTERS[statusKey ?? 'failed']!, 500);
      if (statusKey === 'completed') rows = rows.filter((r) => r.error_count === 0);
      if (statusKey === 'completedwitherrors') rows = rows.filter((r) => r.error_count > 0);
      out.failedRunDetails = rows.map((r) => ({ runId: r.id, agentId: r.agent_id, agentName: r.agent_name, startTime: r.start_time, endTime: r.end_time, status: runStatusName(r.status), errorMessage: r.message, spaceId: r.space_id, spaceName: r.space_name }));
    }
    return out;
  }

  async recordsSummary(p: Principal, q: { startDate?: string; endDate?: string; agentId?: number }) {
    const { from, to } = resolveRange(q.startDate, q.endDate, this.clock.now(), 0);
    if (q.agentId !== undefined) await this.agents.get(p, q.agentId);
    const t = await this.repo.totals({ organizationId: p.organizationId, scope: scopeOf(p), from: from.toISOString(), to: to.toISOString(), agentId: q.agentId });
    return { startDate: from.toISOString(), endDate: to.toISOString(), totalRecordsExtracted: t.data, totalRecordsExported: t.exported, totalErrors: t.errors, totalPageLoads: t.pages, runCount: t.runCount, agentId: q.agentId ?? null };
  }

  async diagnostics(p: Principal, agentId: number, runId: number) {
    const { run, agent } = await this.runs.get(p, agentId, runId);
    return this.explain(run, agent);
  }

  async latestFailure(p: Principal, agentId: number) {
    const agent = await this.agents.get(p, agentId);
    const run = await this.repo.latestFailure(agentId);
    if (!run) throw ApiError.notFound(`Agent ${agentId} has no failed runs`);
    return this.explain(run, agent);
  }

  private async explain(run: RunRow, agent: AgentRow) {
    // A parallel parent's errors live in its children.
    const ids = await this.runs.outputRunIds(run);
    const failed = (await Promise.all(ids.map((id) => this.frontier.failedRequests(id, 50)))).flat();
    const errors = (await Promise.all(ids.map((id) => this.frontier.errorMessages(id, 50)))).flat();
    const d = diagnose({ status: run.status, message: run.message, dataCount: run.data_count, pageCount: run.page_count, errorCount: run.error_count, failedRequests: failed, errorMessages: errors });
    const end = run.end_time ? Date.parse(run.end_time) : this.clock.now().getTime();
    return {
      runId: run.id,
      agentId: run.agent_id,
      agentName: agent.name,
      status: run.status,
      errorMessage: run.message,
      startTime: run.start_time,
      endTime: run.end_time,
      runtimeSeconds: run.start_time ? Math.max(0, Math.round((end - Date.parse(run.start_time)) / 1000)) : null,
      stats: { dataCount: run.data_count, inputCount: run.input_count, errorCount: run.error_count, pageCount: run.page_count, exportCount: run.export_count, traffic: run.traffic },
      failedRequests: failed.slice(0, 20).map((f) => ({ url: f.url, error: f.last_error })),
      ...d,
    };
  }
}
