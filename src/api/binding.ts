/**
 * Sequentum's server is ASP.NET, which binds JSON properties case-insensitively: its own client sends
 * PascalCase (`Parallelism`, `InputParameters`). We rename incoming top-level keys to the schema's
 * spelling before validation, so both casings work and unknown keys are still reported by name.
 */
import { z } from 'zod';
import { formatPath } from '../domain/agent-spec.ts';

export function bindCaseInsensitive(schema: z.ZodType, body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const keys = objectKeys(schema);
  if (!keys) return body;
  const byLower = new Map(keys.map((k) => [k.toLowerCase(), k]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    out[byLower.get(k.toLowerCase()) ?? k] = v;
  }
  return out;
}

function objectKeys(schema: z.ZodType): string[] | null {
  const def = (schema as { def?: { type?: string; shape?: Record<string, unknown>; innerType?: z.ZodType; in?: z.ZodType; schema?: z.ZodType } }).def;
  if (!def) return null;
  if (def.type === 'object' && def.shape) return Object.keys(def.shape);
  if (def.innerType) return objectKeys(def.innerType);
  if (def.in) return objectKeys(def.in);
  if (def.schema) return objectKeys(def.schema);
  return null;
}

export function zodMessages(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((i) => {
    const path = i.path.length ? prefix + formatPath(i.path) : prefix.replace(/\.$/, '') || 'body';
    const msg = i.code === 'unrecognized_keys' ? `unknown field(s) ${(i as { keys: string[] }).keys.join(', ')}` : i.code === 'invalid_type' && /received undefined/.test(i.message) ? 'is required' : i.message;
    return `${path}: ${msg}`;
  });
}
