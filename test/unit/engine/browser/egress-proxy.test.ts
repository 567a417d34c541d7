/** The egress proxy on its own (no Chromium): forwards allowed traffic, refuses the rest before connecting. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startEgressProxy, type EgressProxy } from '../../../../src/engine/browser/egress-proxy.ts';
import { createRequestGuard } from '../../../../src/engine/browser/request-guard.ts';
import { html, startCanary, startSite, testPolicy, type Site } from './_support.ts';

let proxy: EgressProxy;
let site: Site;
let canary: Awaited<ReturnType<typeof startCanary>>;
const proxyPort = () => Number(new URL(proxy.url).port);

before(async () => {
  proxy = await startEgressProxy(createRequestGuard(testPolicy()));
  site = await startSite({ '/hello': (q, res) => html(res, `hello ${q.headers.host}`) });
  canary = await startCanary();
});
after(async () => {
  await proxy.close();
  await site.close();
  await canary.close();
});

/** An absolute-form request through the proxy, as Chromium sends plain http. */
function viaProxy(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: '127.0.0.1', port: proxyPort(), path: url, headers: { host: u.host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(hostPort: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort(), method: 'CONNECT', path: hostPort });
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('forwards plain http to an allowed host, keeping the Host header', async () => {
  const r = await viaProxy(`${site.base}/hello`);
  assert.equal(r.status, 200);
  assert.equal(r.body, `hello ${new URL(site.base).host}`);
});

test('tunnels CONNECT to an allowed host', async () => {
  assert.equal(await connect(new URL(site.base).host), 200);
});

test('refuses private addresses, local names and service-worker scripts without touching them', async () => {
  assert.equal((await viaProxy(`${canary.base}/x`)).status, 403);
  assert.equal(await connect(canary.host), 403);
  assert.equal((await viaProxy(`http://localhost:${new URL(site.base).port}/hello`)).status, 403);
  assert.equal((await viaProxy(`${site.base}/hello`, { 'service-worker': 'script' })).status, 403);
  assert.equal(canary.touches(), 0);
  assert.ok(proxy.blocked() >= 4);
});

test('a refusal never echoes the reason or an address', async () => {
  const r = await viaProxy(`${canary.base}/x`);
  assert.equal(r.body, '');
});
