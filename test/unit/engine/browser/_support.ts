/**
 * Shared by the Chromium tests: the binary check (skip visibly locally, fail in CI), tiny loopback
 * sites, a canary listener on 127.0.0.2 (loopback on Linux, but not in the allow list) and the policy.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { createNetworkPolicy } from '../../../../src/engine/http/ssrf.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);

/** Returns false (after t.skip) when Chromium is missing; in CI a missing browser is a failure. */
export function needChromium(t: TestContext): boolean {
  if (HAVE_CHROMIUM) return true;
  if (process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM_PATH}`);
  t.skip(`Chromium not found at ${CHROMIUM_PATH}`);
  return false;
}

/** Only the site's address: 127.0.0.2 (the canary) stays private and therefore blocked. */
export const testPolicy = () => createNetworkPolicy({ allowHosts: ['127.0.0.1'] });

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

export interface Site {
  base: string;
  hits: string[];
  close(): Promise<void>;
}

export async function startSite(routes: Record<string, Handler>, host = '127.0.0.1'): Promise<Site> {
  const hits: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      hits.push(path);
      const h = routes[path];
      if (!h) return void res.writeHead(404).end('not found');
      h(req, res, body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://${host}:${port}`,
    hits,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Counts every TCP connection, HTTP request, upgrade and CONNECT: all must stay zero. */
export async function startCanary(): Promise<{ base: string; host: string; touches: () => number; close(): Promise<void> }> {
  let touches = 0;
  const server = http.createServer((_req, res) => {
    touches++;
    res.end('canary');
  });
  server.on('connection', () => touches++);
  server.on('upgrade', (_r, s: Socket) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.2:${port}`,
    host: `127.0.0.2:${port}`,
    touches: () => touches,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function html(res: http.ServerResponse, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(body);
}

export function json(res: http.ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/** Chromium processes that are children of this test process (Playwright spawns the browser directly). */
export function chromiumChildren(): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Fields after the ")" of comm: state ppid ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('chrom')) pids.push(Number(d));
    } catch {
      // process went away while listing
    }
  }
  return pids;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
