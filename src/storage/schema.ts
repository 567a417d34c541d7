/**
 * One schema for both dialects. Timestamps are ISO-8601 UTC strings with milliseconds in both (fixed
 * width, so they compare correctly as text), booleans are 0/1 integers, JSON is text. This keeps every
 * query identical on SQLite and PostgreSQL; dialect branches live only in migrations and in the few
 * locking statements of the run queue.
 */
import type { Generated } from 'kysely';

export type Bool = 0 | 1;

export interface OrganizationsTable { id: Generated<number>; name: string; created: string }

export interface SpacesTable {
  id: Generated<number>;
  organization_id: number;
  name: string;
  description: string | null;
  is_default: Bool;
  created: string;
  updated: string;
}

export interface UsersTable {
  id: Generated<number>;
  organization_id: number;
  email: string;
  name: string;
  role: 'Administrator' | 'User';
  password_hash: string | null;
  disabled: Bool;
  created: string;
  updated: string;
}

export interface SpaceMembersTable { space_id: number; user_id: number; created: string }

export interface ApiKeysTable {
  id: Generated<number>;
  user_id: number;
  /** Public lookup id embedded in the key (`sk-<keyId>_<secret>`); not secret. */
  key_id: string;
  /** HMAC-SHA256(pepper, full key), hex. The key itself is never stored. */
  secret_hash: string;
  last4: string;
  description: string | null;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created: string;
}

export interface UiSessionsTable { id: string; user_id: number; csrf_token: string; expires_at: string; created: string }

export interface AgentsTable {
  id: Generated<number>;
  space_id: number;
  user_id: number | null;
  name: string;
  description: string | null;
  documentation: string | null;
  config_type: string;
  spec: string;
  version: number;
  archived: Bool;
  validation_status: string;
  last_run_status: number | null;
  max_concurrent_runs: number | null;
  created: string;
  updated: string;
  last_activity: string;
}

export interface AgentVersionsTable {
  agent_id: number;
  version: number;
  spec: string;
  user_name: string | null;
  comments: string | null;
  created: string;
}

export interface RunsTable {
  id: Generated<number>;
  agent_id: number;
  space_id: number;
  organization_id: number;
  status: number;
  message: string | null;
  config_version: number;
  /** The agent definition as it was when the run was created: runs are reproducible after edits. */
  spec: string;
  input_parameters: string | null;
  /** JSON of the start options (parallelism, logLevel, limits overrides...). */
  options: string;
  is_exclusive: Bool;
  parent_run_id: number | null;
  parallel_set: number | null;
  sequence: number;
  started_by: string | null;
  schedule_id: number | null;
  created: string;
  start_time: string | null;
  end_time: string | null;
  page_count: number;
  request_count: number;
  data_count: number;
  error_count: number;
  export_count: number;
  action_count: number;
  input_count: number;
  dynamic_page_count: number;
  traffic: number;
  lease_owner: string | null;
  lease_expires_at: string | null;
  attempt: number;
  /** 0 none, 1 stop requested, 2 kill requested. Workers poll it, so it reaches any machine. */
  control: number;
  table_type: string;
}

export interface RunRequestsTable {
  run_id: number;
  unique_key: string;
  url: string;
  /** list | detail | page */
  kind: string;
  depth: number;
  page_number: number;
  user_data: string | null;
  /** pending | done | failed */
  state: string;
  attempts: number;
  last_error: string | null;
  seq: number;
  updated: string;
}

export interface RunRecordsTable {
  id: Generated<number>;
  run_id: number;
  /** Content hash (or dedupeBy hash): the same record from a retried page is stored once. */
  record_key: string;
  request_key: string;
  data: string;
  created: string;
}

export interface RunLogsTable { id: Generated<number>; run_id: number; ts: string; level: string; message: string }

export interface RunFilesTable {
  id: Generated<number>;
  run_id: number;
  name: string;
  file_type: string;
  /** export:<format> | log | blob */
  kind: string;
  size: number;
  content: Buffer | null;
  created: string;
}

export interface BuilderSessionsTable {
  id: string;
  user_id: number;
  space_id: number;
  status: string;
  phase: string;
  mode: string;
  prompt: string | null;
  url: string | null;
  /** JSON: intent, draft spec, analysis, conversation. */
  state: string;
  agent_id: number | null;
  agent_name: string | null;
  error: string | null;
  last_event_index: number;
  lease_owner: string | null;
  lease_expires_at: string | null;
  created: string;
  updated: string;
}

export interface BuilderEventsTable { session_id: string; event_index: number; type: string; payload: string; created: string }

export interface SchedulesTable {
  id: Generated<number>;
  agent_id: number;
  name: string;
  schedule_type: number;
  cron_expression: string | null;
  timezone: string;
  start_time: string | null;
  run_every_count: number | null;
  run_every_period: number | null;
  is_enabled: Bool;
  options: string;
  next_run_at: string | null;
  last_run_at: string | null;
  anchor: string;
  created: string;
  updated: string;
}

export interface ScheduleFiresTable { schedule_id: number; slot_time: string; run_id: number | null; outcome: string; created: string }

export interface SettingsTable { key: string; value: string }

export interface RunAttemptsTable {
  run_id: number;
  attempt: number;
  owner: string;
  claimed_at: string;
  lease_until: string;
  ended_at: string | null;
}

export interface HostSlotsTable {
  host: string;
  next_at: number;
}

export interface RateWindowsTable {
  key: string;
  window_start: number;
  count: number;
}

export interface Database {
  organizations: OrganizationsTable;
  spaces: SpacesTable;
  users: UsersTable;
  space_members: SpaceMembersTable;
  api_keys: ApiKeysTable;
  ui_sessions: UiSessionsTable;
  agents: AgentsTable;
  agent_versions: AgentVersionsTable;
  runs: RunsTable;
  run_requests: RunRequestsTable;
  run_records: RunRecordsTable;
  run_logs: RunLogsTable;
  run_files: RunFilesTable;
  builder_sessions: BuilderSessionsTable;
  builder_events: BuilderEventsTable;
  schedules: SchedulesTable;
  schedule_fires: ScheduleFiresTable;
  settings: SettingsTable;
  run_attempts: RunAttemptsTable;
  host_slots: HostSlotsTable;
  rate_windows: RateWindowsTable;
}
