import { z } from 'zod';
import { optionalBool, optionalInt, route, runParams, agentIdParams } from '../route.ts';

export const analyticsRoutes = [
  route({
    method: 'GET',
    path: '/api/v1/analytics/runs/summary',
    summary: 'Run counts by outcome between startDate and endDate (dates inclusive, default today); failedRunDetails lists failed runs (or those of `status`)',
    tag: 'Analytics',
    access: 'user',
    query: z.object({ startDate: z.string().optional(), endDate: z.string().optional(), status: z.string().optional(), includeDetails: optionalBool('includeDetails') }),
    responses: { 200: { description: '{ startDate, endDate, totalRuns, completedRuns, failedRuns, completedWithErrorsRuns, runningRuns, queuedRuns, stoppedRuns, skippedRuns, failedRunDetails? }' } },
    handler: ({ platform, principal, query }) => platform.analytics.runsSummary(principal, query),
  }),
  route({
    method: 'GET',
    path: '/api/v1/analytics/records/summary',
    summary: 'Records extracted/exported, errors and page loads between startDate and endDate, optionally for one agent',
    tag: 'Analytics',
    access: 'user',
    query: z.object({ startDate: z.string().optional(), endDate: z.string().optional(), agentId: optionalInt('agentId') }),
    responses: { 200: { description: '{ startDate, endDate, totalRecordsExtracted, totalRecordsExported, totalErrors, totalPageLoads, runCount, agentId }' } },
    handler: ({ platform, principal, query }) => platform.analytics.recordsSummary(principal, query),
  }),
  route({
    method: 'GET',
    path: '/api/v1/analytics/agents/:agentId/runs/:runId/diagnostics',
    summary: "Why a run failed: possibleCauses and suggestedActions derived from its failed requests and error log",
    tag: 'Analytics',
    access: 'user',
    params: runParams,
    responses: { 200: { description: '{ runId, agentId, agentName, status (int), errorMessage, stats, possibleCauses, suggestedActions }' }, 404: { description: 'Unknown run' } },
    handler: ({ platform, principal, params }) => platform.analytics.diagnostics(principal, params.agentId, params.runId),
  }),
  route({
    method: 'GET',
    path: '/api/v1/analytics/agents/:agentId/latest-failure',
    summary: 'Diagnostics of the newest failed run of an agent; 404 when it has none',
    tag: 'Analytics',
    access: 'user',
    params: agentIdParams,
    responses: { 200: { description: 'As diagnostics' }, 404: { description: 'No failed run' } },
    handler: ({ platform, principal, params }) => platform.analytics.latestFailure(principal, params.agentId),
  }),
];
