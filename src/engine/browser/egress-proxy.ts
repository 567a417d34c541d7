/**
 * The final SSRF authority for Chromium (reliability.md §2.3 item 5, "better still"): the browser is
 * launched with this loopback proxy as its only way out (Playwright adds `<-loopback>` to the bypass list,
 * so even loopback goes through it). Every connection, including redirect hops Playwright never routes,
 * service-worker and websocket traffic, is judged here, and we connect to the very address we judged, so
 * DNS rebinding between check and connect is impossible. Plain http is forwarded; https and websockets
 * are CONNECT tunnels (we see host and port, never the TLS payload).
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { RequestGuard } from './request-guard.ts';

export interface EgressProxy {
  /** `http://127.0.0.1:<port>`, for Chromium's --proxy-server. */
  readonly url: string;
  /** Connections refused so far (for stats and tests). */
  blocked(): number;
  close(): Promise<void>;
}

/** Headers that describe the hop to the proxy, not the request: never forwarded. */
const HOP_HEADERS = new Set(['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade']);
const IDLE_MS = 120_000;

export async function startEgressProxy(guard: RequestGuard): Promise<EgressProxy> {
  let blockedCount = 0;
  const sockets = new Set<Duplex>();
  const track = (s: Duplex) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  const server = http.createServer((req, res) => {
    void forward(req, res);
  });
  server.on('connection', track);

  async function forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
      if (target.protocol !== 'http:') throw new Error('not an absolute http URL');
    } catch {
      res.writeHead(400).end();
      return;
    }
    let address: string;
    try {
      // Belt and braces behind the context's serviceWorkers:'block': a service worker script is never fetched.
      if (req.headers['service-worker'] === 'script') throw new Error('service worker');
      address = await guard.resolve(target.href);
    } catch {
      blockedCount++;
      // Deliberately bare: never echo the reason or the resolved address to the page.
      res.writeHead(403, { 'content-length': '0' }).end();
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_HEADERS.has(k)) headers[k] = v;
    const upstream = http.request({
      host: address,
      port: target.port || 80,
      method: req.method,
      path: target.pathname + target.search,
      headers, // keeps the original Host header
      agent: false,
      setHost: false,
    });
    upstream.setTimeout(IDLE_MS, () => upstream.destroy());
    upstream.on('response', (up) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(up.headers)) if (!HOP_HEADERS.has(k) && v !== undefined) out[k] = v;
      res.writeHead(up.statusCode ?? 502, up.statusMessage, out);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-length': '0' }).end();
      else res.destroy();
    });
    req.pipe(upstream);
  }

  /** https and (in Chromium) websockets: a raw tunnel to the judged address. */
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    void tunnel(`https://${req.url ?? ''}/`, client, (up) => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
    });
  });

  /** A websocket sent as an absolute-form GET with Upgrade: replay the request line and headers. */
  server.on('upgrade', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      client.destroy();
      return;
    }
    void tunnel(target.href, client, (up) => {
      let raw = `${req.method} ${target.pathname}${target.search} HTTP/1.1\r\n`;
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        if (!/^proxy-/i.test(req.rawHeaders[i]!)) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      }
      up.write(raw + '\r\n');
      if (head.length) up.write(head);
    });
  });

  async function tunnel(url: string, client: Duplex, onOpen: (up: net.Socket) => void): Promise<void> {
    client.on('error', () => {});
    let address: string;
    let port: number;
    try {
      const u = new URL(url);
      port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
      address = await guard.resolve(url);
    } catch {
      blockedCount++;
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const up = net.connect({ host: address, port });
    track(up);
    up.setTimeout(IDLE_MS, () => up.destroy());
    let open = false;
    up.once('connect', () => {
      open = true;
      onOpen(up);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => {
      // Once tunnelling, bytes are the page's: just cut the line.
      if (open) client.destroy();
      else client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
    });
    client.once('close', () => up.destroy());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    blocked: () => blockedCount,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
