import { z } from 'zod';
import { agentIdParams, intParam, optionalBool, optionalInt, route } from '../route.ts';
import { agentModel, agentSummary } from '../models.ts';
import { parseRunStatus } from '../../domain/run-status.ts';
import { ApiError } from '../../domain/errors.ts';
import { normalizeConfigType } from '../../services/agent-service.ts';

const SORT_COLUMNS = ['name', 'lastActivity', 'created', 'updated', 'status', 'configType'] as const;

const AgentBody = z.object({
  name: z.string().trim().min(1, 'is required').max(200),
  description: z.string().max(5000).nullish(),
  documentation: z.string().max(100_000).nullish(),
  spaceId: z.number().int().nullish(),
  configType: z.union([z.string(), z.number()]).optional(),
  maxConcurrentRuns: z.number().int().min(1).max(1000).nullish(),
  /** The agent definition (docs/agent-spec.md), as an object or a JSON string. */
  definition: z.unknown(),
});

const AgentUpdateBody = AgentBody.partial().extend({ comments: z.string().max(2000).nullish() });

export const agentRoutes = [
  route({
    method: 'GET',
    path: '/api/v1/agent/all',
    summary: 'List agents visible to the caller (plain array, or an envelope when pageIndex and recordsPerPage are both given)',
    tag: 'Agents',
    access: 'user',
    query: z.object({
      pageIndex: optionalInt('pageIndex', 1),
      recordsPerPage: optionalInt('recordsPerPage', 1, 1000),
      sortColumn: z
        .string()
        .optional()
        .transform((v, ctx) => {
          if (v === undefined || v === '') return 'name' as const;
          const m = SORT_COLUMNS.find((c) => c.toLowerCase() === v.toLowerCase());
          if (!m) ctx.addIssue({ code: 'custom', message: `must be one of ${SORT_COLUMNS.join(', ')}` });
          return m ?? 'name';
        }),
      sortOrder: optionalInt('sortOrder', 0, 1),
      name: z.string().optional(),
      status: z
        .string()
        .optional()
        .transform((v, ctx) => {
          if (v === undefined || v === '') return undefined;
          const s = parseRunStatus(v);
          if (s === undefined) ctx.addIssue({ code: 'custom', message: 'must be a RunStatus integer (0-12) or name' });
          return s;
        }),
      spaceId: optionalInt('spaceId'),
      configType: z.string().optional(),
      includeArchived: optionalBool('includeArchived'),
    }),
    responses: { 200: { description: 'AgentApiModel[] or { agents, totalRecordCount }' } },
    handler: async ({ platform, principal, query }) => {
      const paged = query.pageIndex !== undefined && query.recordsPerPage !== undefined;
      const { rows, total } = await platform.agents.list(principal, {
        name: query.name,
        status: query.status,
        spaceId: query.spaceId,
        configType: query.configType ? normalizeConfigType(query.configType) : undefined,
        includeArchived: query.includeArchived,
        sortColumn: query.sortColumn,
        descending: query.sortOrder === 1,
        page: paged ? { index: query.pageIndex!, size: query.recordsPerPage! } : undefined,
      });
      const agents = rows.map(agentSummary);
      return paged ? { agents, totalRecordCount: total } : agents;
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent/search',
    summary: 'Search agents by name and description (case-insensitive, partial)',
    tag: 'Agents',
    access: 'user',
    query: z.object({ query: z.string().default(''), maxRecords: optionalInt('maxRecords', 1, 1000) }),
    responses: { 200: { description: 'AgentApiModel[]' } },
    handler: async ({ platform, principal, query }) => (await platform.agents.search(principal, query.query, query.maxRecords ?? 50)).map(agentSummary),
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent',
    summary: 'Create an agent from a definition (ours)',
    tag: 'Agents',
    access: 'user',
    body: AgentBody,
    successStatus: 201,
    responses: { 201: { description: 'The created agent' }, 400: { description: 'Invalid definition: each error names its path' } },
    handler: async ({ platform, principal, body }) => agentModel(await platform.agents.create(principal, body)),
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent/:agentId',
    summary: 'Agent details, with its definition',
    tag: 'Agents',
    access: 'user',
    params: agentIdParams,
    responses: { 200: { description: 'AgentApiModel' }, 404: { description: 'Unknown agent' } },
    handler: async ({ platform, principal, params }) => agentModel(await platform.agents.get(principal, params.agentId)),
  }),
  route({
    method: 'PUT',
    path: '/api/v1/agent/:agentId',
    summary: 'Update an agent; a changed definition creates a new version',
    tag: 'Agents',
    access: 'user',
    params: agentIdParams,
    body: AgentUpdateBody,
    responses: { 200: { description: 'The updated agent' } },
    handler: async ({ platform, principal, params, body }) => agentModel(await platform.agents.update(principal, params.agentId, body)),
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/agent/:agentId',
    summary: 'Delete an agent with its runs, files and schedules',
    tag: 'Agents',
    access: 'user',
    params: agentIdParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ platform, principal, params }) => {
      await platform.agents.get(principal, params.agentId);
      const active = await platform.runsRepo.activeForAgent(params.agentId);
      if (active.length) throw ApiError.conflict(`Agent ${params.agentId} has active runs (${active.map((r) => r.id).join(', ')}); stop them first`);
      await platform.agents.delete(principal, params.agentId);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent/:agentId/versions',
    summary: 'Version list, newest first',
    tag: 'Agents',
    access: 'user',
    params: agentIdParams,
    responses: { 200: { description: '[{ userName, version, created, comments, fileSize }]' } },
    handler: async ({ platform, principal, params }) =>
      (await platform.agents.versions(principal, params.agentId)).map((v) => ({ userName: v.user_name, version: v.version, created: v.created, comments: v.comments, fileSize: Buffer.byteLength(v.spec) })),
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent/:agentId/version/:versionNumber',
    summary: 'One version with its definition (ours)',
    tag: 'Agents',
    access: 'user',
    params: z.object({ agentId: intParam('agentId'), versionNumber: intParam('versionNumber') }),
    responses: { 200: { description: '{ version, definition, ... }' } },
    handler: async ({ platform, principal, params }) => {
      await platform.agents.get(principal, params.agentId);
      const v = await platform.agentsRepo.version(params.agentId, params.versionNumber);
      if (!v) throw ApiError.notFound(`Agent ${params.agentId} has no version ${params.versionNumber}`);
      return { userName: v.user_name, version: v.version, created: v.created, comments: v.comments, definition: JSON.parse(v.spec) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent/:agentId/version/:versionNumber/restore',
    summary: 'Restore a version (creates a new version)',
    tag: 'Agents',
    access: 'user',
    params: z.object({ agentId: intParam('agentId'), versionNumber: intParam('versionNumber') }),
    body: z.object({ content: z.string().max(2000).nullish() }).optional(),
    responses: { 204: { description: 'Restored' }, 404: { description: 'Unknown version' } },
    handler: async ({ platform, principal, params, body }) => {
      await platform.agents.restore(principal, params.agentId, params.versionNumber, body?.content ?? null);
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent/:agentId/archive',
    summary: 'Archive an agent (hidden; schedules fire Skipped runs)',
    tag: 'Agents',
    access: 'user',
    params: agentIdParams,
    responses: { 204: { description: 'Archived' } },
    handler: async ({ platform, principal, params }) => platform.agents.setArchived(principal, params.agentId, true),
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent/:agentId/unarchive',
    summary: 'Unarchive an agent',
    tag: 'Agents',
    access: 'user',
    params: agentIdParams,
    responses: { 204: { description: 'Unarchived' } },
    handler: async ({ platform, principal, params }) => platform.agents.setArchived(principal, params.agentId, false),
  }),
];

