import { z } from 'zod';
import { agentIdParams, intParam, route } from '../route.ts';
import { scheduleModel } from '../../services/schedule-service.ts';
import { resolveRange } from '../../services/analytics-service.ts';

const scheduleParams = z.object({ agentId: intParam('agentId'), scheduleId: intParam('scheduleId') });

/** Integers, numeric strings, or (for enums) names in any case, as ASP.NET binds them. */
const num = (name: string, names?: Record<string, number>) =>
  z.preprocess(
    (v) => {
      if (v === '' || v === null) return null;
      if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
      if (typeof v === 'string' && names) return names[v.trim().toLowerCase()] ?? v;
      return v;
    },
    z.number({ error: `${name} must be ${names ? `an integer or one of ${Object.keys(names).join(', ')}` : 'an integer'}` }).int(`${name} must be an integer`).nullish(),
  );
const bool = (name: string) => z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: `${name} must be true or false` }).optional());

const SCHEDULE_TYPES = { none: 0, runonce: 1, runevery: 2, cron: 3 };
const PERIODS = { minutes: 1, minute: 1, hours: 2, hour: 2, days: 3, day: 3, weeks: 4, week: 4, months: 5, month: 5 };

export const ScheduleBody = z.object({
  name: z.string().max(200).optional(),
  cronExpression: z.string().max(200).nullish(),
  /** Accepted and ignored: the server generates it. */
  localSchedule: z.string().nullish(),
  /** Sequentum's response field; accepted on input as an alias of cronExpression. */
  schedule: z.string().max(200).nullish(),
  timezone: z.string().max(100).nullish(),
  startTime: z.string().max(60).nullish(),
  scheduleType: num('scheduleType', SCHEDULE_TYPES),
  isEnabled: bool('isEnabled'),
  runEveryCount: num('runEveryCount'),
  runEveryPeriod: num('runEveryPeriod', PERIODS),
  inputParameters: z.union([z.string(), z.record(z.string(), z.unknown()).transform((o) => JSON.stringify(o))]).nullish(),
  parallelism: num('parallelism'),
  parallelMaxConcurrency: num('parallelMaxConcurrency'),
  parallelExport: z
    .string()
    .nullish()
    .transform((v, ctx) => {
      if (v === undefined || v === null) return undefined;
      const l = v.toLowerCase();
      if (l === 'combined') return 'Combined' as const;
      if (l === 'separated' || l === 'separate') return 'Separated' as const;
      ctx.addIssue({ code: 'custom', message: 'must be Combined or Separated' });
      return undefined;
    }),
  proxyPoolId: num('proxyPoolId'),
  serverGroupId: num('serverGroupId'),
  logLevel: z.string().max(20).nullish(),
  logMode: z.string().max(20).nullish(),
  isExclusive: bool('isExclusive'),
  isWaitOnFailure: bool('isWaitOnFailure'),
});
type Body = z.infer<typeof ScheduleBody>;

/** Wire body → service input: nulls for options mean "default", the `schedule` alias fills cronExpression. */
function input(b: Body) {
  const { localSchedule: _l, schedule, ...rest } = b;
  return {
    ...rest,
    cronExpression: rest.cronExpression ?? schedule ?? (rest.cronExpression === null ? null : undefined),
    parallelism: rest.parallelism ?? undefined,
    parallelMaxConcurrency: rest.parallelMaxConcurrency ?? undefined,
    logLevel: rest.logLevel ?? undefined,
    logMode: rest.logMode ?? undefined,
  };
}

export const scheduleRoutes = [
  route({
    method: 'GET',
    path: '/api/v1/agent/:agentId/schedules',
    summary: "An agent's schedules (AgentScheduleApiModel[], with nextRunTime in UTC and localSchedule)",
    tag: 'Schedules',
    access: 'user',
    params: agentIdParams,
    responses: { 200: { description: 'AgentScheduleApiModel[]' }, 404: { description: 'Unknown agent' } },
    handler: async ({ platform, principal, params }) => (await platform.schedules.list(principal, params.agentId)).map(scheduleModel),
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent/:agentId/schedules',
    summary: 'Create a schedule: RunOnce (1, startTime UTC ≥ 1 min ahead), RunEvery (2, runEveryCount × runEveryPeriod 1-5) or CRON (3, default; 5 fields) in an IANA timezone',
    tag: 'Schedules',
    access: 'user',
    params: agentIdParams,
    body: ScheduleBody,
    successStatus: 201,
    responses: { 201: { description: 'The created schedule' }, 400: { description: 'Missing fields for the type, invalid cron, startTime in the past, bad timezone' } },
    handler: async ({ platform, principal, params, body }) => scheduleModel(await platform.schedules.create(principal, params.agentId, input(body))),
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent/:agentId/schedules/:scheduleId',
    summary: 'One schedule',
    tag: 'Schedules',
    access: 'user',
    params: scheduleParams,
    responses: { 200: { description: 'AgentScheduleApiModel' }, 404: { description: 'Unknown schedule' } },
    handler: async ({ platform, principal, params }) => scheduleModel(await platform.schedules.get(principal, params.agentId, params.scheduleId)),
  }),
  route({
    method: 'PUT',
    path: '/api/v1/agent/:agentId/schedules/:scheduleId',
    summary: 'Update a schedule; omitted fields keep their value, scheduleType is inferred when omitted (cronExpression → 3, runEvery* → 2)',
    tag: 'Schedules',
    access: 'user',
    params: scheduleParams,
    body: ScheduleBody,
    responses: { 200: { description: 'The updated schedule' }, 400: { description: 'Invalid schedule' } },
    handler: async ({ platform, principal, params, body }) => scheduleModel(await platform.schedules.update(principal, params.agentId, params.scheduleId, input(body))),
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/agent/:agentId/schedules/:scheduleId',
    summary: 'Delete a schedule (its runs stay)',
    tag: 'Schedules',
    access: 'user',
    params: scheduleParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ platform, principal, params }) => platform.schedules.delete(principal, params.agentId, params.scheduleId),
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent/:agentId/schedules/:scheduleId/enable',
    summary: 'Enable: fires resume from now (slots passed while disabled are not fired)',
    tag: 'Schedules',
    access: 'user',
    params: scheduleParams,
    responses: { 204: { description: 'Enabled' } },
    handler: async ({ platform, principal, params }) => {
      await platform.schedules.setEnabled(principal, params.agentId, params.scheduleId, true);
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent/:agentId/schedules/:scheduleId/disable',
    summary: 'Disable: pauses fires, keeps the configuration',
    tag: 'Schedules',
    access: 'user',
    params: scheduleParams,
    responses: { 204: { description: 'Disabled' } },
    handler: async ({ platform, principal, params }) => {
      await platform.schedules.setEnabled(principal, params.agentId, params.scheduleId, false);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/analytics/schedules/upcoming',
    summary: 'Enabled schedules firing between startDate and endDate (default today to +7 days), soonest first',
    tag: 'Analytics',
    access: 'user',
    query: z.object({ startDate: z.string().optional(), endDate: z.string().optional() }),
    responses: { 200: { description: '[{ scheduleId, agentId, agentName, scheduleName, nextRunTime, timezone, isEnabled }]' } },
    handler: async ({ platform, principal, query }) => {
      const { from, to } = resolveRange(query.startDate, query.endDate, platform.clock.now(), 7);
      return platform.schedules.upcoming(principal, from, to);
    },
  }),
];
