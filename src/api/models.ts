/** Rows → the wire shapes of Sequentum's API (camelCase, integer statuses, ISO UTC strings). */
import type { AgentRow } from '../storage/repos/agents-repo.ts';
import type { RunRow } from '../storage/repos/runs-repo.ts';

export function agentModel(a: AgentRow) {
  let startUrl: string | null = null;
  let inputParameters: Record<string, string> | null = null;
  let definition: unknown = null;
  try {
    definition = JSON.parse(a.spec);
    const d = definition as { startUrls?: string[]; inputParameters?: Record<string, string> };
    startUrl = d.startUrls?.[0] ?? null;
    inputParameters = d.inputParameters && Object.keys(d.inputParameters).length ? d.inputParameters : null;
  } catch {
    /* an unreadable definition is reported by validationStatus */
  }
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    documentation: a.documentation,
    icon: null,
    image: null,
    inputParameters,
    configType: a.config_type,
    proxyPoolId: null,
    spaceId: a.space_id,
    startUrl,
    status: a.last_run_status,
    userId: a.user_id,
    validationStatus: a.validation_status,
    version: a.version,
    created: a.created,
    updated: a.updated,
    lastActivity: a.last_activity,
    agentTemplates: null,
    isArchived: a.archived === 1,
    maxConcurrentRuns: a.max_concurrent_runs,
    definition,
  };
}

/** The short form used in lists, without the definition. */
export function agentSummary(a: AgentRow) {
  const { definition: _d, ...rest } = agentModel(a);
  return rest;
}

function runSeconds(r: RunRow, now: Date): number {
  if (!r.start_time) return 0;
  const end = r.end_time ? Date.parse(r.end_time) : now.getTime();
  return Math.max(0, Math.round((end - Date.parse(r.start_time)) / 1000));
}

export function runStatusModel(r: RunRow, ctx: { agentName?: string | null; organizationName?: string | null; now: Date }) {
  const o = safe(r.options) as { parallelism?: number; parallelMaxConcurrency?: number; parallelExport?: string; logLevel?: string; logMode?: string };
  return {
    id: r.id,
    runId: r.id,
    configId: r.agent_id,
    configName: ctx.agentName ?? null,
    spaceId: r.space_id,
    organizationId: r.organization_id,
    organizationName: ctx.organizationName ?? null,
    sequence: r.sequence,
    parallelism: o.parallelism ?? 1,
    parallelMaxConcurrency: o.parallelMaxConcurrency ?? 1,
    parallelExport: o.parallelExport ?? 'Combined',
    parallelSet: r.parallel_set,
    startTime: r.start_time,
    endTime: r.end_time,
    created: r.created,
    status: r.status,
    message: r.message,
    configVersion: r.config_version,
    actionCount: r.action_count,
    pageCount: r.page_count,
    dynamicPageCount: r.dynamic_page_count,
    requestCount: r.request_count,
    dataCount: r.data_count,
    inputCount: r.input_count,
    errorCount: r.error_count,
    exportCount: r.export_count,
    traffic: r.traffic,
    runTimeSec: runSeconds(r, ctx.now),
    serverName: r.lease_owner ? r.lease_owner.split(':')[0] : null,
    tableType: r.table_type,
    startedBy: r.started_by,
    scheduleId: r.schedule_id,
    attempt: r.attempt,
  };
}

/** AgentRunApiModel for run lists. */
export function runListModel(r: RunRow, now: Date) {
  const o = safe(r.options) as { parallelism?: number; logLevel?: string; logMode?: string };
  return {
    id: r.id,
    configId: r.agent_id,
    organizationId: r.organization_id,
    status: r.status,
    startTime: r.start_time,
    endTime: r.end_time,
    created: r.created,
    startedBy: r.started_by,
    errorMessage: r.status === 6 || r.status === 7 ? r.message : null,
    message: r.message,
    recordsExtracted: r.data_count,
    recordsExported: r.export_count,
    pageCount: r.page_count,
    errorCount: r.error_count,
    runTimeSec: runSeconds(r, now),
    parallelism: o.parallelism ?? 1,
    parallelSet: r.parallel_set,
    logLevel: o.logLevel ?? 'Info',
    logMode: o.logMode ?? 'Text',
  };
}

export function fileModel(f: { id: number; name: string; file_type: string; size: number; created: string }) {
  return { id: f.id, name: f.name, fileType: f.file_type, fileSize: f.size, created: f.created, regionId: null };
}

function safe(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return {};
  }
}
