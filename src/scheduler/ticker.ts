/**
 * The scheduler loop. Due fire times live in `schedules.next_run_at` (durable: a restart loses nothing), and a
 * tick claims each due slot with a compare-and-set on that column inside a transaction that also inserts the
 * run. Two processes on one PostgreSQL can tick at once: only one claim per slot succeeds, and a lost claim
 * rolls back its run. The clock is injected, so tests drive `tick()` with a FakeClock in milliseconds.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.ts';
import type { Database } from '../storage/schema.ts';
import type { ScheduleRow, SchedulesRepo } from '../storage/repos/schedules-repo.ts';
import type { RunRow } from '../storage/repos/runs-repo.ts';
import type { RunService, StartOptions } from '../services/run-service.ts';
import { catchUp, type ScheduleDefinition } from './schedule-rules.ts';
import { RunStatus } from '../domain/run-status.ts';

export interface TickerDeps {
  db: Kysely<Database>;
  schedules: SchedulesRepo;
  runs: RunService;
  clock: Clock;
  onError: (e: unknown) => void;
}

export interface FireResult {
  scheduleId: number;
  slot: string;
  runId: number;
  outcome: 'queued' | 'skipped';
  missed: number;
}

/** The stored row as the pure rules see it. */
export function definitionOf(row: Pick<ScheduleRow, 'schedule_type' | 'cron_expression' | 'start_time' | 'run_every_count' | 'run_every_period' | 'timezone'>): ScheduleDefinition {
  return { scheduleType: row.schedule_type, cronExpression: row.cron_expression, startTime: row.start_time, runEveryCount: row.run_every_count, runEveryPeriod: row.run_every_period, timezone: row.timezone };
}

export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<FireResult[]> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly d: TickerDeps) {}

  /** Ticks every `intervalMs` (1 s: fires are at most about a second late). */
  start(intervalMs = 1000): void {
    this.stopped = false;
    if (this.timer) return;
    this.timer = setInterval(() => this.wake(), intervalMs);
    this.wake();
  }

  /** Stops the loop and waits for a tick in progress, so close() never pulls the database from under it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  /** Schedules changed (or the interval elapsed): tick soon; a tick already running runs once more. */
  wake(): void {
    // Only a started ticker reacts; with background loops off, tests and tools call tick() themselves.
    if (this.stopped || !this.timer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.tick().catch((e) => this.d.onError(e));
  }

  /**
   * One pass over every due slot. A call during a pass joins it and makes it loop once more with a fresh
   * `now`, so the caller's promise always covers a pass that started after the call.
   */
  tick(): Promise<FireResult[]> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      const out: FireResult[] = [];
      try {
        do {
          this.again = false;
          const now = this.d.clock.now();
          for (const row of await this.d.schedules.due(now.toISOString(), 200)) {
            try {
              const r = await this.fire(row, now);
              if (r) out.push(r);
            } catch (e) {
              this.d.onError(e);
            }
          }
        } while (this.again && !this.stopped);
      } finally {
        this.running = null;
      }
      return out;
    })();
    return this.running;
  }

  private async fire(row: ScheduleRow, now: Date): Promise<FireResult | null> {
    const slot = row.next_run_at!;
    const nowIso = now.toISOString();
    let plan: ReturnType<typeof catchUp>;
    try {
      // Everything from the stored slot up to now is due; catchUp coalesces it into one fire.
      plan = catchUp(definitionOf(row), new Date(Date.parse(slot) - 1), now, new Date(row.anchor));
    } catch (e) {
      // A definition the rules cannot evaluate must not be retried every second.
      await this.d.db.transaction().execute((tx) => this.d.schedules.claimSlot(row.id, slot, null, nowIso, tx));
      this.d.onError(e);
      return null;
    }
    const next = plan.next ? plan.next.toISOString() : null;
    if (!plan.fireNow) {
      await this.d.db.transaction().execute(async (tx) => {
        if (await this.d.schedules.claimSlot(row.id, slot, next, nowIso, tx)) await this.d.schedules.recordFire(row.id, slot, null, 'none', tx);
      });
      return null;
    }
    const agent = await this.d.schedules.agentOf(row.agent_id);
    if (!agent) {
      await this.d.db.transaction().execute((tx) => this.d.schedules.claimSlot(row.id, slot, null, nowIso, tx));
      return null;
    }
    const notes: string[] = [];
    if (plan.missed > 1) notes.push(`missed ${plan.missed} slots while the server was down; fired once`);
    else if (now.getTime() - Date.parse(slot) > 60_000) notes.push(`fired ${Math.round((now.getTime() - Date.parse(slot)) / 1000)} s late (the server was down at ${slot})`);
    const options = parseOptions(row.options);
    let outcome: FireResult['outcome'] = 'queued';
    const run = await this.d.runs.startScheduled(agent, agent.organization_id, options, { scheduleId: row.id, startedBy: `Schedule: ${row.name}`, note: notes.join('; ') || null }, (insert) =>
      this.d.db.transaction().execute(async (tx): Promise<RunRow | null> => {
        if (!(await this.d.schedules.claimSlot(row.id, slot, next, nowIso, tx))) return null;
        const created = await insert(tx, nowIso);
        outcome = created.status === RunStatus.Skipped ? 'skipped' : 'queued';
        await this.d.schedules.recordFire(row.id, slot, created.id, outcome === 'queued' ? 'queued' : `skipped: ${created.message ?? ''}`.slice(0, 500), tx);
        return created;
      }),
    );
    return run ? { scheduleId: row.id, slot, runId: run.id, outcome, missed: plan.missed } : null;
  }
}

/** The run options saved with a schedule; unreadable JSON means defaults rather than a dead schedule. */
function parseOptions(text: string): StartOptions {
  try {
    const o = JSON.parse(text) as StartOptions & { serverGroupId?: unknown };
    const { serverGroupId: _s, ...rest } = o;
    return rest;
  } catch {
    return {};
  }
}
