/**
 * Schedules as the API sees them (AgentScheduleApiModel, api-spec §4). Access goes through the agent: a
 * schedule of an agent the caller cannot see is "not found". Timing rules are the pure functions of
 * scheduler/schedule-rules.ts; this service stores their result in next_run_at, which the ticker reads.
 */
import { ApiError, ValidationError } from '../domain/errors.ts';
import type { Clock } from '../domain/clock.ts';
import type { ScheduleRow, SchedulesRepo } from '../storage/repos/schedules-repo.ts';
import { ScheduleType, describeSchedule, inferScheduleType, nextRunTime, validateScheduleDefinition, normalizePeriod, parseUtcTimestamp, timezoneOf, type ScheduleDefinition } from '../scheduler/schedule-rules.ts';
import { definitionOf } from '../scheduler/ticker.ts';
import type { AgentService } from './agent-service.ts';
import type { RunService } from './run-service.ts';
import { scopeOf, type Principal } from './access.ts';
import { extractListInputs, splitStartUrls } from './parallel-runs.ts';
import { parseAgentSpec } from '../domain/agent-spec.ts';

export interface ScheduleInput {
  name?: string;
  cronExpression?: string | null;
  timezone?: string | null;
  startTime?: string | null;
  scheduleType?: number | null;
  isEnabled?: boolean;
  runEveryCount?: number | null;
  runEveryPeriod?: number | null;
  inputParameters?: string | null;
  parallelism?: number;
  parallelMaxConcurrency?: number;
  parallelExport?: 'Combined' | 'Separated';
  proxyPoolId?: number | null;
  serverGroupId?: number | null;
  logLevel?: string;
  logMode?: string;
  isExclusive?: boolean;
  isWaitOnFailure?: boolean;
}

const OPTION_KEYS = ['inputParameters', 'parallelism', 'parallelMaxConcurrency', 'parallelExport', 'proxyPoolId', 'serverGroupId', 'logLevel', 'logMode', 'isExclusive', 'isWaitOnFailure'] as const;
const TIMING_KEYS = ['scheduleType', 'cronExpression', 'timezone', 'startTime', 'runEveryCount', 'runEveryPeriod'] as const;
const OPTION_DEFAULTS = { inputParameters: null, parallelism: 1, parallelMaxConcurrency: 1, parallelExport: 'Combined', proxyPoolId: null, serverGroupId: null, logLevel: 'Info', logMode: 'Text', isExclusive: true, isWaitOnFailure: false };

export function scheduleModel(r: ScheduleRow) {
  let o: Record<string, unknown> = {};
  try {
    o = JSON.parse(r.options) as Record<string, unknown>;
  } catch {
    /* defaults below */
  }
  const def = definitionOf(r);
  const opt = { ...OPTION_DEFAULTS, ...o };
  return {
    id: r.id,
    configId: r.agent_id,
    name: r.name,
    schedule: r.cron_expression,
    cronExpression: r.cron_expression,
    localSchedule: safeDescribe(def, new Date(r.anchor)),
    timezone: r.timezone,
    nextRunTime: r.is_enabled ? r.next_run_at : null,
    lastRunTime: r.last_run_at,
    startTime: r.start_time,
    scheduleType: r.schedule_type,
    isEnabled: r.is_enabled === 1,
    runEveryCount: r.run_every_count,
    runEveryPeriod: r.run_every_period,
    ...Object.fromEntries(OPTION_KEYS.map((k) => [k, opt[k]])),
    created: r.created,
    updated: r.updated,
  };
}

function safeDescribe(def: ScheduleDefinition, anchor: Date): string {
  try {
    return describeSchedule(def, anchor);
  } catch {
    return 'Invalid schedule';
  }
}

export class ScheduleService {
  /** Set by the platform: wakes the ticker so a changed schedule is seen at once. */
  onChange: () => void = () => {};

  constructor(private readonly repo: SchedulesRepo, private readonly agents: AgentService, private readonly runs: RunService, private readonly clock: Clock) {}

  async list(p: Principal, agentId: number): Promise<ScheduleRow[]> {
    await this.agents.get(p, agentId);
    return this.repo.listForAgent(agentId);
  }

  async get(p: Principal, agentId: number, id: number): Promise<ScheduleRow> {
    await this.agents.get(p, agentId);
    const s = await this.repo.get(agentId, id);
    if (!s) throw ApiError.notFound(`Agent ${agentId} has no schedule ${id}`);
    return s;
  }

  async create(p: Principal, agentId: number, input: ScheduleInput): Promise<ScheduleRow> {
    const agent = await this.agents.get(p, agentId);
    const name = input.name?.trim();
    const errors: string[] = name ? [] : ['name: is required'];
    const inferred = inferScheduleType(input as Record<string, unknown>);
    if (!inferred.ok) throw new ValidationError([...errors, inferred.error]);
    const def: ScheduleDefinition = { ...pickTiming(input), scheduleType: inferred.scheduleType ?? ScheduleType.CRON };
    const now = this.clock.now();
    errors.push(...validateScheduleDefinition(def, now), ...this.checkOptions(agent, input));
    if (errors.length) throw new ValidationError(errors);
    const enabled = input.isEnabled ?? true;
    const row = await this.repo.create(
      {
        agent_id: agentId,
        name: name!,
        ...columnsOf(def),
        is_enabled: enabled ? 1 : 0,
        options: JSON.stringify(pickOptions({}, input)),
        next_run_at: enabled ? iso(nextRunTime(def, now, now)) : null,
        last_run_at: null,
        anchor: now.toISOString(),
      },
      now.toISOString(),
    );
    this.onChange();
    return row;
  }

  /** PUT: fields left out keep their stored value; a timing change re-anchors and recomputes nextRunTime. */
  async update(p: Principal, agentId: number, id: number, input: ScheduleInput): Promise<ScheduleRow> {
    const cur = await this.get(p, agentId, id);
    const agent = await this.agents.get(p, agentId);
    const errors: string[] = input.name !== undefined && !input.name?.trim() ? ['name: must not be empty'] : [];
    const inferred = inferScheduleType(input as Record<string, unknown>);
    if (!inferred.ok) throw new ValidationError([...errors, inferred.error]);
    const stored = definitionOf(cur);
    const def: ScheduleDefinition = { ...stored, ...pickTiming(input), scheduleType: inferred.scheduleType ?? stored.scheduleType };
    const timingChanged = TIMING_KEYS.some((k) => JSON.stringify(def[k] ?? null) !== JSON.stringify(stored[k] ?? null));
    const now = this.clock.now();
    // An unchanged RunOnce that already fired has a past startTime; that is not the caller's mistake.
    if (timingChanged) errors.push(...validateScheduleDefinition(def, now));
    errors.push(...this.checkOptions(agent, input));
    if (errors.length) throw new ValidationError(errors);
    const enabled = input.isEnabled ?? cur.is_enabled === 1;
    const reanchor = timingChanged || (enabled && cur.is_enabled !== 1);
    const anchor = reanchor ? now : new Date(cur.anchor);
    let next = cur.next_run_at;
    if (!enabled) next = null;
    else if (reanchor) next = iso(nextRunTime(def, now, anchor));
    const row = await this.repo.update(
      id,
      {
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...columnsOf(def),
        is_enabled: enabled ? 1 : 0,
        options: JSON.stringify(pickOptions(safeJson(cur.options), input)),
        next_run_at: next,
        anchor: anchor.toISOString(),
      },
      now.toISOString(),
    );
    this.onChange();
    return row;
  }

  async delete(p: Principal, agentId: number, id: number): Promise<void> {
    await this.get(p, agentId, id);
    await this.repo.delete(id);
    this.onChange();
  }

  /** Disable keeps the configuration and pauses fires; enable counts from now (slots missed while disabled are not fired). */
  async setEnabled(p: Principal, agentId: number, id: number, enabled: boolean): Promise<ScheduleRow> {
    const cur = await this.get(p, agentId, id);
    if ((cur.is_enabled === 1) === enabled) return cur;
    return this.update(p, agentId, id, { isEnabled: enabled });
  }

  async upcoming(p: Principal, from: Date, to: Date) {
    const rows = await this.repo.upcoming(p.organizationId, scopeOf(p), from.toISOString(), to.toISOString());
    return rows.map((r) => ({ scheduleId: r.scheduleId, agentId: r.agentId, agentName: r.agentName, scheduleName: r.scheduleName, nextRunTime: r.nextRunTime, timezone: r.timezone, isEnabled: r.is_enabled === 1 }));
  }

  private checkOptions(agent: Parameters<RunService['parseInputs']>[0], input: ScheduleInput): string[] {
    const errors: string[] = [];
    if (input.parallelism !== undefined && (input.parallelism < 1 || input.parallelism > 50)) errors.push('parallelism: must be between 1 and 50');
    if (input.parallelMaxConcurrency !== undefined && (input.parallelMaxConcurrency < 1 || input.parallelMaxConcurrency > 50)) errors.push('parallelMaxConcurrency: must be between 1 and 50');
    // As a start does: with parallelism > 1, one parameter may hold a list of values to split between sub-runs.
    const parallelism = input.parallelism ?? 1;
    const split = parallelism > 1 ? extractListInputs(input.inputParameters) : { rest: input.inputParameters, lists: {} };
    try {
      const inputs = this.runs.parseInputs(agent, split.rest);
      const spec = parallelism > 1 ? parseAgentSpec(JSON.parse(agent.spec)) : null;
      // Said now rather than as a Skipped run at the first fire (the agent may still change before then).
      if (spec?.ok) splitStartUrls(spec.value, inputs, split.lists, parallelism);
    } catch (e) {
      errors.push(...(e instanceof ValidationError ? e.errors : [String(e)]));
    }
    return errors;
  }
}

function pickTiming(input: ScheduleInput): Partial<ScheduleDefinition> {
  const out: Partial<ScheduleDefinition> = {};
  for (const k of TIMING_KEYS) if (input[k] !== undefined && k !== 'scheduleType') (out as Record<string, unknown>)[k] = input[k];
  return out;
}

function pickOptions(base: Record<string, unknown>, input: ScheduleInput): Record<string, unknown> {
  const out = { ...base };
  for (const k of OPTION_KEYS) if (input[k] !== undefined) out[k] = input[k];
  return out;
}

function columnsOf(def: ScheduleDefinition) {
  const t = def.scheduleType;
  return {
    schedule_type: t,
    // Only the fields of the chosen type are kept, so a later type inference is not confused by leftovers.
    cron_expression: t === ScheduleType.CRON ? (def.cronExpression ?? null) : null,
    timezone: timezoneOf(def),
    start_time: t === ScheduleType.CRON || !def.startTime ? null : (parseUtcTimestamp(def.startTime)?.toISOString() ?? null),
    run_every_count: t === ScheduleType.RunEvery ? (def.runEveryCount ?? null) : null,
    run_every_period: t === ScheduleType.RunEvery ? normalizePeriod(def.runEveryPeriod) : null,
  };
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

function safeJson(s: string): Record<string, unknown> {
  try {
    return JSON.parse(s) as Record<string, unknown>;
  } catch {
    return {};
  }
}
