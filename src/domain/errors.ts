/**
 * Error classes encode behaviour: the engine retries RetryableError, gives up at once on
 * NonRetryableError and BlockedError, and the API maps ApiError (and ValidationError) to
 * ProblemDetails in one place. Wrappers always set `cause`.
 */
export class GleanerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A transient failure (network error, 5xx, 429): try again with back-off. `retryAfterMs` honours Retry-After. */
export class RetryableError extends GleanerError {
  constructor(message: string, readonly retryAfterMs?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A failure that will not go away by retrying (404, 403, parse error, body too large). */
export class NonRetryableError extends GleanerError {}

/** Refused by policy before any request left: SSRF guard, robots.txt, scheme. Never retried. */
export class BlockedError extends GleanerError {
  constructor(message: string, readonly reason: 'ssrf' | 'robots' | 'scheme' | 'limit', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The run cannot go on at all (e.g. its agent definition is invalid). */
export class FatalRunError extends GleanerError {}

/** Input that does not satisfy a schema; `errors` are readable lines naming the bad path. */
export class ValidationError extends GleanerError {
  constructor(readonly errors: string[], message = errors.join('; ')) {
    super(message);
  }
}

/** An HTTP-facing error: turned into RFC 7807 ProblemDetails (with `message`) by the API's error handler. */
export class ApiError extends GleanerError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }
  static badRequest(message: string, extra?: Record<string, unknown>) { return new ApiError(400, 'bad-request', message, extra); }
  static unauthorized(message = 'Invalid API key') { return new ApiError(401, 'unauthorized', message); }
  static forbidden(message = 'Forbidden') { return new ApiError(403, 'forbidden', message); }
  static notFound(message: string) { return new ApiError(404, 'not-found', message); }
  static conflict(message: string, extra?: Record<string, unknown>) { return new ApiError(409, 'conflict', message, extra); }
  static unprocessable(message: string, extra?: Record<string, unknown>) { return new ApiError(422, 'unprocessable', message, extra); }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
