/**
 * GleanerClient: a typed facade over the HTTP API, grouped like the API (agents, runs, builder,
 * schedules, users, apiKeys, spaces, analytics). It speaks plain Sequentum paths, so it also works
 * against Sequentum's own server for the endpoints they share.
 */
import { Transport, type Query, type RetryOptions } from './http.ts';
import { buildAgent, waitForRun, type BuildAgentOptions, type BuildAgentResult, type WaitForRunOptions } from './helpers.ts';
import type {
  Agent,
  AgentInput,
  AgentListQuery,
  AgentVersion,
  ApiKeyInfo,
  BuilderEvents,
  BuilderFinish,
  BuilderStartInput,
  BuilderStatus,
  ExportFormat,
  Me,
  RecordsPage,
  RemoveMethod,
  RunFile,
  RunInfo,
  RunListItem,
  Schedule,
  ScheduleInput,
  Space,
  StartOptions,
  User,
} from './types.ts';

export interface GleanerClientOptions {
  /** Server root, e.g. `http://127.0.0.1:8080` (a trailing `/api/v1` is accepted too). */
  baseUrl: string;
  /** `sk-...`; sent as `Authorization: ApiKey <key>`. */
  apiKey?: string | undefined;
  fetch?: typeof fetch;
  retry?: RetryOptions;
  userAgent?: string;
}

const V1 = '/api/v1';
const enc = encodeURIComponent;
const q = (o: object | undefined): Query => (o ?? {}) as Query;

export class GleanerClient {
  readonly http: Transport;

  constructor(opts: GleanerClientOptions) {
    this.http = new Transport(opts);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** The caller (user, role, spaces): also how `gleaner login` verifies a key. */
  me(): Promise<Me> {
    return this.http.json('GET', `${V1}/me`);
  }

  health(): Promise<{ status: string; [k: string]: unknown }> {
    return this.http.json('GET', `${V1}/health`);
  }

  openApi(): Promise<Record<string, unknown>> {
    return this.http.json('GET', `${V1}/openapi.json`);
  }

  readonly agents = {
    /** Without pageIndex+recordsPerPage the server answers a plain array; with them, `{ agents, totalRecordCount }`. */
    list: async (query?: AgentListQuery): Promise<Agent[]> => {
      const r = await this.http.json<Agent[] | { agents: Agent[] }>('GET', `${V1}/agent/all`, { query: q(query) });
      return Array.isArray(r) ? r : r.agents;
    },
    page: (query: AgentListQuery & { pageIndex: number; recordsPerPage: number }): Promise<{ agents: Agent[]; totalRecordCount: number }> =>
      this.http.json('GET', `${V1}/agent/all`, { query: q(query) }),
    get: (agentId: number): Promise<Agent> => this.http.json('GET', `${V1}/agent/${agentId}`),
    search: (query: string, maxRecords?: number): Promise<Agent[]> => this.http.json('GET', `${V1}/agent/search`, { query: { query, maxRecords } }),
    create: (body: AgentInput): Promise<Agent> => this.http.json('POST', `${V1}/agent`, { body }),
    update: (agentId: number, body: Partial<AgentInput> & { comments?: string | null }): Promise<Agent> => this.http.json('PUT', `${V1}/agent/${agentId}`, { body }),
    delete: (agentId: number): Promise<void> => this.http.json('DELETE', `${V1}/agent/${agentId}`),
    versions: (agentId: number): Promise<AgentVersion[]> => this.http.json('GET', `${V1}/agent/${agentId}/versions`),
    version: (agentId: number, version: number): Promise<AgentVersion & { definition: unknown }> => this.http.json('GET', `${V1}/agent/${agentId}/version/${version}`),
    restore: (agentId: number, version: number, comments?: string): Promise<void> => this.http.json('POST', `${V1}/agent/${agentId}/version/${version}/restore`, { body: { content: comments ?? null } }),
    archive: (agentId: number): Promise<void> => this.http.json('POST', `${V1}/agent/${agentId}/archive`),
    unarchive: (agentId: number): Promise<void> => this.http.json('POST', `${V1}/agent/${agentId}/unarchive`),
    /** An agent by id (digits) or by exact name (case-insensitive); undefined when none matches. */
    resolve: async (idOrName: string): Promise<Agent | undefined> => {
      if (/^\d+$/.test(idOrName.trim())) return this.agents.get(Number(idOrName));
      const want = idOrName.trim().toLowerCase();
      const found = await this.agents.list({ name: idOrName.trim() });
      return found.find((a) => a.name.toLowerCase() === want);
    },
  };

  readonly runs = {
    /** Async start: the run-status object (status 4 Queuing), with `id`/`runId`. Never retried. */
    start: (agentId: number, opts: StartOptions = {}): Promise<RunInfo> => this.http.json('POST', `${V1}/agent/${agentId}/start`, { body: startBody({ ...opts, isRunSynchronously: false }) }),
    /** Sync start: blocks until the run ends (or `timeout` s), answering `{ "<AgentName>": [records] }`. */
    startSync: async (agentId: number, opts: StartOptions = {}): Promise<{ runId: number | null; status: number | null; records: Record<string, unknown>[]; raw: unknown }> => {
      const res = await this.http.raw('POST', `${V1}/agent/${agentId}/start`, { body: startBody({ ...opts, isRunSynchronously: true }) });
      const raw = (await res.json()) as unknown;
      const records = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? ((Object.values(raw as object).find(Array.isArray) as Record<string, unknown>[] | undefined) ?? []) : [];
      const id = res.headers.get('x-run-id');
      const st = res.headers.get('x-run-status');
      return { runId: id ? Number(id) : null, status: st ? Number(st) : null, records, raw };
    },
    /** `waitForFinish` (s, ≤ 60) holds the request until the run ends or the time passes. */
    status: (agentId: number, runId: number, waitForFinish?: number): Promise<RunInfo> => this.http.json('GET', `${V1}/agent/${agentId}/run/${runId}/status`, { query: { waitForFinish } }),
    list: (agentId: number, maxRecords?: number): Promise<RunListItem[]> => this.http.json('GET', `${V1}/agent/${agentId}/runs`, { query: { maxRecords } }),
    history: (agentId: number, page?: { pageIndex?: number; recordsPerPage?: number }): Promise<{ runs: RunListItem[]; totalRecordCount: number }> =>
      this.http.json('GET', `${V1}/agent/${agentId}/runs/history`, { query: q(page) }),
    stop: (agentId: number, runId: number): Promise<void> => this.http.json('POST', `${V1}/agent/${agentId}/run/${runId}/stop`),
    kill: (agentId: number, runId: number): Promise<void> => this.http.json('POST', `${V1}/agent/${agentId}/run/${runId}/kill`),
    restart: (agentId: number, runId: number, opts: { failedOnly?: boolean } = {}): Promise<RunInfo> => this.http.json('POST', `${V1}/agent/${agentId}/run/${runId}/restart`, { body: opts }),
    delete: (agentId: number, runId: number, removeMethod?: RemoveMethod): Promise<void> => this.http.json('DELETE', `${V1}/agent/${agentId}/run/${runId}`, { query: { removeMethod } }),
    files: (agentId: number, runId: number): Promise<RunFile[]> => this.http.json('GET', `${V1}/agent/${agentId}/run/${runId}/files`),
    /** The file's bytes as a Response (the server streams it, or redirects to a signed URL that fetch follows). */
    download: (agentId: number, runId: number, fileId: number): Promise<Response> => this.http.raw('GET', `${V1}/agent/${agentId}/run/${runId}/file/${fileId}/download`, { headers: { Accept: '*/*' } }),
    records: (agentId: number, runId: number, page: { offset?: number; limit?: number } = {}): Promise<RecordsPage> => this.http.json('GET', `${V1}/agent/${agentId}/run/${runId}/records`, { query: q(page) }),
    /** The whole record set as one export file (streamed Response). */
    exportRecords: (agentId: number, runId: number, format: ExportFormat): Promise<Response> => this.http.raw('GET', `${V1}/agent/${agentId}/run/${runId}/records`, { query: { format }, headers: { Accept: '*/*' } }),
    log: (agentId: number, runId: number, after?: number): Promise<{ lines: { id: number; ts: string; level: string; message: string }[] }> => this.http.json('GET', `${V1}/agent/${agentId}/run/${runId}/log`, { query: { after } }),
  };

  readonly builder = {
    start: async (input: BuilderStartInput): Promise<{ sessionId: string; success?: boolean; error?: string | null }> => {
      const body = { mode: input.mode ?? (input.url && !input.prompt ? 'url' : 'prompt'), ...input };
      return this.http.json('POST', `${V1}/agent-builder/start`, { body });
    },
    status: (sessionId: string): Promise<BuilderStatus> => this.http.json('GET', `${V1}/agent-builder/${enc(sessionId)}/status`),
    /** Long poll: events after `lastEventIndex` (-1 for all); the server holds the request up to ~25 s. */
    events: (sessionId: string, lastEventIndex = -1, signal?: AbortSignal): Promise<BuilderEvents> =>
      this.http.json('GET', `${V1}/agent-builder/${enc(sessionId)}/events`, { query: { lastEventIndex }, ...(signal ? { signal } : {}) }),
    followup: (sessionId: string, message: string): Promise<{ success: boolean; error: string | null }> => this.http.json('POST', `${V1}/agent-builder/${enc(sessionId)}/followup`, { body: { message } }),
    finish: (sessionId: string, agentName: string): Promise<BuilderFinish> => this.http.json('POST', `${V1}/agent-builder/${enc(sessionId)}/finish`, { body: { agentName } }),
    cancel: (sessionId: string): Promise<{ success: boolean; error: string | null } | undefined> => this.http.json('POST', `${V1}/agent-builder/${enc(sessionId)}/cancel`),
    stop: (sessionId: string): Promise<{ success: boolean; error: string | null } | undefined> => this.http.json('POST', `${V1}/agent-builder/${enc(sessionId)}/stop`),
    conversation: (sessionId: string): Promise<Record<string, unknown>> => this.http.json('GET', `${V1}/agent-builder/${enc(sessionId)}/conversation`),
  };

  readonly schedules = {
    list: (agentId: number): Promise<Schedule[]> => this.http.json('GET', `${V1}/agent/${agentId}/schedules`),
    get: (agentId: number, scheduleId: number): Promise<Schedule> => this.http.json('GET', `${V1}/agent/${agentId}/schedules/${scheduleId}`),
    create: (agentId: number, body: ScheduleInput): Promise<Schedule> => this.http.json('POST', `${V1}/agent/${agentId}/schedules`, { body }),
    update: (agentId: number, scheduleId: number, body: Partial<ScheduleInput>): Promise<Schedule> => this.http.json('PUT', `${V1}/agent/${agentId}/schedules/${scheduleId}`, { body }),
    delete: (agentId: number, scheduleId: number): Promise<void> => this.http.json('DELETE', `${V1}/agent/${agentId}/schedules/${scheduleId}`),
    enable: (agentId: number, scheduleId: number): Promise<void> => this.http.json('POST', `${V1}/agent/${agentId}/schedules/${scheduleId}/enable`),
    disable: (agentId: number, scheduleId: number): Promise<void> => this.http.json('POST', `${V1}/agent/${agentId}/schedules/${scheduleId}/disable`),
    upcoming: (range: { startDate?: string; endDate?: string } = {}): Promise<Record<string, unknown>[]> => this.http.json('GET', `${V1}/analytics/schedules/upcoming`, { query: q(range) }),
  };

  readonly users = {
    list: (): Promise<User[]> => this.http.json('GET', `${V1}/users`),
    get: (userId: number): Promise<User> => this.http.json('GET', `${V1}/users/${userId}`),
    create: (body: { email: string; name?: string; role?: string; password?: string; spaceIds?: number[] }): Promise<User> => this.http.json('POST', `${V1}/users`, { body }),
    update: (userId: number, body: Record<string, unknown>): Promise<User> => this.http.json('PUT', `${V1}/users/${userId}`, { body }),
    delete: (userId: number): Promise<void> => this.http.json('DELETE', `${V1}/users/${userId}`),
    setPassword: (userId: number, password: string): Promise<void> => this.http.json('POST', `${V1}/users/${userId}/password`, { body: { password } }),
  };

  readonly apiKeys = {
    list: (userId: number): Promise<ApiKeyInfo[]> => this.http.json('GET', `${V1}/users/${userId}/api-keys`),
    /** Every key of the organization (administrators). */
    listAll: (): Promise<ApiKeyInfo[]> => this.http.json('GET', `${V1}/api-keys`),
    /** The answer carries the key itself, once. */
    create: (userId: number, body: { description?: string; expiresAt?: string; expiresInDays?: number } = {}): Promise<ApiKeyInfo & { key: string }> => this.http.json('POST', `${V1}/users/${userId}/api-keys`, { body }),
    revoke: (keyId: number): Promise<void> => this.http.json('DELETE', `${V1}/api-keys/${keyId}`),
  };

  readonly spaces = {
    list: (): Promise<Space[]> => this.http.json('GET', `${V1}/spaces`),
    get: (spaceId: number): Promise<Space> => this.http.json('GET', `${V1}/spaces/${spaceId}`),
    agents: (spaceId: number): Promise<Agent[]> => this.http.json('GET', `${V1}/spaces/${spaceId}/agents`),
    search: (name: string): Promise<Space> => this.http.json('GET', `${V1}/spaces/search`, { query: { name } }),
    create: (body: { name: string; description?: string | null }): Promise<Space> => this.http.json('POST', `${V1}/spaces`, { body }),
    update: (spaceId: number, body: { name?: string; description?: string | null }): Promise<Space> => this.http.json('PUT', `${V1}/spaces/${spaceId}`, { body }),
    delete: (spaceId: number): Promise<void> => this.http.json('DELETE', `${V1}/spaces/${spaceId}`),
    members: (spaceId: number): Promise<Record<string, unknown>[]> => this.http.json('GET', `${V1}/spaces/${spaceId}/members`),
    addMember: (spaceId: number, userId: number): Promise<unknown> => this.http.json('POST', `${V1}/spaces/${spaceId}/members`, { body: { userId } }),
    removeMember: (spaceId: number, userId: number): Promise<void> => this.http.json('DELETE', `${V1}/spaces/${spaceId}/members/${userId}`),
    runAll: (spaceId: number, inputParameters?: string): Promise<Record<string, unknown>> => this.http.json('POST', `${V1}/spaces/${spaceId}/run-all`, { body: { inputParameters } }),
  };

  readonly analytics = {
    runsSummary: (query: { startDate?: string; endDate?: string; status?: string; includeDetails?: boolean } = {}): Promise<Record<string, unknown>> => this.http.json('GET', `${V1}/analytics/runs/summary`, { query: q(query) }),
    recordsSummary: (query: { startDate?: string; endDate?: string; agentId?: number } = {}): Promise<Record<string, unknown>> => this.http.json('GET', `${V1}/analytics/records/summary`, { query: q(query) }),
    diagnostics: (agentId: number, runId: number): Promise<Record<string, unknown>> => this.http.json('GET', `${V1}/analytics/agents/${agentId}/runs/${runId}/diagnostics`),
    latestFailure: (agentId: number): Promise<Record<string, unknown>> => this.http.json('GET', `${V1}/analytics/agents/${agentId}/latest-failure`),
    upcomingSchedules: (range: { startDate?: string; endDate?: string } = {}): Promise<Record<string, unknown>[]> => this.http.json('GET', `${V1}/analytics/schedules/upcoming`, { query: q(range) }),
  };

  /** Polls a run until it reaches a terminal status; see helpers.ts. */
  waitForRun(agentId: number, runId: number, opts: WaitForRunOptions = {}): Promise<RunInfo> {
    return waitForRun(this, agentId, runId, opts);
  }

  /** Prompt → agent through the builder session API; see helpers.ts. */
  buildAgent(prompt: string, opts: BuildAgentOptions = {}): Promise<BuildAgentResult> {
    return buildAgent(this, prompt, opts);
  }
}

function startBody(o: StartOptions): Record<string, unknown> {
  const { inputParameters, ...rest } = o;
  // Sequentum takes input parameters as a JSON-encoded string.
  return { ...rest, ...(inputParameters !== undefined ? { inputParameters: typeof inputParameters === 'string' ? inputParameters : JSON.stringify(inputParameters) } : {}) };
}
