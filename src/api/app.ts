/**
 * buildApp(platform) → a Fastify instance serving the API (and, when present, the UI). Handlers stay
 * thin: authentication, rate limits, case-insensitive binding, validation and error mapping happen here.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Platform } from '../platform.ts';
import { ApiError } from '../domain/errors.ts';
import type { Principal } from '../services/access.ts';
import { isAdmin } from '../services/access.ts';
import { type RouteDef } from './route.ts';
import { allRoutes } from './routes/index.ts';
import { bindCaseInsensitive, zodMessages } from './binding.ts';
import { problem, registerErrorHandling } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface AppOptions {
  logger?: boolean;
  /** Extra plugins (UI) registered after the API. */
  extensions?: Array<(app: FastifyInstance, platform: Platform) => Promise<void> | void>;
}

export async function buildApp(platform: Platform, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ? { level: platform.config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] } : false,
    bodyLimit: 5 * 1024 * 1024,
    // Sync runs and long polls hold requests open; everything else is short.
    requestTimeout: 0,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    trustProxy: false,
  });
  registerErrorHandling(app);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('X-RateLimit-Limit', String(platform.rateLimits.key.max));
    reply.header('X-RateLimit-Window-Seconds', String(platform.config.rateLimit.windowSeconds));
    void req;
  });

  for (const def of allRoutes) registerRoute(app, platform, def);
  for (const ext of opts.extensions ?? []) await ext(app, platform);

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).type('application/problem+json').send(problem(404, 'not-found', `No endpoint ${req.method} ${req.url.split('?')[0]}`, req.url));
  });
  return app;
}

function registerRoute(app: FastifyInstance, platform: Platform, def: RouteDef): void {
  app.route({
    method: def.method,
    url: def.path,
    handler: async (req, reply) => {
      let principal: Principal | undefined;
      if (def.access !== 'public') {
        principal = req.principal ?? (await authenticate(platform, req, reply));
        const limiter = principal.via === 'session' ? platform.rateLimits.session : platform.rateLimits.key;
        const rl = await limiter.hit(principal.via === 'session' ? `session:${principal.userId}` : `key:${principal.keyRowId ?? principal.userId}`, platform.clock.now().getTime());
        reply.header('X-RateLimit-Remaining', String(rl.remaining));
        if (!rl.allowed) {
          reply.header('Retry-After', String(rl.retryAfterSeconds));
          throw new ApiError(429, 'rate-limited', `Rate limit of ${limiter.max} requests per ${platform.config.rateLimit.windowSeconds} s exceeded; retry after ${rl.retryAfterSeconds} s`);
        }
        if (def.access === 'admin' && !isAdmin(principal)) throw ApiError.forbidden('Administrator role required');
      }
      const params = parsePart('path', def.params, req.params);
      const query = parsePart('query', def.query, req.query);
      const body = def.body ? parsePart('body', def.body, bindCaseInsensitive(def.body, req.body ?? {})) : undefined;
      const result = await def.handler({ platform, principal: principal as Principal, params, query, body, req, reply });
      if (reply.sent) return reply;
      if (result === undefined) return reply.code(def.successStatus ?? 204).send();
      return reply.code(reply.statusCode !== 200 ? reply.statusCode : (def.successStatus ?? 200)).send(result);
    },
  });
}

/**
 * A bad key counts against the client's address (reliability.md §4: throttle failed auth). Past the limit the
 * answer is 429 instead of 401, so key guessing and misconfigured retry loops slow down; a valid key from the
 * same address is still authenticated first, so one broken client does not lock out the others behind it.
 */
async function authenticate(platform: Platform, req: FastifyRequest, reply: FastifyReply): Promise<Principal> {
  try {
    const p = await platform.auth.authenticate(req.headers.authorization);
    req.principal = p;
    return p;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    const limiter = platform.rateLimits.authFailures;
    const rl = await limiter.hit(`authfail:${req.ip}`, platform.clock.now().getTime());
    if (rl.allowed) throw e;
    reply.header('Retry-After', String(rl.retryAfterSeconds));
    throw new ApiError(429, 'rate-limited', `Too many requests with a missing or wrong API key from this address (${limiter.max} per ${platform.config.rateLimit.windowSeconds} s); retry after ${rl.retryAfterSeconds} s`);
  }
}

function parsePart<T>(where: string, schema: z.ZodType<T> | undefined, value: unknown): T {
  if (!schema) return value as T;
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const errors = zodMessages(r.error, where === 'body' ? '' : `${where}.`);
  throw new ApiError(400, 'validation', errors.join('; '), { errors });
}
