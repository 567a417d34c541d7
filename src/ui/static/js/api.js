// Calls to the Gleaner API with the session cookie (sent by the browser) and the CSRF token
// (kept in memory only, fetched from /ui/session after each page load).

export const session = { csrfToken: null, user: null };

export class ApiError extends Error {
  constructor(status, body) {
    const msg = body?.detail ?? body?.message ?? body?.title ?? `HTTP ${status}`;
    super(msg);
    this.status = status;
    this.body = body;
    this.errors = Array.isArray(body?.errors) ? body.errors : [];
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/** api('/api/v1/agent/all', {method, json, query, signal}) → parsed JSON (or null for 204). */
export async function api(path, opts = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  const method = opts.method ?? (opts.json !== undefined ? 'POST' : 'GET');
  const headers = { Accept: 'application/json' };
  if (opts.json !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session.csrfToken) headers['X-CSRF-Token'] = session.csrfToken;
  let res;
  for (let attempt = 0; ; attempt++) {
    res = await fetch(url, { method, headers, body: opts.json !== undefined ? JSON.stringify(opts.json) : undefined, credentials: 'same-origin', signal: opts.signal });
    // The API's rate limit also applies to the UI; wait as told (GETs only: POSTs are not idempotent).
    if (res.status === 429 && method === 'GET' && attempt < 3) {
      const wait = Math.min(10, Number(res.headers.get('Retry-After')) || 2);
      await new Promise((r) => setTimeout(r, wait * 1000));
      continue;
    }
    break;
  }
  const type = res.headers.get('content-type') ?? '';
  const body = res.status === 204 ? null : type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/ui/')) onUnauthorized();
    throw new ApiError(res.status, typeof body === 'object' ? body : { detail: String(body || `HTTP ${res.status}`) });
  }
  return body;
}

export async function loadSession() {
  const s = await api('/ui/session');
  session.csrfToken = s.csrfToken ?? null;
  session.user = s.user ?? null;
  return s;
}

export function isAdmin() {
  return session.user?.role === 'Administrator';
}

/** True when the endpoint exists (anything but a 404 "No endpoint"), for parts built by others. */
export async function exists(path) {
  try {
    await api(path);
    return true;
  } catch (e) {
    return !(e.status === 404 && /No endpoint/.test(e.message));
  }
}
