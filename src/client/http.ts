/**
 * The client's transport: one `request()` that adds the API key, encodes JSON, parses ProblemDetails into
 * `GleanerApiError` and retries. Only idempotent methods (GET/PUT/DELETE) are retried, on 429/502/503/504
 * and network errors, because a retried POST (e.g. /start) would queue a second run (api-spec §0).
 */

export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  message?: string;
  errors?: string[];
  [k: string]: unknown;
}

/** An HTTP error answer from the server. `message` follows Sequentum's client: `message`, then `detail`/`title`. */
export class GleanerApiError extends Error {
  override readonly name = 'GleanerApiError';
  constructor(readonly status: number, message: string, readonly problem: ProblemDetails | null, readonly method = '', readonly path = '') {
    super(message);
  }
}

/** The server could not be reached at all (refused, DNS, reset, timeout) after the retries. */
export class GleanerConnectionError extends Error {
  override readonly name = 'GleanerConnectionError';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
  }
}

export interface RetryOptions {
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** First back-off step in ms (default 500); doubles each retry, with full jitter. */
  baseDelayMs?: number;
  /** Cap for one wait, including a server's Retry-After (default 30 s). */
  maxDelayMs?: number;
}

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  fetch?: typeof fetch;
  retry?: RetryOptions;
  userAgent?: string;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Abort one attempt after this many ms (default: none; long polls and sync runs hold requests open). */
  timeoutMs?: number;
  /** Headers beyond auth/content type. */
  headers?: Record<string, string>;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Retry-After as seconds or an HTTP date → ms; undefined when absent or unreadable. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Exponential back-off with full jitter; a Retry-After from the server is a floor, never shortened. */
export function backoffMs(attempt: number, retryAfterMs: number | undefined, o: Required<RetryOptions>, random = Math.random): number {
  const exp = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt);
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.min(o.maxDelayMs, retryAfterMs !== undefined ? Math.max(retryAfterMs, 0) + random() * Math.min(250, o.baseDelayMs) : jittered);
}

export async function problemFrom(res: Response): Promise<{ message: string; problem: ProblemDetails | null }> {
  const text = await res.text().catch(() => '');
  let problem: ProblemDetails | null = null;
  try {
    const j = JSON.parse(text) as unknown;
    if (j && typeof j === 'object' && !Array.isArray(j)) problem = j as ProblemDetails;
  } catch {
    /* not JSON: a proxy's HTML page or plain text */
  }
  const pick = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const message =
    pick(problem?.message) ?? pick(problem?.detail) ?? pick(problem?.title) ?? pick(problem?.statusDescription) ?? (text && text.length < 300 && !text.trimStart().startsWith('<') ? text.trim() : undefined) ?? `HTTP ${res.status} ${res.statusText}`.trim();
  return { message, problem };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class Transport {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly retry: Required<RetryOptions>;

  constructor(private readonly opts: TransportOptions) {
    // Accept both `http://host:8080` and Sequentum-style `.../api/v1` bases: paths below always start at /api/v1.
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '').replace(/\/api\/v1$/i, '');
    this.fetchImpl = opts.fetch ?? fetch;
    this.retry = { retries: opts.retry?.retries ?? 4, baseDelayMs: opts.retry?.baseDelayMs ?? 500, maxDelayMs: opts.retry?.maxDelayMs ?? 30_000 };
  }

  url(path: string, query?: Query): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /** The raw Response of a successful (2xx/3xx) call; throws GleanerApiError otherwise. */
  async raw(method: string, path: string, o: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...(o.headers ?? {}) };
    if (this.opts.apiKey) headers.Authorization = `ApiKey ${this.opts.apiKey}`;
    if (this.opts.userAgent) headers['User-Agent'] = this.opts.userAgent;
    let body: string | undefined;
    if (o.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    const url = this.url(path, o.query);
    const canRetry = IDEMPOTENT.has(method);
    for (let attempt = 0; ; attempt++) {
      const last = !canRetry || attempt >= this.retry.retries;
      const signals = [o.signal, o.timeoutMs ? AbortSignal.timeout(o.timeoutMs) : undefined].filter((s): s is AbortSignal => !!s);
      let res: Response;
      try {
        res = await this.fetchImpl(url, { method, headers, body, signal: signals.length ? AbortSignal.any(signals) : undefined, redirect: 'follow' });
      } catch (e) {
        if (o.signal?.aborted) throw e;
        if (last) throw new GleanerConnectionError(`Cannot reach ${this.baseUrl} (${method} ${path}): ${describeNetworkError(e)}`, e);
        await sleep(backoffMs(attempt, undefined, this.retry), o.signal);
        continue;
      }
      if (res.ok || (res.status >= 300 && res.status < 400)) return res;
      if (!last && RETRY_STATUSES.has(res.status)) {
        const wait = backoffMs(attempt, parseRetryAfter(res.headers.get('retry-after')), this.retry);
        await res.body?.cancel().catch(() => {});
        await sleep(wait, o.signal);
        continue;
      }
      const { message, problem } = await problemFrom(res);
      throw new GleanerApiError(res.status, message, problem, method, path);
    }
  }

  /** JSON (or nothing, for 204) of a call. */
  async json<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, o);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    const type = res.headers.get('content-type') ?? '';
    if (!/json/i.test(type)) return text as T;
    return JSON.parse(text) as T;
  }
}

function describeNetworkError(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'timed out';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}
