/**
 * The Agent Builder over Sequentum's session API, on both databases: the quickstart verbatim against the
 * demo store, follow-ups, wrong-state calls, stop/cancel, a missing field reported (not guessed), a prompt
 * without a URL, and a session that survives a server restart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dialects, requireDialect } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { startDemoStore } from '../../src/demo-site/demo-store.ts';
import { json } from '../helpers/run-helpers.ts';

type Ev = Record<string, any> & { type: string; eventIndex: number };

/** Polls events exactly as the quickstart does: cursor -1, then the last index, until ready_to_finish or a fatal error. */
async function pollUntilReady(s: TestServer, id: string, from = -1): Promise<{ events: Ev[]; last: number }> {
  const all: Ev[] = [];
  let last = from;
  for (let i = 0; i < 200; i++) {
    const r = await json(s.api(`/api/v1/agent-builder/${id}/events?lastEventIndex=${last}`), 200);
    assert.ok(typeof r.phase === 'string', 'phase at the top level of every events response');
    all.push(...r.events);
    last = r.lastEventIndex;
    if (r.events.some((e: Ev) => e.type === 'error' && e.isRecoverable === false)) return { events: all, last };
    if (r.phase === 'ready_to_finish' && r.events.some((e: Ev) => e.type === 'ready_for_interaction')) return { events: all, last };
  }
  throw new Error('builder never became ready');
}

async function start(s: TestServer, prompt: string): Promise<string> {
  const r = await json(s.api('/api/v1/agent-builder/start', { method: 'POST', json: { mode: 'prompt', prompt } }), 200);
  assert.equal(r.success, true);
  assert.equal(r.error, null);
  return r.sessionId;
}

for (const dialect of dialects()) {
  describe(`agent builder API (${dialect})`, () => {
    let s: TestServer;
    let demo: Awaited<ReturnType<typeof startDemoStore>>;
    let plain: Server;
    let plainUrl = '';
    let skip = false;

    before(async (t) => {
      if (!(await requireDialect(dialect, t as never))) {
        skip = true;
        return;
      }
      demo = await startDemoStore();
      s = await startTestServer(dialect, `builder-${dialect}`);
      s.platform.builder.longPollMs = 3000;
      plain = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title>Team</title></head><body><ul><li class="m"><h3>Ann</h3><span class="role">CEO</span></li><li class="m"><h3>Bob</h3><span class="role">CTO</span></li><li class="m"><h3>Cy</h3><span class="role">CFO</span></li></ul></body></html>'));
      await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
      plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/team`;
    });
    after(async () => {
      await s?.close();
      await demo?.close();
      plain?.close();
    });

    test('the quickstart, verbatim: prompt → events until ready_to_finish → finish → sync run', async (t) => {
      if (skip) return t.skip('database not available');
      const id = await start(s, `Pull product name, price, and SKU from ${demo.url}/products/`);
      const { events } = await pollUntilReady(s, id);
      const types = events.map((e) => e.type);
      for (const expected of ['session_started', 'user_prompt', 'thinking', 'plan_generated', 'step_started', 'step_completed', 'navigation_completed', 'command_added', 'sample_records', 'ready_for_interaction']) assert.ok(types.includes(expected), `event ${expected} missing (got ${types.join(', ')})`);
      events.forEach((e, i) => {
        assert.equal(e.eventIndex, i, 'indexes are 0-based and contiguous');
        assert.ok(!Number.isNaN(Date.parse(e.timestamp)));
      });
      const ready = events.find((e) => e.type === 'ready_for_interaction')!;
      assert.equal(ready.phase, 'ready_to_finish');
      const sample = events.find((e) => e.type === 'sample_records')!;
      assert.ok(sample.recordCount >= 8, `records on the first page(s): ${sample.recordCount}`);
      for (const f of sample.fields) assert.equal(sample.fillRates[f], 1, `fill rate of ${f}`);
      const status = await json(s.api(`/api/v1/agent-builder/${id}/status`), 200);
      assert.equal(status.status, 'ready');
      assert.equal(status.phase, 'ready_to_finish');

      const fin = await json(s.api(`/api/v1/agent-builder/${id}/finish`, { method: 'POST', json: { agentName: 'Example store products' } }), 200);
      assert.equal(fin.success, true);
      assert.ok(Number.isInteger(fin.agentId));
      assert.equal(fin.configId, fin.agentId);
      const done = await json(s.api(`/api/v1/agent-builder/${id}/status`), 200);
      assert.equal(done.status, 'completed');
      assert.equal(done.phase, 'finished');
      assert.equal(done.agentId, fin.agentId);

      const run = await json(s.api(`/api/v1/agent/${fin.agentId}/start`, { method: 'POST', json: { isRunSynchronously: true, timeout: 120 } }), 200);
      assert.deepEqual(Object.keys(run), ['Example store products']);
      const recs = run['Example store products'] as Record<string, unknown>[];
      assert.equal(recs.length, 24, 'every page of the listing: 3 pages × 8 products');
      const first = recs.find((r) => Object.values(r).includes('Classic Kettle 100'));
      assert.ok(first, `product names extracted: ${JSON.stringify(recs[0])}`);
      assert.ok(Object.values(first).includes('9.99'), 'price as a decimal amount');
      assert.ok(Object.values(first).some((v) => typeof v === 'string' && v.endsWith('GL-010000')), 'SKU');

      // finishing twice, or following up after completion, is a state-machine violation
      await json(s.api(`/api/v1/agent-builder/${id}/finish`, { method: 'POST', json: { agentName: 'again' } }), 409);
      await json(s.api(`/api/v1/agent-builder/${id}/followup`, { method: 'POST', json: { message: 'add the brand' } }), 409);
      const conv = await json(s.api(`/api/v1/agent-builder/${id}/conversation`), 200);
      assert.ok(Array.isArray(JSON.parse(conv.messageHistory)));
      assert.equal(conv.status, 'completed');
    });

    test('a follow-up adds a field, rebuilds and retests', async (t) => {
      if (skip) return t.skip('database not available');
      const id = await start(s, `Get the title and price of every book from ${demo.url}/books/`);
      const first = await pollUntilReady(s, id);
      const s1 = first.events.filter((e) => e.type === 'sample_records').pop()!;
      assert.deepEqual(s1.fields.slice().sort(), ['price', 'title']);
      await json(s.api(`/api/v1/agent-builder/${id}/followup`, { method: 'POST', json: { message: 'add the rating' } }), 200);
      const again = await pollUntilReady(s, id, first.last);
      const s2 = again.events.filter((e) => e.type === 'sample_records').pop()!;
      assert.ok(s2.fields.includes('rating'), `fields after the follow-up: ${s2.fields}`);
      assert.equal(s2.fillRates.rating, 1);
      assert.ok(again.events.some((e) => e.type === 'user_prompt' && e.prompt === 'add the rating'));
    });

    test('a requested field that does not exist is reported as not found, never guessed', async (t) => {
      if (skip) return t.skip('database not available');
      const id = await start(s, `Get the name, role and salary of every member on ${plainUrl}`);
      const { events } = await pollUntilReady(s, id);
      const sample = events.filter((e) => e.type === 'sample_records').pop()!;
      assert.ok(!sample.fields.includes('salary'));
      assert.ok(sample.fieldReport.some((r: any) => r.field === 'salary' && r.found === false && r.tried.length > 0));
      assert.ok(events.some((e) => e.type === 'user_message' && /salary/.test(e.message)));
    });

    test('a prompt without a URL ends with a clear error event; bad requests are 400', async (t) => {
      if (skip) return t.skip('database not available');
      const id = await start(s, 'Get the product names and prices please');
      const { events } = await pollUntilReady(s, id);
      const err = events.find((e) => e.type === 'error')!;
      assert.equal(err.isRecoverable, false);
      assert.match(err.message, /URL/);
      const st = await json(s.api(`/api/v1/agent-builder/${id}/status`), 200);
      assert.equal(st.status, 'error');
      assert.match(st.error, /URL/);
      await json(s.api(`/api/v1/agent-builder/${id}/finish`, { method: 'POST', json: {} }), 409);
      await json(s.api('/api/v1/agent-builder/start', { method: 'POST', json: { mode: 'prompt', prompt: 'short' } }), 400);
      await json(s.api('/api/v1/agent-builder/start', { method: 'POST', json: { mode: 'url' } }), 400);
      await json(s.api('/api/v1/agent-builder/no-such-session/status'), 404);
    });

    test('cancel ends the session; finish after cancel is 409; stop keeps a session alive', async (t) => {
      if (skip) return t.skip('database not available');
      const id = await start(s, `Pull product name and price from ${demo.url}/products/`);
      await pollUntilReady(s, id);
      const stop = await json(s.api(`/api/v1/agent-builder/${id}/stop`, { method: 'POST' }), 200);
      assert.equal(stop.success, true);
      assert.equal((await json(s.api(`/api/v1/agent-builder/${id}/status`), 200)).status, 'ready');
      await json(s.api(`/api/v1/agent-builder/${id}/cancel`, { method: 'POST' }), 200);
      assert.equal((await json(s.api(`/api/v1/agent-builder/${id}/status`), 200)).status, 'cancelled');
      await json(s.api(`/api/v1/agent-builder/${id}/finish`, { method: 'POST', json: { agentName: 'x' } }), 409);
      await json(s.api(`/api/v1/agent-builder/${id}/cancel`, { method: 'POST' }), 409);
    });

    test('the long poll returns at once when events exist and holds when none do', async (t) => {
      if (skip) return t.skip('database not available');
      const id = await start(s, `Pull product name and price from ${demo.url}/products/`);
      const { last } = await pollUntilReady(s, id);
      let t0 = Date.now();
      const all = await json(s.api(`/api/v1/agent-builder/${id}/events?lastEventIndex=-1`), 200);
      assert.ok(all.events.length > 5);
      assert.ok(Date.now() - t0 < 2500, 'returns at once when newer events exist');
      t0 = Date.now();
      const none = await json(s.api(`/api/v1/agent-builder/${id}/events?lastEventIndex=${last}`), 200);
      assert.deepEqual(none.events, []);
      assert.equal(none.lastEventIndex, last);
      assert.ok(Date.now() - t0 >= 2500, 'held for the long-poll window');
    });

    test('events appended at once (a stop while the build still logs) get distinct, contiguous indexes', async (t) => {
      if (skip) return t.skip('database not available');
      const repo = s.platform.builderRepo;
      const admin = (await s.platform.identity.getUserByEmail(s.platform.config.adminEmail))!;
      const spaceId = (await s.platform.identity.spaceIdsOfUser(admin.id))[0] ?? 1;
      const id = `race-${dialect}-${Date.now()}`;
      const now = new Date().toISOString();
      await repo.create({ id, userId: admin.id, spaceId, mode: 'prompt', prompt: 'x', url: null, state: '{}' }, now);
      // Read-then-insert lost this race on PostgreSQL (a duplicate index, a 500 to the caller).
      const idx = await Promise.all(Array.from({ length: 30 }, (_, i) => repo.appendEvent(id, 'thinking', { message: `m${i}` }, now)));
      assert.deepEqual([...idx].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
      assert.equal((await repo.get(id))!.last_event_index, 29);
      assert.equal((await repo.events(id, -1)).length, 30);
    });
  });
}
