/**
 * The route table: every endpoint declares its method, path, who may call it and the zod schemas that
 * validate its input. The same table registers the Fastify routes, generates the OpenAPI document and
 * drives the authorization-matrix test, so a new endpoint cannot miss any of the three.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Platform } from '../platform.ts';
import type { Principal } from '../services/access.ts';

export type Access = 'public' | 'user' | 'admin';

export interface HandlerContext<P, Q, B> {
  platform: Platform;
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteDef<P = any, Q = any, B = any> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify path syntax (`/api/v1/agent/:agentId`). */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Documented responses: status → description (+ optional schema) for OpenAPI. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** Marks routes whose success status is not 200 (e.g. 202, 204). */
  successStatus?: number;
  handler: (ctx: HandlerContext<P, Q, B>) => Promise<unknown> | unknown;
  /** Long-running (long-poll, sync run): excluded from request timeouts. */
  longRunning?: boolean;
}

export function route<P, Q, B>(def: RouteDef<P, Q, B>): RouteDef<P, Q, B> {
  return def;
}

// ---- schema helpers shared by the route modules

/** Integer path/query parameter given as a string. */
export const intParam = (name: string) =>
  z.preprocess((v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v), z.number({ error: `${name} must be an integer` }).int(`${name} must be an integer`).min(0, `${name} must be a non-negative integer`).max(Number.MAX_SAFE_INTEGER));

export const optionalInt = (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess((v) => (v === '' || v === undefined || v === null ? undefined : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v), z.number({ error: `${name} must be an integer` }).int(`${name} must be an integer`).min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`).optional());

export const optionalBool = (name: string) =>
  z.preprocess((v) => (v === '' || v === undefined || v === null ? undefined : v === 'true' || v === '1' || v === 1 ? true : v === 'false' || v === '0' || v === 0 ? false : v), z.boolean({ error: `${name} must be true or false` }).optional());

/** An enum accepted by name (any case) or by its integer, emitted as `out` form. */
export function enumNameOrInt<T extends string>(name: string, values: Record<T, number>) {
  const byLower = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), k as T]));
  const byInt = new Map(Object.entries(values).map(([k, v]) => [v as number, k as T]));
  return z.preprocess((v) => {
    if (typeof v === 'number') return byInt.get(v) ?? v;
    if (typeof v === 'string' && /^\d+$/.test(v.trim())) return byInt.get(Number(v)) ?? v;
    if (typeof v === 'string') return byLower.get(v.trim().toLowerCase()) ?? v;
    return v;
  }, z.enum(Object.keys(values) as [T, ...T[]], { error: `${name} must be one of ${Object.entries(values).map(([k, n]) => `${k} (${n})`).join(', ')}` }));
}

export const agentIdParams = z.object({ agentId: intParam('agentId') });
export const runParams = z.object({ agentId: intParam('agentId'), runId: intParam('runId') });

export const ProblemSchema = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string(), instance: z.string(), message: z.string(), errors: z.array(z.string()).optional() });
