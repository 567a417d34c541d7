/**
 * Serves the Control Center: a vanilla-JS single-page app (src/ui/static) at `/`, plus the UI-session
 * routes. Nothing is built: files are read from disk per request (they are small, and it keeps edits
 * live). Every UI response carries a strict CSP with no inline script or style, so a scraped value that
 * slipped into markup still could not run.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Platform } from '../platform.ts';
import { registerUiSession } from './ui-session.ts';
import { SETUP_PATH } from './setup-token.ts';

const STATIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'static');

export const UI_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
};

/** Lower-case names, folders and a known extension only: no `..`, no dotfiles, no encoded tricks. */
const SAFE_PATH = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*\.(html|js|css|svg|ico)$/;

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('Content-Security-Policy', UI_CSP)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .header('X-Frame-Options', 'DENY')
    // Files change with the server version; revalidating is cheap on loopback and avoids stale modules.
    .header('Cache-Control', 'no-cache');
}

async function sendStatic(reply: FastifyReply, rel: string): Promise<FastifyReply> {
  if (!SAFE_PATH.test(rel)) return securityHeaders(reply).code(404).type('text/plain').send('Not found');
  const file = join(STATIC_DIR, rel);
  if (!file.startsWith(STATIC_DIR + sep)) return securityHeaders(reply).code(404).type('text/plain').send('Not found');
  try {
    const body = await readFile(file);
    const ext = rel.slice(rel.lastIndexOf('.') + 1);
    return securityHeaders(reply).type(TYPES[ext] ?? 'application/octet-stream').send(body);
  } catch {
    return securityHeaders(reply).code(404).type('text/plain').send('Not found');
  }
}

export function uiPlugin(app: FastifyInstance, platform: Platform): void {
  registerUiSession(app, platform);
  // The UI's own JSON endpoints get the same headers as its pages.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/ui/')) {
      void reply.header('Content-Security-Policy', UI_CSP).header('X-Content-Type-Options', 'nosniff').header('Referrer-Policy', 'no-referrer');
    }
    return payload;
  });
  app.get('/', async (_req, reply) => sendStatic(reply, 'index.html'));
  // The first-run link printed at start-up (`/ui/setup?token=...`): the same app; the sign-in page reads the
  // token from the address and sends it with POST /ui/setup (setup-token.ts).
  app.get(SETUP_PATH, async (_req, reply) => sendStatic(reply, 'index.html'));
  app.get('/ui/static/*', async (req, reply) => sendStatic(reply, (req.params as { '*': string })['*']));
  app.get('/favicon.ico', async (_req, reply) => sendStatic(reply, 'favicon.svg'));
}
