/** The client's retry rules against a real local HTTP server: idempotent calls retry, POST never does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GleanerApiError, GleanerClient, GleanerConnectionError } from '../../../src/client/index.ts';
import { backoffMs, parseRetryAfter } from '../../../src/client/http.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

async function withServer(handler: Handler, fn: (url: string, hits: () => { method: string; url: string; auth: string }[]) => Promise<void>): Promise<void> {
  const seen: { method: string; url: string; auth: string }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, auth: String(req.headers.authorization ?? '') });
    req.resume();
    req.on('end', () => handler(req, res, seen.length));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => seen);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

const problem = (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  res.end(JSON.stringify(body));
};
const ok = (res: ServerResponse, body: unknown) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const fast = { retries: 3, baseDelayMs: 5, maxDelayMs: 2000 };

test('GET is retried on 429, honouring Retry-After, and succeeds', async () => {
  await withServer(
    (_req, res, hit) => (hit === 1 ? problem(res, 429, { title: 'Too Many Requests', detail: 'slow down' }, { 'Retry-After': '1' }) : ok(res, [{ id: 1, name: 'A' }])),
    async (url, hits) => {
      const client = new GleanerClient({ baseUrl: url, apiKey: 'sk-test', retry: fast });
      const t0 = Date.now();
      const agents = await client.agents.list();
      assert.deepEqual(agents.map((a) => a.id), [1]);
      assert.equal(hits().length, 2);
      assert.ok(Date.now() - t0 >= 950, 'waited for Retry-After: 1');
      assert.equal(hits()[0]!.auth, 'ApiKey sk-test');
    },
  );
});

test('POST is never retried, even on 429 or 503', async () => {
  for (const status of [429, 503]) {
    await withServer(
      (_req, res) => problem(res, status, { message: 'Rate limit exceeded', detail: 'ignored' }, { 'Retry-After': '0' }),
      async (url, hits) => {
        const client = new GleanerClient({ baseUrl: url, apiKey: 'sk-test', retry: fast });
        const err = await client.runs.start(1).catch((e: unknown) => e);
        assert.ok(err instanceof GleanerApiError);
        assert.equal(err.status, status);
        assert.equal(err.message, 'Rate limit exceeded', 'message wins over detail');
        assert.equal(hits().length, 1);
        assert.equal(hits()[0]!.method, 'POST');
      },
    );
  }
});

test('PUT and DELETE retry on 502/503/504; non-retryable statuses fail at once', async () => {
  await withServer(
    (_req, res, hit) => (hit < 3 ? problem(res, [502, 504][hit - 1]!, { title: 'Bad gateway' }) : (res.writeHead(204), res.end())),
    async (url, hits) => {
      const client = new GleanerClient({ baseUrl: url, apiKey: 'sk-test', retry: fast });
      await client.agents.delete(7);
      assert.equal(hits().length, 3);
      assert.ok(hits().every((h) => h.method === 'DELETE' && h.url === '/api/v1/agent/7'));
    },
  );
  await withServer(
    (_req, res) => problem(res, 404, { title: 'Not Found', detail: 'No agent with id 9' }),
    async (url, hits) => {
      const client = new GleanerClient({ baseUrl: url, apiKey: 'sk-test', retry: fast });
      const err = await client.agents.get(9).catch((e: unknown) => e);
      assert.ok(err instanceof GleanerApiError);
      assert.equal(err.message, 'No agent with id 9', 'detail when there is no message');
      assert.equal(err.problem?.title, 'Not Found');
      assert.equal(hits().length, 1);
    },
  );
});

test('retries give up after the configured count and report the last answer', async () => {
  await withServer(
    (_req, res) => problem(res, 503, { title: 'Service Unavailable' }),
    async (url, hits) => {
      const client = new GleanerClient({ baseUrl: url, apiKey: 'sk-test', retry: { retries: 2, baseDelayMs: 1 } });
      const err = await client.me().catch((e: unknown) => e);
      assert.ok(err instanceof GleanerApiError && err.status === 503 && err.message === 'Service Unavailable');
      assert.equal(hits().length, 3);
    },
  );
});

test('network errors are retried for GET and surface as GleanerConnectionError', async () => {
  let calls = 0;
  const failing: typeof fetch = async () => {
    calls++;
    throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
  };
  const client = new GleanerClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'sk-x', fetch: failing, retry: { retries: 2, baseDelayMs: 1 } });
  const err = await client.agents.list().catch((e: unknown) => e);
  assert.ok(err instanceof GleanerConnectionError);
  assert.match(err.message, /ECONNREFUSED/);
  assert.equal(calls, 3);
  calls = 0;
  await client.runs.stop(1, 2).catch(() => {});
  assert.equal(calls, 1, 'POST is not retried after a network error either');
});

test('non-JSON error bodies still give a readable message; base URLs ending in /api/v1 work', async () => {
  await withServer(
    (_req, res) => (res.writeHead(500, { 'content-type': 'text/html' }), res.end('<html>oops</html>')),
    async (url, hits) => {
      const client = new GleanerClient({ baseUrl: `${url}/api/v1/`, apiKey: 'sk-test', retry: fast });
      const err = await client.runs.files(1, 2).catch((e: unknown) => e);
      assert.ok(err instanceof GleanerApiError);
      assert.equal(err.message, 'HTTP 500 Internal Server Error');
      assert.equal(hits()[0]!.url, '/api/v1/agent/1/run/2/files');
    },
  );
});

test('parseRetryAfter and backoffMs', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
  const o = { retries: 4, baseDelayMs: 100, maxDelayMs: 1000 };
  for (let a = 0; a < 6; a++) {
    const d = backoffMs(a, undefined, o);
    const exp = Math.min(1000, 100 * 2 ** a);
    assert.ok(d >= exp / 2 && d <= exp, `attempt ${a}: ${d}`);
  }
  assert.ok(backoffMs(0, 800, o) >= 800, 'Retry-After is a floor');
  assert.equal(backoffMs(0, 60_000, o), 1000, 'capped at maxDelayMs');
});

test('start sends input parameters as the JSON string Sequentum expects', async () => {
  let body = '';
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c));
    req.on('end', () => {
      body = b;
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 5, runId: 5, status: 4 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const client = new GleanerClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'sk-test' });
    const run = await client.runs.start(3, { inputParameters: { q: 'lamps' } });
    assert.equal(run.id, 5);
    assert.deepEqual(JSON.parse(body), { isRunSynchronously: false, inputParameters: '{"q":"lamps"}' });
  } finally {
    await new Promise((r) => server.close(r));
  }
});
