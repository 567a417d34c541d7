/**
 * Wire shapes of the API as the client sees them (api-spec.md). Hand-written rather than generated:
 * the route table's responses carry descriptions, not schemas, for most endpoints. Every model keeps an
 * index signature so fields the server adds later do not break callers.
 */
import { RunStatus, TERMINAL_STATUSES, isTerminal, runStatusName, type RunStatusName } from '../domain/run-status.ts';

export { RunStatus, TERMINAL_STATUSES, isTerminal, runStatusName, type RunStatusName };
export type RunStatusCode = (typeof RunStatus)[keyof typeof RunStatus];

export interface Agent {
  id: number;
  name: string;
  description: string | null;
  configType: string;
  spaceId: number | null;
  startUrl: string | null;
  inputParameters: Record<string, string> | null;
  /** Last run's RunStatus; null when the agent never ran. */
  status: number | null;
  validationStatus: string;
  version: number;
  created: string;
  updated: string;
  lastActivity: string | null;
  isArchived?: boolean;
  /** Present on single-agent reads, not in lists. */
  definition?: unknown;
  [k: string]: unknown;
}

export interface AgentInput {
  name: string;
  description?: string | null;
  spaceId?: number | null;
  configType?: string | number;
  maxConcurrentRuns?: number | null;
  /** The agent definition (docs/agent-spec.md) as an object or JSON string. */
  definition: unknown;
}

export interface AgentListQuery {
  pageIndex?: number;
  recordsPerPage?: number;
  sortColumn?: string;
  sortOrder?: 0 | 1;
  name?: string;
  status?: number | string;
  spaceId?: number;
  configType?: string;
  includeArchived?: boolean;
}

export interface AgentVersion {
  userName: string;
  version: number;
  created: string;
  comments: string | null;
  fileSize: number;
  [k: string]: unknown;
}

export interface StartOptions {
  /** Input parameters: an object (sent as the JSON string Sequentum expects) or that string. */
  inputParameters?: Record<string, string> | string;
  isRunSynchronously?: boolean;
  /** Sync only: seconds to wait. */
  timeout?: number;
  parallelism?: number;
  parallelMaxConcurrency?: number;
  parallelExport?: 'Combined' | 'Separated';
  proxyPoolId?: number;
  isExclusive?: boolean;
  isWaitOnFailure?: boolean;
  logLevel?: string;
  logMode?: string;
}

/** GET .../run/:runId/status and the async start answer. */
export interface RunInfo {
  id: number;
  runId?: number;
  configId: number;
  configName: string | null;
  status: number;
  message: string | null;
  startTime: string | null;
  endTime: string | null;
  created: string;
  pageCount: number;
  requestCount: number;
  dataCount: number;
  errorCount: number;
  exportCount: number;
  runTimeSec: number;
  [k: string]: unknown;
}

/** An entry of GET /agent/:agentId/runs. */
export interface RunListItem {
  id: number;
  configId: number;
  status: number;
  startTime: string | null;
  endTime: string | null;
  created: string;
  startedBy: string | null;
  errorMessage: string | null;
  recordsExtracted: number | null;
  recordsExported: number | null;
  [k: string]: unknown;
}

export interface RunFile {
  id: number;
  name: string;
  fileType: string;
  fileSize: number;
  created: string;
  [k: string]: unknown;
}

export interface RecordsPage {
  records: Record<string, unknown>[];
  total: number;
  columns?: string[];
  [k: string]: unknown;
}

export type ExportFormat = 'json' | 'csv' | 'ndjson' | 'xlsx';
export type RemoveMethod = 'RemoveEntireRun' | 'RemoveAllFiles' | 'RemoveAllFilesAndAgentInput';

// ---- Agent Builder (api-spec §1.1, §2)

export type BuilderStatusName = 'processing' | 'ready' | 'completed' | 'error' | 'cancelled';

export interface BuilderStartInput {
  prompt?: string;
  url?: string;
  mode?: 'prompt' | 'url';
  spaceId?: number;
}

export interface BuilderStatus {
  status: BuilderStatusName | null;
  lastEventIndex: number;
  configId: number | null;
  agentId?: number | null;
  agentName: string | null;
  error: string | null;
  phase?: string;
  [k: string]: unknown;
}

export interface BuilderEvent {
  type: string;
  timestamp: string;
  eventIndex: number;
  [k: string]: unknown;
}

/** The builder's sample: records from a test extraction with per-field fill rates (0..1). */
export interface SampleRecordsEvent extends BuilderEvent {
  type: 'sample_records';
  records: Record<string, unknown>[];
  fillRates: Record<string, number>;
  recordCount: number;
}

export interface BuilderEvents {
  events: BuilderEvent[];
  lastEventIndex: number;
  [k: string]: unknown;
}

export interface BuilderFinish {
  success: boolean;
  agentId: number;
  configId?: number;
  agentName: string;
  error: string | null;
  [k: string]: unknown;
}

// ---- Schedules, users, keys, spaces (api-spec §1.3–1.5, §5)

export interface Schedule {
  id: number;
  configId: number;
  name: string;
  schedule: string | null;
  localSchedule: string | null;
  timezone: string | null;
  nextRunTime: string | null;
  scheduleType: number;
  isEnabled: boolean;
  [k: string]: unknown;
}

export interface ScheduleInput {
  name: string;
  cronExpression?: string;
  scheduleType?: number;
  timezone?: string;
  startTime?: string;
  runEveryCount?: number;
  runEveryPeriod?: number;
  inputParameters?: string;
  isEnabled?: boolean;
  [k: string]: unknown;
}

export interface User {
  id: number;
  email: string;
  name: string;
  role: string;
  [k: string]: unknown;
}

export interface ApiKeyInfo {
  id: number;
  description?: string | null;
  expiresAt?: string | null;
  /** Only in the answer to a create: the key itself, shown once. */
  key?: string;
  [k: string]: unknown;
}

export interface Space {
  id: number;
  name: string;
  description?: string | null;
  organizationId: number;
  isDefaultAccess: boolean;
  [k: string]: unknown;
}

export interface Me {
  userId: number;
  email: string;
  name?: string;
  role: string;
  organizationId: number;
  spaceIds: number[];
  [k: string]: unknown;
}
