/**
 * Structural lint of the OpenAPI document (beside `@redocly/cli lint`, openapi-redocly.test.ts): every route of the
 * table is described, path parameters are declared, operationIds are unique, every $ref resolves and
 * every operation documents its responses, errors included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { allRoutes } from '../../../src/api/routes/index.ts';
import { buildOpenApi, openApiPath, operationIdFor, pathParamNames, type OpenApiDocument } from '../../../src/api/openapi.ts';
import { route, type RouteDef } from '../../../src/api/route.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Every problem in the document, as readable strings (empty = valid). */
export function lintOpenApi(doc: OpenApiDocument): string[] {
  const problems: string[] = [];
  if (doc.openapi !== '3.1.0') problems.push(`openapi is ${doc.openapi}`);
  if (!doc.info?.title || !doc.info?.version) problems.push('info.title and info.version are required');
  const ids = new Map<string, string>();
  const resolve = (ref: string) => ref.replace(/^#\//, '').split('/').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), doc);
  const walk = (v: unknown, at: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref') {
          if (typeof x !== 'string' || !x.startsWith('#/')) problems.push(`${at}: non-local $ref ${String(x)}`);
          else if (resolve(x) === undefined) problems.push(`${at}: $ref ${x} does not resolve`);
        } else walk(x, `${at}.${k}`);
      }
    }
  };
  walk(doc, '#');
  const templates = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    const normalised = path.replace(/\{\w+\}/g, '{}');
    if (templates.has(normalised)) problems.push(`${path}: same template as another path`);
    templates.add(normalised);
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!METHODS.includes(method)) problems.push(`${where}: unknown method`);
      const opId = op.operationId as string | undefined;
      if (!opId) problems.push(`${where}: no operationId`);
      else if (ids.has(opId)) problems.push(`${where}: operationId ${opId} also used by ${ids.get(opId)}`);
      else ids.set(opId, where);
      if (!op.summary) problems.push(`${where}: no summary`);
      const params = (op.parameters ?? []) as { name: string; in: string; required?: boolean; schema?: unknown }[];
      for (const n of names) {
        const p = params.find((x) => x.in === 'path' && x.name === n);
        if (!p) problems.push(`${where}: path parameter {${n}} not declared`);
        else if (p.required !== true) problems.push(`${where}: path parameter {${n}} must be required`);
      }
      for (const p of params) {
        if (p.in === 'path' && !names.includes(p.name)) problems.push(`${where}: declares path parameter ${p.name} missing from the path`);
        if (!p.schema) problems.push(`${where}: parameter ${p.name} has no schema`);
      }
      const seen = new Set(params.map((p) => `${p.in}:${p.name}`));
      if (seen.size !== params.length) problems.push(`${where}: duplicate parameters`);
      const responses = (op.responses ?? {}) as Record<string, { description?: string; $ref?: string }>;
      if (!Object.keys(responses).length) problems.push(`${where}: no responses`);
      if (!Object.keys(responses).some((c) => /^[23]\d\d$/.test(c))) problems.push(`${where}: no success response`);
      for (const [code, r] of Object.entries(responses)) {
        if (!/^[1-5]\d\d$|^default$/.test(code)) problems.push(`${where}: bad status ${code}`);
        if (!r.$ref && !r.description) problems.push(`${where} ${code}: response without description`);
      }
      if ((op.security as unknown[] | undefined)?.length !== 0 && !responses['401']) problems.push(`${where}: authenticated but no 401`);
      for (const req of (op.security ?? doc.security) as Record<string, unknown>[]) for (const s of Object.keys(req)) if (!doc.components.securitySchemes[s]) problems.push(`${where}: unknown security scheme ${s}`);
    }
  }
  return problems;
}

test('the document describes every route of the table, and lints clean', () => {
  const doc = buildOpenApi(allRoutes);
  for (const r of allRoutes) {
    const op = doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.path} is missing from the OpenAPI document`);
    assert.deepEqual(op.tags, [r.tag]);
  }
  const count = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  assert.equal(count, allRoutes.length, 'no operation without a route');
  assert.deepEqual(lintOpenApi(doc), []);
});

test('ProblemDetails, the error responses and the ApiKey scheme are components', () => {
  const doc = buildOpenApi(allRoutes);
  assert.ok(doc.components.schemas.ProblemDetails);
  assert.deepEqual(doc.components.securitySchemes.ApiKey, { type: 'apiKey', in: 'header', name: 'Authorization', description: doc.components.securitySchemes.ApiKey!.description });
  const stop = doc.paths['/api/v1/agent/{agentId}/run/{runId}/stop']!.post!;
  const res = stop.responses as Record<string, { $ref?: string; content?: unknown }>;
  assert.ok(res['204'] && res['409']?.content && res['401']?.$ref === '#/components/responses/Unauthorized' && res['404']);
  const health = doc.paths['/health']!.get!;
  assert.deepEqual(health.security, [], 'public routes need no key');
  const start = doc.paths['/api/v1/agent/{agentId}/start']!.post!;
  const body = (start.requestBody as { content: Record<string, { schema: { properties: Record<string, unknown> } }> }).content['application/json']!.schema;
  assert.ok(body.properties.inputParameters && body.properties.isRunSynchronously, 'preprocess/transform schemas still document their fields');
  const params = start.parameters as { name: string; in: string; schema: { type: string } }[];
  assert.deepEqual(params.map((p) => [p.in, p.name, p.schema.type]), [['path', 'agentId', 'integer']]);
});

test('a route added to the table appears; odd schemas degrade instead of failing', () => {
  type Node = { name: string; children: Node[] };
  const NodeSchema: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(NodeSchema) }));
  const extra: RouteDef[] = [
    route({
      method: 'POST',
      path: '/api/v1/things/:thingId/nodes',
      summary: 'x',
      tag: 'Test',
      access: 'admin',
      body: z.object({ tree: NodeSchema, at: z.date(), n: z.bigint().optional(), f: z.custom<string>(() => true) }),
      query: z.object({ limit: z.coerce.number().optional(), mode: z.enum(['a', 'b']) }),
      responses: { 201: { description: 'made', schema: z.object({ id: z.number() }) } },
      handler: () => undefined,
    }),
  ];
  const doc = buildOpenApi([...allRoutes, ...extra]);
  const op = doc.paths['/api/v1/things/{thingId}/nodes']!.post!;
  assert.ok(op, 'new route is described');
  const params = op.parameters as { name: string; in: string; required: boolean }[];
  assert.deepEqual(params.map((p) => `${p.in}:${p.name}:${p.required}`), ['path:thingId:true', 'query:limit:false', 'query:mode:true']);
  assert.ok((op.responses as Record<string, unknown>)['403'], 'admin routes document 403');
  assert.deepEqual(lintOpenApi(doc), [], 'recursive $defs are hoisted so refs resolve');
});

test('path and operationId helpers', () => {
  assert.equal(openApiPath('/api/v1/agent/:agentId/run/:runId(^\\d+)/status'), '/api/v1/agent/{agentId}/run/{runId}/status');
  assert.deepEqual(pathParamNames('/a/:x/b/:y'), ['x', 'y']);
  assert.equal(operationIdFor({ method: 'GET', path: '/api/v1/agent-builder/:sessionId/events' }), 'getAgentBuilderEvents');
  assert.equal(operationIdFor({ method: 'GET', path: '/api/v1/agent/all' }), 'getAgentAll');
});
