/**
 * A real node:http server on loopback, port 0, for the HTTP-layer tests. Counts TCP connections as well as
 * requests: the SSRF tests need "zero connections" to prove a refusal happened BEFORE connect.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` (or the bound host), no trailing slash. */
  origin: string;
  port: number;
  host: string;
  connections: number;
  requests: http.IncomingMessage[];
  close(): Promise<void>;
}

export async function startLoopbackServer(
  handler: http.RequestListener = (_req, res) => res.end('ok'),
  host = '127.0.0.1',
): Promise<LoopbackServer> {
  const server = http.createServer();
  const state: LoopbackServer = {
    origin: '',
    port: 0,
    host,
    connections: 0,
    requests: [],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', () => {
    state.connections++;
  });
  server.on('request', (req, res) => {
    state.requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  state.port = (server.address() as AddressInfo).port;
  state.origin = `http://${host.includes(':') ? `[${host}]` : host}:${state.port}`;
  return state;
}
