/**
 * `POST /ui/schedule-preview`: the next fire times of an unsaved schedule, for the schedule form. It reuses
 * the scheduler's own rules (validation, cron in a time zone, RunEvery anchoring), so the preview cannot
 * disagree with what the ticker will do, and the browser needs no cron parser. Session-only (the API proper
 * has no such endpoint in Sequentum's contract).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Platform } from '../platform.ts';
import { problem } from '../api/errors.ts';
import { describeSchedule, nextRunTimes, validateScheduleDefinition, type ScheduleDefinition } from '../scheduler/schedule-rules.ts';
import { formatLocal } from '../scheduler/tz.ts';

const num = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 200) : null);

export function registerSchedulePreview(app: FastifyInstance, platform: Platform, requireSession: (req: FastifyRequest) => Promise<boolean>): void {
  app.post('/ui/schedule-preview', async (req, reply) => {
    if (!(await requireSession(req))) return reply.code(401).type('application/problem+json').send(problem(401, 'unauthorized', 'Sign in first', req.url));
    const b = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const def: ScheduleDefinition = {
      scheduleType: num(b.scheduleType) ?? 3,
      cronExpression: str(b.cronExpression),
      startTime: str(b.startTime),
      runEveryCount: num(b.runEveryCount),
      runEveryPeriod: num(b.runEveryPeriod),
      timezone: str(b.timezone) ?? 'UTC',
    };
    const now = platform.clock.now();
    const errors = validateScheduleDefinition(def, now);
    if (errors.length) return { errors, nextRunTimes: [], localSchedule: null };
    const tz = def.timezone ?? 'UTC';
    const times = nextRunTimes(def, now, 5, now);
    return { errors: [], localSchedule: describeSchedule(def, now), timezone: tz, nextRunTimes: times.map((t) => ({ utc: t.toISOString(), local: formatLocal(t, tz) })) };
  });
}
