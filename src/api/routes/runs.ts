import { z } from 'zod';
import { agentIdParams, enumNameOrInt, intParam, optionalBool, optionalInt, route, runParams } from '../route.ts';
import { fileModel, runListModel, runStatusModel } from '../models.ts';
import { ApiError } from '../../domain/errors.ts';
import { isTerminal } from '../../domain/run-status.ts';
import { contentTypeFor, isExportFormat } from '../../export/write-export.ts';

const lenientBool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const lenientInt = z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int());

export const StartBody = z.object({
  inputParameters: z.union([z.string(), z.record(z.string(), z.unknown()).transform((o) => JSON.stringify(o))]).nullish(),
  isRunSynchronously: lenientBool.optional(),
  timeout: lenientInt.optional(),
  parallelism: lenientInt.optional(),
  parallelMaxConcurrency: lenientInt.optional(),
  parallelExport: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const l = v.toLowerCase();
      if (l === 'combined') return 'Combined' as const;
      if (l === 'separated' || l === 'separate') return 'Separated' as const;
      ctx.addIssue({ code: 'custom', message: 'must be Combined or Separated' });
      return undefined;
    }),
  proxyPoolId: lenientInt.nullish(),
  isExclusive: lenientBool.optional(),
  isWaitOnFailure: lenientBool.optional(),
  logLevel: z.enum(['Trace', 'Debug', 'Info', 'Information', 'Warning', 'Error', 'Fatal', 'Critical', 'trace', 'debug', 'info', 'warning', 'error', 'fatal', 'critical']).optional(),
  logMode: z.string().optional(),
  concurrency: lenientInt.optional(),
  perHostDelayMs: lenientInt.optional(),
});

const REMOVE_METHODS = { RemoveEntireRun: 0, RemoveAllFiles: 1, RemoveAllFilesAndAgentInput: 2 } as const;

export const runRoutes = [
  route({
    method: 'POST',
    path: '/api/v1/agent/:agentId/start',
    summary: 'Start a run: async by default (202 + run object); with isRunSynchronously, blocks and returns { "<AgentName>": [records] }',
    tag: 'Runs',
    access: 'user',
    params: agentIdParams,
    body: StartBody,
    longRunning: true,
    responses: {
      202: { description: 'Run queued: the run-status object, with runId' },
      200: { description: 'Sync: { "<AgentName>": [ {record}, ... ] }; the run id is in the X-Run-Id header' },
      409: { description: 'Agent archived, or an exclusive agent already running' },
      504: { description: 'Sync run did not finish within timeout; it goes on (poll X-Run-Id)' },
    },
    handler: async ({ platform, principal, params, body, reply, req }) => {
      const run = await platform.runs.start(principal, params.agentId, body);
      reply.header('X-Run-Id', String(run.id));
      reply.header('Location', `/api/v1/agent/${params.agentId}/run/${run.id}/status`);
      const agent = await platform.agents.get(principal, params.agentId);
      if (!body.isRunSynchronously) {
        reply.code(202);
        return runStatusModel(run, { agentName: agent.name, now: platform.clock.now() });
      }
      const abort = new AbortController();
      req.raw.on('close', () => abort.abort());
      const done = await platform.runs.waitForEnd(run.id, (body.timeout ?? 60) * 1000, abort.signal);
      if (!done) throw new ApiError(504, 'timeout', `Timeout waiting for agent to complete: run ${run.id} is still going; poll /api/v1/agent/${params.agentId}/run/${run.id}/status`, { runId: run.id });
      const final = (await platform.runsRepo.get(run.id))!;
      reply.header('X-Run-Status', String(final.status));
      const ids = await platform.runs.outputRunIds(final);
      const records: Record<string, unknown>[] = [];
      for await (const r of platform.frontier.streamRecords(ids)) records.push(r);
      return { [agent.name]: records };
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent/:agentId/runs',
    summary: 'Runs of an agent, newest first',
    tag: 'Runs',
    access: 'user',
    params: agentIdParams,
    query: z.object({ maxRecords: optionalInt('maxRecords', 1, 1000) }),
    responses: { 200: { description: 'AgentRunApiModel[]' } },
    handler: async ({ platform, principal, params, query }) => (await platform.runs.list(principal, params.agentId, query.maxRecords ?? 50)).map((r) => runListModel(r, platform.clock.now())),
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent/:agentId/runs/history',
    summary: 'Archived runs (run history), paged (ours)',
    tag: 'Runs',
    access: 'user',
    params: agentIdParams,
    query: z.object({ pageIndex: optionalInt('pageIndex', 1), recordsPerPage: optionalInt('recordsPerPage', 1, 1000) }),
    responses: { 200: { description: '{ runs, totalRecordCount }' } },
    handler: async ({ platform, principal, params, query }) => {
      const size = query.recordsPerPage ?? 50;
      const offset = ((query.pageIndex ?? 1) - 1) * size;
      const rows = await platform.runs.list(principal, params.agentId, size, true, offset);
      return { runs: rows.map((r) => ({ ...runListModel(r, platform.clock.now()), status: r.status === 6 ? 7 : r.status })), totalRecordCount: await platform.runs.count(principal, params.agentId, true) };
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent/:agentId/run/:runId/status',
    summary: 'Status and statistics of one run (integer status)',
    tag: 'Runs',
    access: 'user',
    params: runParams,
    query: z.object({ waitForFinish: optionalInt('waitForFinish', 0, 60) }),
    longRunning: true,
    responses: { 200: { description: 'Run-status object' }, 404: { description: 'Run not found' } },
    handler: async ({ platform, principal, params, query }) => {
      let { run, agent } = await platform.runs.get(principal, params.agentId, params.runId);
      if (query.waitForFinish && !isTerminal(run.status)) {
        await platform.runs.waitForEnd(run.id, query.waitForFinish * 1000);
        run = (await platform.runsRepo.get(run.id)) ?? run;
      }
      return runStatusModel(run, { agentName: agent.name, now: platform.clock.now() });
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent/:agentId/run/:runId/stop',
    summary: 'Graceful stop: Stopping (5) then Stopped (8)',
    tag: 'Runs',
    access: 'user',
    params: runParams,
    responses: { 204: { description: 'Stop sent' }, 409: { description: 'Run is not active' } },
    handler: async ({ platform, principal, params }) => platform.runs.stop(principal, params.agentId, params.runId),
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent/:agentId/run/:runId/kill',
    summary: 'Forceful stop: cancels in-flight requests; on a run already stopping, ends it at once',
    tag: 'Runs',
    access: 'user',
    params: runParams,
    responses: { 204: { description: 'Kill sent' }, 409: { description: 'Run is not active' } },
    handler: async ({ platform, principal, params }) => platform.runs.kill(principal, params.agentId, params.runId),
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent/:agentId/run/:runId/restart',
    summary: 'Restart a Failure (6) run in place (same runId). Default: resumes its whole frontier: pending requests, plus the failed ones with fresh retries. failedOnly: true re-fetches only the failed requests (and the links they yield); requests still pending are parked until a later plain restart. A parallel parent restarts its Failure children.',
    tag: 'Runs',
    access: 'user',
    params: runParams,
    body: z.object({ failedOnly: optionalBool('failedOnly') }).optional(),
    successStatus: 202,
    responses: { 202: { description: 'Queued again' }, 409: { description: 'Run is not in Failure' } },
    handler: async ({ platform, principal, params, body }) => {
      const r = await platform.runs.restart(principal, params.agentId, params.runId, { failedOnly: body?.failedOnly });
      return runStatusModel(r, { now: platform.clock.now() });
    },
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/agent/:agentId/run/:runId',
    summary: 'Delete a run and/or its data',
    tag: 'Runs',
    access: 'user',
    params: runParams,
    query: z.object({ removeMethod: enumNameOrInt('removeMethod', REMOVE_METHODS).optional() }),
    responses: { 204: { description: 'Deleted' }, 400: { description: 'Run is currently active and cannot be deleted' }, 404: { description: 'Run not found' } },
    handler: async ({ platform, principal, params, query }) => platform.runs.delete(principal, params.agentId, params.runId, query.removeMethod ?? 'RemoveEntireRun'),
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent/:agentId/run/:runId/files',
    summary: 'Output files of a run',
    tag: 'Runs',
    access: 'user',
    params: runParams,
    responses: { 200: { description: '[{ id, name, fileType, fileSize, created }]' } },
    handler: async ({ platform, principal, params }) => {
      const { run } = await platform.runs.get(principal, params.agentId, params.runId);
      return (await platform.files.list(run)).map(fileModel);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent/:agentId/run/:runId/file/:fileId/download',
    summary: 'Download one file (streamed directly, as an attachment)',
    tag: 'Runs',
    access: 'user',
    params: z.object({ agentId: intParam('agentId'), runId: intParam('runId'), fileId: intParam('fileId') }),
    responses: { 200: { description: 'The file' }, 404: { description: 'Unknown file' } },
    handler: async ({ platform, principal, params, reply }) => {
      const { run } = await platform.runs.get(principal, params.agentId, params.runId);
      const f = await platform.files.content(run, params.fileId);
      return reply.header('Content-Disposition', `attachment; filename="${f.name}"`).header('X-Content-Type-Options', 'nosniff').type(f.contentType).send(f.body);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent/:agentId/run/:runId/records',
    summary: 'Records of a run: paged JSON, or a whole export with format=json|csv|ndjson|xlsx (ours)',
    tag: 'Runs',
    access: 'user',
    params: runParams,
    query: z.object({ offset: optionalInt('offset', 0), limit: optionalInt('limit', 1, 10000), format: z.string().optional() }),
    responses: { 200: { description: '{ records, total } or the export file' } },
    handler: async ({ platform, principal, params, query, reply }) => {
      const { run } = await platform.runs.get(principal, params.agentId, params.runId);
      if (query.format !== undefined) {
        if (!isExportFormat(query.format)) throw ApiError.badRequest('format must be one of json, csv, ndjson, xlsx');
        reply.header('Content-Disposition', `attachment; filename="run-${run.id}-records.${query.format}"`).type(contentTypeFor(query.format));
        reply.hijack();
        reply.raw.writeHead(200, reply.getHeaders() as Record<string, string>);
        await platform.files.exportTo(run, query.format, reply.raw);
        reply.raw.end();
        return reply;
      }
      const ids = await platform.runs.outputRunIds(run);
      return { records: await platform.runs.records(ids, query.offset ?? 0, query.limit ?? 100), total: await platform.frontier.countRecords(ids), columns: platform.runs.columnsOf(run) };
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent/:agentId/run/:runId/log',
    summary: 'Log lines of a run after a cursor (ours; the UI tails it)',
    tag: 'Runs',
    access: 'user',
    params: runParams,
    query: z.object({ after: optionalInt('after', 0) }),
    responses: { 200: { description: '{ lines: [{ id, ts, level, message }] }' } },
    handler: async ({ platform, principal, params, query }) => {
      const { run } = await platform.runs.get(principal, params.agentId, params.runId);
      const lines = await platform.frontier.logs(run.id, query.after ?? 0, 1000);
      return { lines: lines.map((l) => ({ id: l.id, ts: l.ts, level: l.level, message: l.message })) };
    },
  }),
];
