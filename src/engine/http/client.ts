/**
 * The SSRF-guarded undici client (engineering.md §2.6, reliability.md §2.3 and §6). Layers, in order, per hop:
 * policy.checkUrl (scheme, userinfo, literal IPs, local names) → lookup guard → connected-peer check. Redirects
 * are followed here, never by undici, so every hop passes all three layers.
 */
import { Agent, request } from 'undici';
import { GleanerError, NonRetryableError, RetryableError } from '../../domain/errors.ts';
import type { FetchRequest, FetchResponse, HttpClient, NetworkPolicy } from '../types.ts';
import { readBody, type BodyResult } from './body.ts';
import { decodeBody } from './charset.ts';
import { createGuardedConnector, type Resolver } from './guarded-connect.ts';

export { ResponseTooLargeError } from './body.ts';

export interface HttpClientOptions {
  policy: NetworkPolicy;
  /** @defaultValue `Mozilla/5.0 (compatible; Gleaner/0.1)` */
  userAgent?: string;
  /** @defaultValue 10 */
  maxRedirects?: number;
  /** Total deadline per fetch, redirects and body included; FetchRequest.timeoutMs overrides it. @defaultValue 30000 */
  timeoutMs?: number;
  /** Cap on decompressed body bytes; FetchRequest.maxBytes overrides it. @defaultValue 20 MiB */
  maxBytes?: number;
  /** @defaultValue 8 */
  connectionsPerOrigin?: number;
  /** DNS resolver beneath the lookup guard; only tests replace it (to play a hostile resolver). */
  resolver?: Resolver;
}

/** A 5xx or 429: retry later. `status` lets the caller count them; `retryAfterMs` comes from Retry-After. */
export class RetryableStatusError extends RetryableError {
  constructor(message: string, readonly status: number, retryAfterMs?: number) {
    super(message, retryAfterMs);
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Hop-by-hop and framing headers are ours to set; a caller-supplied Host could also smuggle another target. */
const FORBIDDEN_REQUEST_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'accept-encoding', 'keep-alive', 'upgrade', 'te']);
/** Credentials that must not follow a redirect to another origin (undici CVE-2023-45143). */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
/** Redirect and error bodies are discarded; reading a little keeps the connection reusable. */
const DISCARD_LIMIT = 64 * 1024;

/** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3) → milliseconds from now; undefined if unusable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function withoutHash(u: URL): string {
  const copy = new URL(u.href);
  copy.hash = '';
  return copy.href;
}

function findGleanerError(err: unknown): GleanerError | undefined {
  // undici sometimes wraps the connector's error; look a few causes deep.
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof GleanerError) return e;
  }
  return undefined;
}

const NON_RETRYABLE_CODES = new Set(['UND_ERR_INVALID_ARG', 'ERR_INVALID_URL', 'UND_ERR_NOT_SUPPORTED']);

/** zlib reports corrupt data as `Z_DATA_ERROR` and friends, brotli as `ERR__ERROR_FORMAT_…` [checked on Node 20]. */
function isCorruptEncoding(code: string): boolean {
  return code.startsWith('Z_') || code.startsWith('ERR__ERROR');
}

/** Sorts any failure into the retry classes the engine understands. */
function classify(err: unknown, url: string, caller: AbortSignal | undefined, deadline: AbortSignal, timeoutMs: number): unknown {
  const known = findGleanerError(err);
  if (known) return known;
  // The caller cancelled: hand back their reason untouched so it is not mistaken for a retryable failure.
  if (caller?.aborted) return caller.reason;
  if (deadline.aborted) return new RetryableError(`Timed out after ${timeoutMs} ms fetching ${url}`, undefined, { cause: err });
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (NON_RETRYABLE_CODES.has(code) || isCorruptEncoding(code))) {
    return new NonRetryableError(`Unusable response from ${url}: ${(err as Error).message}`, { cause: err });
  }
  return new RetryableError(`Network error fetching ${url}: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
}

/**
 * Creates the client. It owns one undici Agent (keep-alive pools per origin) until close().
 * Throws per HttpClient's contract: BlockedError, RetryableError (RetryableStatusError for 5xx/429), NonRetryableError.
 */
export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const policy = opts.policy;
  const userAgent = opts.userAgent ?? 'Mozilla/5.0 (compatible; Gleaner/0.1)';
  const maxRedirects = opts.maxRedirects ?? 10;
  const defaultTimeout = opts.timeoutMs ?? 30_000;
  const defaultMaxBytes = opts.maxBytes ?? 20 * 1024 * 1024;

  // undici 7 never follows redirects unless its redirect interceptor is composed in; we deliberately do not.
  const agent = new Agent({
    connect: createGuardedConnector(policy, { connectTimeoutMs: Math.min(10_000, defaultTimeout), ...(opts.resolver ? { resolver: opts.resolver } : {}) }),
    connections: opts.connectionsPerOrigin ?? 8,
    // Idle timers: undici's 300 s default lets a byte-every-299-s server hold a worker forever (§6). The total
    // deadline below is what really bounds a fetch; these catch a silent peer sooner.
    headersTimeout: defaultTimeout,
    bodyTimeout: defaultTimeout,
  });

  async function fetchOnce(req: FetchRequest, signal: AbortSignal, started: number): Promise<FetchResponse> {
    const maxBytes = req.maxBytes ?? defaultMaxBytes;
    let method = req.method ?? 'GET';
    let body = req.body;
    const headers: Record<string, string> = {
      'user-agent': userAgent,
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    };
    for (const [k, v] of Object.entries(req.headers ?? {})) {
      if (!FORBIDDEN_REQUEST_HEADERS.has(k.toLowerCase())) headers[k.toLowerCase()] = v;
    }
    // We decode exactly these, so we advertise exactly these.
    headers['accept-encoding'] = 'gzip, deflate, br';

    policy.checkUrl(req.url);
    let current = new URL(req.url);
    const origin = current.origin;
    const redirects: string[] = [];
    const seen = new Set<string>([withoutHash(current)]);

    for (;;) {
      const res = await request(withoutHash(current), { dispatcher: agent, method, headers, body: body ?? null, signal });
      const resHeaders = flattenHeaders(res.headers);

      if (REDIRECT_STATUSES.has(res.statusCode) && resHeaders.location !== undefined) {
        await res.body.dump({ limit: DISCARD_LIMIT }).catch(() => undefined);
        let next: URL;
        try {
          next = new URL(resHeaders.location, current);
        } catch (e) {
          throw new NonRetryableError(`Invalid redirect location from ${current.href}`, { cause: e });
        }
        policy.checkUrl(next.href);
        if (redirects.length >= maxRedirects) throw new NonRetryableError(`Too many redirects (> ${maxRedirects}) from ${req.url}`);
        const key = withoutHash(next);
        if (seen.has(key)) throw new NonRetryableError(`Redirect loop at ${next.href} (from ${req.url})`);
        seen.add(key);
        redirects.push(current.href);
        // Once the chain has left the original origin, credentials stay stripped even if it comes back.
        if (next.origin !== origin) for (const h of CREDENTIAL_HEADERS) delete headers[h];
        // 303 always, and 301/302 after POST by long-standing browser practice, turn into a body-less GET.
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
          delete headers['content-type'];
        }
        current = next;
        continue;
      }

      if (res.statusCode === 429 || res.statusCode >= 500) {
        await res.body.dump({ limit: DISCARD_LIMIT }).catch(() => undefined);
        throw new RetryableStatusError(`HTTP ${res.statusCode} from ${current.href}`, res.statusCode, parseRetryAfter(resHeaders['retry-after']));
      }

      let read: BodyResult = { body: Buffer.alloc(0), wireBytes: 0 };
      if (method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304) {
        await res.body.dump({ limit: DISCARD_LIMIT }).catch(() => undefined);
      } else {
        read = await readBody(res.body, resHeaders['content-encoding'], maxBytes, signal);
      }
      const contentType = resHeaders['content-type'] ?? '';
      return {
        url: current.href,
        status: res.statusCode,
        headers: resHeaders,
        body: read.body,
        text: decodeBody(contentType, read.body),
        contentType,
        wireBytes: read.wireBytes,
        redirects,
        elapsedMs: Math.round(performance.now() - started),
      };
    }
  }

  return {
    async fetch(req: FetchRequest): Promise<FetchResponse> {
      const started = performance.now();
      const timeoutMs = req.timeoutMs ?? defaultTimeout;
      // A timer cleared when the fetch settles, not AbortSignal.timeout/any: those keep each fetch's signals
      // (and listeners on a run-long caller signal) alive for the whole timeout, and fire a DOMException per
      // fetch long after it finished — measurable CPU and memory over a crawl of thousands of pages.
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(new DOMException(`The operation timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
      const caller = req.signal;
      const onCallerAbort = () => ctl.abort(caller?.reason);
      if (caller?.aborted) onCallerAbort();
      else caller?.addEventListener('abort', onCallerAbort, { once: true });
      try {
        return await fetchOnce(req, ctl.signal, started);
      } catch (err) {
        // classify looks at the caller first, so ctl aborted without the caller aborted means the deadline.
        throw classify(err, req.url, caller, ctl.signal, timeoutMs);
      } finally {
        clearTimeout(timer);
        caller?.removeEventListener('abort', onCallerAbort);
      }
    },
    async close(): Promise<void> {
      await agent.close();
    },
  };
}
