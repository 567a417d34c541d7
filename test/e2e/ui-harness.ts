/**
 * Shared set-up for the Control Center browser tests: a real server (SQLite, workers on) with the UI, the
 * demo store, Debian's Chromium through playwright-core, and a signed-in page. Screenshots go to
 * test-results/ (gitignored) and are kept on failure.
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { startDemoStore } from '../../src/demo-site/demo-store.ts';
import { AuthService } from '../../src/services/auth-service.ts';

export const ADMIN_PASSWORD = 'correct horse battery staple';
export const SHOTS = 'test-results';

export interface UiEnv {
  server: TestServer;
  demo: { url: string; close(): Promise<void> };
  browser: Browser;
  adminEmail: string;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** opts.setPassword: false leaves the first-run state (no password anywhere) for the setup test. */
export async function startUiEnv(name: string, opts: { setPassword?: boolean } = {}): Promise<UiEnv> {
  mkdirSync(SHOTS, { recursive: true });
  const demo = await startDemoStore({ host: '127.0.0.1', port: 0 });
  // The UI polls; a browser session shares the per-user API rate limit, so tests raise it.
  const server = await startTestServer('sqlite', name, { rateLimit: { max: 100_000, windowSeconds: 60, authFailures: 1_000_000 } }, { workers: true });
  const adminEmail = server.platform.config.adminEmail;
  if (opts.setPassword !== false) {
    const admin = (await server.platform.identity.getUserByEmail(adminEmail))!;
    await server.platform.identity.updateUser(admin.id, { password_hash: await AuthService.hashPassword(ADMIN_PASSWORD) }, new Date().toISOString());
  }
  const browser = await launchChromium();
  return {
    server,
    demo,
    browser,
    adminEmail,
    async close() {
      await browser.close().catch(() => {});
      await server.close();
      await demo.close();
    },
  };
}

export interface WatchedPage {
  page: Page;
  dialogs: string[];
  errors: string[];
}

/** A page that records dialogs (none should ever open from data) and CSP/JS errors. */
export async function newPage(env: UiEnv, width = 1280, height = 900): Promise<WatchedPage> {
  const ctx = await env.browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  const page = await ctx.newPage();
  const w: WatchedPage = { page, dialogs: [], errors: [] };
  page.on('dialog', (d) => {
    w.dialogs.push(d.message());
    void d.accept();
  });
  page.on('pageerror', (e) => w.errors.push(e.message));
  page.on('console', (m) => {
    // HTTP errors the UI handles (a wrong password's 401) are logged by Chromium too; those are not bugs.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) w.errors.push(m.text());
  });
  return w;
}

export async function signIn(env: UiEnv, page: Page): Promise<void> {
  await page.goto(`${env.server.url}/#/login`);
  await page.fill('#login-email', env.adminEmail);
  await page.fill('#login-password', ADMIN_PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#agents-total');
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** True when `path` answers with anything but the router's "No endpoint" 404 (parts others are building). */
export async function endpointExists(env: UiEnv, method: string, path: string): Promise<boolean> {
  const r = await env.server.api(path, { method, ...(method === 'GET' ? {} : { json: {} }) });
  if (r.status !== 404) return true;
  const body = (await r.json().catch(() => ({}))) as { detail?: string };
  return !/^No endpoint/.test(body.detail ?? '');
}

/** An agent over the demo store's product list, created through the API. */
export function demoDefinition(demoUrl: string) {
  return {
    startUrls: [`${demoUrl}/products/`],
    list: { kind: 'css', selector: '.product-card' },
    fields: [
      { name: 'name', selector: '.product-title' },
      { name: 'price', selector: '.price', type: 'price' },
      { name: 'sku', selector: '.sku', regex: 'SKU:\\s*(\\S+)' },
    ],
    pagination: { kind: 'next-link', selector: 'a.next', maxPages: 5 },
  };
}

export async function createAgent(env: UiEnv, name: string, definition: unknown): Promise<number> {
  const r = await env.server.api('/api/v1/agent', { method: 'POST', json: { name, definition } });
  if (r.status !== 201) throw new Error(`create agent: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { id: number }).id;
}

/** Wraps a test body so a failure still leaves a screenshot behind. */
export async function withShot<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    const out = await fn();
    await shot(page, name);
    return out;
  } catch (e) {
    await shot(page, `${name}-FAILED`).catch(() => {});
    throw e;
  }
}
