/** One place that turns every error into RFC 7807 ProblemDetails (with Sequentum's `message` too). */
import type { FastifyInstance } from 'fastify';
import { ApiError, ValidationError } from '../domain/errors.ts';

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

export function problem(status: number, code: string, detail: string, instance: string, extra?: Record<string, unknown>) {
  return { type: `https://gleaner.dev/errors/${code}`, title: TITLES[status] ?? 'Error', status, detail, instance: instance.split('?')[0], message: detail, ...(extra ?? {}) };
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    let status = 500;
    let code = 'internal';
    let detail = 'Internal server error';
    let extra: Record<string, unknown> | undefined;
    const e = err as Error & { statusCode?: number; code?: string; validation?: unknown };
    if (err instanceof ApiError) {
      status = err.status;
      code = err.code;
      detail = err.message;
      extra = err.extra;
    } else if (err instanceof ValidationError) {
      status = 400;
      code = 'validation';
      detail = err.message;
      extra = { errors: err.errors };
    } else if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      code = 'unsupported-media-type';
      detail = 'Send JSON with "Content-Type: application/json"';
    } else if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      code = 'too-large';
      detail = 'Request body too large';
    } else if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (e instanceof SyntaxError && e.statusCode === 400) || e.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      status = 400;
      code = 'malformed-json';
      detail = `Malformed JSON body: ${e.message}`;
    } else if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      status = e.statusCode;
      code = 'bad-request';
      detail = e.message;
    } else {
      req.log.error({ err }, 'unhandled error');
      if (process.env.GLEANER_DEBUG_ERRORS) console.error(err);
    }
    if (status === 401) void reply.header('WWW-Authenticate', 'ApiKey, Bearer');
    void reply.code(status).type('application/problem+json').send(problem(status, code, detail, req.url, extra));
  });
}
