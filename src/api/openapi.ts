/**
 * The OpenAPI 3.1 document, built from the route table at request time: a route added to `allRoutes`
 * appears here with no further work, so the document cannot drift from what the server serves.
 */
import { z } from 'zod';
import type { RouteDef } from './route.ts';
import { ProblemSchema } from './route.ts';

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: Json;
  servers: Json[];
  tags: Json[];
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Json>; securitySchemes: Record<string, Json> };
  security: Json[];
}

/** Standard error responses (component names) and when each applies to a route. */
const ERROR_RESPONSES: Record<number, { name: string; description: string }> = {
  400: { name: 'BadRequest', description: 'Invalid input: `detail` and `errors` name each problem' },
  401: { name: 'Unauthorized', description: 'Missing, malformed, revoked or expired API key' },
  403: { name: 'Forbidden', description: 'The key is valid but its user may not do this (e.g. administrator role required)' },
  404: { name: 'NotFound', description: 'Unknown resource, or one outside the caller\'s spaces' },
  409: { name: 'Conflict', description: 'State-machine violation (e.g. the run is not active)' },
  429: { name: 'TooManyRequests', description: 'Rate limit exceeded; honour `Retry-After` (seconds)' },
  500: { name: 'InternalError', description: 'Server error; retry idempotent calls with back-off' },
};

/** One line per tag for the reference page (tags come from the route table). */
const TAG_DESCRIPTIONS: Record<string, string> = {
  Agents: 'Agent definitions: create, list, search, versions and restore, archive, delete',
  Runs: 'Start runs (sync or async), status, stop, kill, restart, records, files and downloads',
  'Agent Builder': 'Sessions that turn a plain-language prompt into a tested agent',
  Schedules: 'CRON, RunOnce and RunEvery schedules of an agent',
  Analytics: 'Run statistics and upcoming scheduled runs',
  Users: 'Users of the organisation and their roles (administrators only)',
  'API keys': 'API keys: issue (shown once), list by prefix, revoke',
  Spaces: 'Spaces and their members: who may see which agents',
  System: 'Health, the caller, the OpenAPI document and the API reference',
};

/** Fastify `/agent/:agentId/run/:runId` → OpenAPI `/agent/{agentId}/run/{runId}` (regex constraints dropped). */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)(\([^)]*\))?/g, '{$1}').replace(/\*$/, '{wildcard}');
}

export function pathParamNames(path: string): string[] {
  return [...openApiPath(path).matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** `GET /api/v1/agent/:agentId/run/:runId/status` → `getAgentRunStatus`; made unique by the caller. */
export function operationIdFor(def: Pick<RouteDef, 'method' | 'path'>): string {
  const words = def.path
    .replace(/^\/api\/v1\/?/, '/')
    .split('/')
    .filter((s) => s && !s.startsWith(':') && s !== '*')
    .flatMap((s) => s.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return [def.method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

/**
 * zod → JSON Schema for the *input* side (what a client sends). Preprocess/transform schemas convert to
 * their inner type; anything unrepresentable becomes `{}` rather than failing the whole document.
 * Nested `$defs` (recursive schemas) are hoisted into components so every `$ref` resolves from the root.
 */
export function toSchema(schema: z.ZodType, name: string, components: Record<string, Json>): Json {
  let json: Json;
  try {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  } catch {
    return {};
  }
  delete json.$schema;
  const defs = json.$defs as Record<string, Json> | undefined;
  delete json.$defs;
  if (!defs) return json;
  const rename = (k: string) => `${name}_${k.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^_+/, '')}`;
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v && typeof v === 'object') {
      const out: Json = {};
      for (const [k, x] of Object.entries(v)) out[k] = k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/') ? `#/components/schemas/${rename(x.slice(8))}` : rewrite(x);
      return out;
    }
    return v;
  };
  for (const [k, d] of Object.entries(defs)) components[rename(k)] = rewrite(d) as Json;
  return rewrite(json) as Json;
}

/** One parameter object per property of an object schema (query or path). */
function parameters(where: 'path' | 'query', schema: Json, required: Set<string>): Json[] {
  const props = (schema.properties ?? {}) as Record<string, Json>;
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = s;
    return { name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description ? { description } : {}) };
  });
}

function errorStatusesFor(def: RouteDef): number[] {
  const s = new Set<number>([500]);
  if (def.params || def.query || def.body) s.add(400);
  if (def.access !== 'public') [401, 429].forEach((c) => s.add(c));
  if (def.access === 'admin' || def.access === 'user') s.add(403);
  if (pathParamNames(def.path).length) s.add(404);
  return [...s];
}

export function buildOpenApi(routes: readonly RouteDef[], opts: { serverUrl?: string; version?: string } = {}): OpenApiDocument {
  const schemas: Record<string, Json> = { ProblemDetails: toSchema(ProblemSchema.partial({ message: true, errors: true }).extend({ errors: z.array(z.string()).optional() }), 'ProblemDetails', {}) };
  (schemas.ProblemDetails as Json).description = 'RFC 7807 problem details; `message` repeats `detail` for Sequentum clients';
  // Only the standard responses some operation refers to (routes may describe, say, their own 409).
  const responses: Record<string, Json> = {};
  const paths: OpenApiDocument['paths'] = {};
  const usedIds = new Set<string>();
  const tags = new Set<string>();
  for (const def of routes) {
    const p = openApiPath(def.path);
    let opId = operationIdFor(def);
    for (let i = 2; usedIds.has(opId); i++) opId = `${operationIdFor(def)}${i}`;
    usedIds.add(opId);
    tags.add(def.tag);
    const compBase = opId[0]!.toUpperCase() + opId.slice(1);
    const op: Json = { operationId: opId, summary: def.summary, tags: [def.tag] };
    if (def.longRunning) op.description = 'Long-running: may hold the request open (sync run or long poll).';
    const params: Json[] = [];
    const declared = new Set<string>();
    if (def.params) {
      const s = toSchema(def.params, `${compBase}Path`, schemas);
      for (const prm of parameters('path', s, new Set())) {
        params.push(prm);
        declared.add(prm.name as string);
      }
    }
    // A path parameter without a zod schema is still a string in the URL; declare it so the path is valid.
    for (const n of pathParamNames(def.path)) if (!declared.has(n)) params.push({ name: n, in: 'path', required: true, schema: { type: 'string' } });
    if (def.query) {
      const s = toSchema(def.query, `${compBase}Query`, schemas);
      params.push(...parameters('query', s, new Set((s.required as string[] | undefined) ?? [])));
    }
    if (params.length) op.parameters = params;
    if (def.body) {
      const s = toSchema(def.body, `${compBase}Body`, schemas);
      const optional = def.body.safeParse(undefined).success;
      op.requestBody = { required: !optional, content: { 'application/json': { schema: s } } };
    }
    const res: Record<string, Json> = {};
    for (const [code, r] of Object.entries(def.responses)) {
      const status = Number(code);
      if (status >= 400) {
        res[code] = { description: r.description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } } };
      } else {
        const schema = r.schema ? toSchema(r.schema, `${compBase}${code}`, schemas) : undefined;
        res[code] = status === 204 || (status >= 300 && status < 400) ? { description: r.description } : { description: r.description, ...(schema ? { content: { 'application/json': { schema } } } : {}) };
      }
    }
    const success = def.successStatus ?? 200;
    if (!Object.keys(res).some((c) => Number(c) < 400)) res[String(success)] = { description: success === 204 ? 'No content' : 'OK' };
    for (const status of errorStatusesFor(def)) {
      if (res[String(status)]) continue;
      const { name, description } = ERROR_RESPONSES[status]!;
      responses[name] ??= { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } } };
      res[String(status)] = { $ref: `#/components/responses/${name}` };
    }
    op.responses = res;
    if (def.access === 'public') op.security = [];
    if (def.access === 'admin') op['x-gleaner-access'] = 'admin';
    (paths[p] ??= {})[def.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gleaner API',
      version: opts.version ?? '0.1.0',
      description: "Gleaner speaks Sequentum's Control Center API: a client written for Sequentum works by changing only the base URL. Send `Authorization: ApiKey sk-...` on every call except the public ones.",
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: opts.serverUrl ?? '/' }],
    tags: [...tags].map((name) => ({ name, ...(TAG_DESCRIPTIONS[name] ? { description: TAG_DESCRIPTIONS[name] } : {}) })),
    paths,
    components: {
      schemas,
      responses,
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Send `Authorization: ApiKey sk-...` (the key is shown once when issued).' },
        Bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token (`Authorization: Bearer sk-...`).' },
      },
    },
    security: [{ ApiKey: [] }, { Bearer: [] }],
  };
}
