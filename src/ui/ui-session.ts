/**
 * Browser sessions for the Control Center. The UI never holds an API key: signing in sets an HttpOnly,
 * SameSite=Strict cookie, and an onRequest hook turns that cookie into the same Principal an API key
 * gives, so every /api/v1 route (and its access checks) works unchanged for the UI. State-changing calls
 * additionally need the session's CSRF token in `X-CSRF-Token` (SameSite is the first line, the token the
 * second, for browsers or proxies that get SameSite wrong).
 *
 * Only a SHA-256 of the cookie value is stored as the session id, so a database read does not yield
 * usable sessions.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Platform } from '../platform.ts';
import { problem } from '../api/errors.ts';
import { AuthService } from '../services/auth-service.ts';
import { registerSchedulePreview } from './ui-preview.ts';
import type { Principal, Role } from '../services/access.ts';
import { needsSetup, SETUP_PATH, SETUP_TOKEN_ENV, setupTokenOf } from './setup-token.ts';

export const SESSION_COOKIE = 'gleaner_session';
const SESSION_HOURS = 12;
const MIN_PASSWORD = 10;
/** Failed sign-ins per email+address before a cool-down: slows password guessing without a lockout DoS. */
const MAX_FAILURES = 5;
const COOL_DOWN_MS = 60_000;
/** Hashed with a throwaway password so an unknown email costs as much time as a wrong password. */
const DUMMY_HASH = AuthService.hashPassword(randomBytes(16).toString('hex'));

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

function isHttps(req: FastifyRequest): boolean {
  // trustProxy is off, so only the socket itself counts; a TLS-terminating proxy should set Secure itself.
  return req.protocol === 'https';
}

function setSessionCookie(req: FastifyRequest, reply: FastifyReply, value: string, maxAgeSec: number): void {
  const attrs = [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSec}`];
  if (isHttps(req)) attrs.push('Secure');
  void reply.header('Set-Cookie', attrs.join('; '));
}

function sendProblem(reply: FastifyReply, req: FastifyRequest, status: number, code: string, detail: string) {
  return reply.code(status).type('application/problem+json').send(problem(status, code, detail, req.url));
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

interface LiveSession {
  id: string;
  csrf: string;
  principal: Principal;
}

/** The session behind the request's cookie, or null (expired, unknown, or the user was disabled). */
async function loadSession(platform: Platform, req: FastifyRequest): Promise<LiveSession | null> {
  const raw = readCookie(req, SESSION_COOKIE);
  if (!raw || raw.length > 200) return null;
  const id = sha256(raw);
  const row = await platform.identity.getUiSession(id);
  if (!row) return null;
  if (row.expires_at <= platform.clock.now().toISOString() || row.disabled) {
    await platform.identity.deleteUiSession(id);
    return null;
  }
  return {
    id,
    csrf: row.csrf_token,
    principal: {
      userId: row.userId,
      organizationId: row.organization_id,
      role: row.role as Role,
      email: row.email,
      name: row.name,
      spaceIds: await platform.identity.spaceIdsOfUser(row.userId),
      via: 'session',
    },
  };
}

async function startSession(platform: Platform, req: FastifyRequest, reply: FastifyReply, userId: number): Promise<string> {
  const raw = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const now = platform.clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3600_000).toISOString();
  await platform.identity.createUiSession({ id: sha256(raw), userId, csrfToken: csrf, expiresAt }, now.toISOString());
  setSessionCookie(req, reply, raw, SESSION_HOURS * 3600);
  return csrf;
}

const userView = (p: Principal) => ({ userId: p.userId, email: p.email, name: p.name, role: p.role, organizationId: p.organizationId, spaceIds: p.spaceIds });

function bodyOf(req: FastifyRequest): Record<string, unknown> {
  return req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
}

export function registerUiSession(app: FastifyInstance, platform: Platform): void {
  const failures = new Map<string, { count: number; until: number }>();

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!.toLowerCase();
    // An explicit Authorization header always wins: API clients never depend on cookies.
    if (!path.startsWith('/api/v1/') || req.headers.authorization || req.principal) return;
    if (!readCookie(req, SESSION_COOKIE)) return;
    const s = await loadSession(platform, req);
    if (!s) return;
    if (STATE_CHANGING.has(req.method)) {
      const token = req.headers['x-csrf-token'];
      if (typeof token !== 'string' || !sameToken(token, s.csrf)) return sendProblem(reply, req, 403, 'csrf', 'Missing or wrong X-CSRF-Token header for a cookie-authenticated request');
    }
    req.principal = s.principal;
  });

  app.get('/ui/session', async (req, reply) => {
    void reply.header('Cache-Control', 'no-store');
    const s = await loadSession(platform, req);
    if (!s) return { authenticated: false, needsSetup: await needsSetup(platform) };
    return { authenticated: true, csrfToken: s.csrf, user: userView(s.principal), needsSetup: false };
  });

  app.post('/ui/login', async (req, reply) => {
    const b = bodyOf(req);
    const email = typeof b.email === 'string' ? b.email.trim().toLowerCase() : '';
    const password = typeof b.password === 'string' ? b.password : '';
    if (!email || !password) return sendProblem(reply, req, 400, 'validation', 'email and password are required');
    const key = `${email}|${req.ip}`;
    const now = Date.now();
    const f = failures.get(key);
    if (f && f.count >= MAX_FAILURES && f.until > now) {
      void reply.header('Retry-After', String(Math.ceil((f.until - now) / 1000)));
      return sendProblem(reply, req, 429, 'rate-limited', 'Too many failed sign-ins; wait a minute and try again');
    }
    const user = await platform.identity.getUserByEmail(email);
    const ok = user?.password_hash ? await AuthService.verifyPassword(password, user.password_hash) : (await AuthService.verifyPassword(password, await DUMMY_HASH), false);
    if (!user || !ok || user.disabled) {
      const count = (f && f.until > now ? f.count : 0) + 1;
      failures.set(key, { count, until: now + COOL_DOWN_MS });
      return sendProblem(reply, req, 401, 'invalid-credentials', user?.disabled && ok ? 'This user is disabled' : 'Wrong email or password');
    }
    failures.delete(key);
    const csrfToken = await startSession(platform, req, reply, user.id);
    const s = { userId: user.id, organizationId: user.organization_id, role: user.role as Role, email: user.email, name: user.name, spaceIds: await platform.identity.spaceIdsOfUser(user.id), via: 'session' as const };
    return { authenticated: true, csrfToken, user: userView(s) };
  });

  app.post('/ui/logout', async (req, reply) => {
    const s = await loadSession(platform, req);
    if (s) {
      const token = req.headers['x-csrf-token'];
      if (typeof token !== 'string' || !sameToken(token, s.csrf)) return sendProblem(reply, req, 403, 'csrf', 'Missing or wrong X-CSRF-Token header');
      await platform.identity.deleteUiSession(s.id);
    }
    setSessionCookie(req, reply, '', 0);
    return reply.code(204).send();
  });

  registerSchedulePreview(app, platform, async (req) => (await loadSession(platform, req)) !== null);

  /**
   * First run: the bootstrap administrator has no password yet; a caller holding the one-time setup token
   * (printed by `serve` at start-up, or GLEANER_SETUP_TOKEN) sets it, once. See setup-token.ts.
   */
  app.post(SETUP_PATH, async (req, reply) => {
    const body = bodyOf(req);
    if (!(await needsSetup(platform))) return sendProblem(reply, req, 409, 'already-set-up', 'An administrator password is already set; sign in instead');
    const gate = setupTokenOf(platform);
    const where = `open the one-time link printed on the server console at start-up ("First run: open http://.../ui/setup?token=..."), or start the server with ${SETUP_TOKEN_ENV} set and open ${SETUP_PATH}?token=<that value>`;
    if (typeof body.token !== 'string' || body.token === '') return sendProblem(reply, req, 403, 'setup-token-required', `Setting the first administrator password needs the setup token: ${where}`);
    if (!gate.matches(body.token)) {
      const why = gate.active ? 'Wrong setup token' : 'No setup token is active in this server process (restart it to get a new link)';
      return sendProblem(reply, req, 403, 'setup-token-invalid', `${why}: ${where}. After a restart only the newest link works.`);
    }
    const password = body.password;
    if (typeof password !== 'string' || password.length < MIN_PASSWORD) return sendProblem(reply, req, 400, 'validation', `password: at least ${MIN_PASSWORD} characters`);
    if (password.length > 1000) return sendProblem(reply, req, 400, 'validation', 'password: at most 1000 characters');
    const admin = await platform.identity.getUserByEmail(platform.config.adminEmail);
    if (!admin) return sendProblem(reply, req, 409, 'no-admin', 'No bootstrap administrator exists');
    const hash = await AuthService.hashPassword(password);
    // Re-check after the slow hash: two concurrent setups must not both win.
    if (!(await needsSetup(platform))) return sendProblem(reply, req, 409, 'already-set-up', 'An administrator password is already set; sign in instead');
    await platform.identity.updateUser(admin.id, { password_hash: hash }, platform.clock.now().toISOString());
    // The token is single-use: dead in this process now (other processes answer 409 from here on anyway).
    gate.revoke();
    const csrfToken = await startSession(platform, req, reply, admin.id);
    const s = { userId: admin.id, organizationId: admin.organization_id, role: admin.role as Role, email: admin.email, name: admin.name, spaceIds: await platform.identity.spaceIdsOfUser(admin.id), via: 'session' as const };
    return { authenticated: true, csrfToken, user: userView(s) };
  });
}
