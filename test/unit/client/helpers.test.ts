/** waitForRun and buildAgent against a scripted fake server (the fetch seam), no network. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GleanerBuildError, GleanerClient, type BuilderEvent, type RunInfo } from '../../../src/client/index.ts';

type Route = (url: URL, init: RequestInit) => unknown;

function fakeFetch(routes: Record<string, Route>, calls: string[] = []): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const key = `${init.method ?? 'GET'} ${url.pathname}`;
    calls.push(`${key}${url.search}`);
    const handler = routes[key];
    if (!handler) return new Response(JSON.stringify({ title: 'Not Found', status: 404 }), { status: 404, headers: { 'content-type': 'application/problem+json' } });
    return new Response(JSON.stringify(handler(url, init)), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

const run = (status: number, dataCount: number): RunInfo => ({ id: 5, configId: 1, configName: 'A', status, message: null, startTime: null, endTime: null, created: '', pageCount: dataCount, requestCount: 0, dataCount, errorCount: 0, exportCount: 0, runTimeSec: 0 });

test('waitForRun reports progress changes and returns the terminal status', async () => {
  const script = [run(4, 0), run(1, 3), run(1, 3), run(1, 8), run(9, 10)];
  const client = new GleanerClient({ baseUrl: 'http://gleaner.test', apiKey: 'sk-x', fetch: fakeFetch({ 'GET /api/v1/agent/1/run/5/status': () => script.shift() }) });
  const seen: number[] = [];
  const final = await client.waitForRun(1, 5, { intervalMs: 1, onProgress: (r) => seen.push(r.dataCount) });
  assert.equal(final.status, 9);
  assert.deepEqual(seen, [0, 3, 8, 10], 'unchanged polls are not reported');
});

test('waitForRun times out', async () => {
  const client = new GleanerClient({ baseUrl: 'http://gleaner.test', apiKey: 'sk-x', fetch: fakeFetch({ 'GET /api/v1/agent/1/run/5/status': () => run(1, 0) }) });
  await assert.rejects(client.waitForRun(1, 5, { intervalMs: 5, timeoutMs: 30 }), /did not finish/);
});

const ev = (eventIndex: number, type: string, extra: Record<string, unknown> = {}): BuilderEvent => ({ type, eventIndex, timestamp: '2026-01-01T00:00:00Z', ...extra });

test('buildAgent long-polls from -1, keeps the sample, and finishes with the name', async () => {
  const pages = [
    { events: [ev(0, 'session_started'), ev(1, 'thinking', { message: 'hm' })], lastEventIndex: 1 },
    { events: [], lastEventIndex: 1 },
    { events: [ev(2, 'sample_records', { records: [{ a: 1 }], fillRates: { a: 1 }, recordCount: 1 }), ev(3, 'ready_for_interaction', { phase: 'ready_to_finish' })], lastEventIndex: 3 },
  ];
  const calls: string[] = [];
  let finishBody = '';
  const client = new GleanerClient({
    baseUrl: 'http://gleaner.test',
    apiKey: 'sk-x',
    fetch: fakeFetch(
      {
        'POST /api/v1/agent-builder/start': () => ({ success: true, sessionId: 's1', error: null }),
        'GET /api/v1/agent-builder/s1/events': () => pages.shift(),
        'GET /api/v1/agent-builder/s1/status': () => ({ status: 'processing', lastEventIndex: 1, configId: null, agentName: null, error: null }),
        'POST /api/v1/agent-builder/s1/finish': (_u, init) => ((finishBody = String(init.body)), { success: true, agentId: 7, configId: 7, agentName: 'Shop', error: null }),
      },
      calls,
    ),
  });
  const types: string[] = [];
  const r = await client.buildAgent('products from http://shop.test/', { agentName: 'Shop', onEvent: (e) => types.push(e.type) });
  assert.deepEqual(types, ['session_started', 'thinking', 'sample_records', 'ready_for_interaction']);
  assert.deepEqual(r.agent, { agentId: 7, agentName: 'Shop' });
  assert.equal(r.sample?.recordCount, 1);
  assert.deepEqual(JSON.parse(finishBody), { agentName: 'Shop' });
  assert.deepEqual(calls.filter((c) => c.includes('/events')), ['GET /api/v1/agent-builder/s1/events?lastEventIndex=-1', 'GET /api/v1/agent-builder/s1/events?lastEventIndex=1', 'GET /api/v1/agent-builder/s1/events?lastEventIndex=1']);
});

test('buildAgent stops on an unrecoverable error event and does not finish', async () => {
  const calls: string[] = [];
  const client = new GleanerClient({
    baseUrl: 'http://gleaner.test',
    apiKey: 'sk-x',
    fetch: fakeFetch(
      {
        'POST /api/v1/agent-builder/start': () => ({ success: true, sessionId: 's2', error: null }),
        'GET /api/v1/agent-builder/s2/events': () => ({ events: [ev(0, 'error', { message: 'site unreachable', isRecoverable: false })], lastEventIndex: 0 }),
      },
      calls,
    ),
  });
  const err = await client.buildAgent('products from http://shop.test/', { agentName: 'Shop' }).catch((e: unknown) => e);
  assert.ok(err instanceof GleanerBuildError);
  assert.equal(err.message, 'site unreachable');
  assert.ok(!calls.some((c) => c.includes('/finish')));
});
