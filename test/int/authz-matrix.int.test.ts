/**
 * The authorization matrix (reliability.md §10.6), generated from the route table: every endpoint in
 * `allRoutes` × (no key, malformed key, revoked key, expired key, a User outside the space, a User in the
 * space, an administrator) → the expected class of status. A route missing from EXPECT fails the test, so a
 * new endpoint cannot be forgotten. Then: no object of space S1 is readable or writable from space S2, ids
 * guessed in sequence included.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dialects, requireDialect } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { MIN_DEFINITION } from '../helpers/admin-fixtures.ts';
import { sleepUntil } from '../helpers/sleep-until.ts';
import { allRoutes } from '../../src/api/routes/index.ts';
import type { Principal } from '../../src/services/access.ts';

/**
 * public: anyone. user: any valid key (results filtered by space). scoped: the object lives in space S1 (a
 * builder session is also the insider's own), so a User outside S1 gets 404. admin: administrators only (403
 * for Users).
 */
type Kind = 'public' | 'user' | 'scoped' | 'admin';
const EXPECT: Record<string, Kind> = {
  'GET /health': 'public',
  'GET /api/v1/health': 'public',
  'GET /api/v1/me': 'user',
  'GET /api/v1/openapi.json': 'public',
  'GET /api/docs': 'public',
  'GET /api/v1/agent/all': 'user',
  'GET /api/v1/agent/search': 'user',
  'POST /api/v1/agent': 'user',
  'GET /api/v1/agent/:agentId': 'scoped',
  'PUT /api/v1/agent/:agentId': 'scoped',
  'DELETE /api/v1/agent/:agentId': 'scoped',
  'GET /api/v1/agent/:agentId/versions': 'scoped',
  'GET /api/v1/agent/:agentId/version/:versionNumber': 'scoped',
  'POST /api/v1/agent/:agentId/version/:versionNumber/restore': 'scoped',
  'POST /api/v1/agent/:agentId/archive': 'scoped',
  'POST /api/v1/agent/:agentId/unarchive': 'scoped',
  'POST /api/v1/agent/:agentId/start': 'scoped',
  'GET /api/v1/agent/:agentId/runs': 'scoped',
  'GET /api/v1/agent/:agentId/runs/history': 'scoped',
  'GET /api/v1/agent/:agentId/run/:runId/status': 'scoped',
  'POST /api/v1/agent/:agentId/run/:runId/stop': 'scoped',
  'POST /api/v1/agent/:agentId/run/:runId/kill': 'scoped',
  'POST /api/v1/agent/:agentId/run/:runId/restart': 'scoped',
  'DELETE /api/v1/agent/:agentId/run/:runId': 'scoped',
  'GET /api/v1/agent/:agentId/run/:runId/files': 'scoped',
  'GET /api/v1/agent/:agentId/run/:runId/file/:fileId/download': 'scoped',
  'GET /api/v1/agent/:agentId/run/:runId/records': 'scoped',
  'GET /api/v1/agent/:agentId/run/:runId/log': 'scoped',
  'GET /api/v1/agent/:agentId/schedules': 'scoped',
  'POST /api/v1/agent/:agentId/schedules': 'scoped',
  'GET /api/v1/agent/:agentId/schedules/:scheduleId': 'scoped',
  'PUT /api/v1/agent/:agentId/schedules/:scheduleId': 'scoped',
  'DELETE /api/v1/agent/:agentId/schedules/:scheduleId': 'scoped',
  'POST /api/v1/agent/:agentId/schedules/:scheduleId/enable': 'scoped',
  'POST /api/v1/agent/:agentId/schedules/:scheduleId/disable': 'scoped',
  'GET /api/v1/analytics/schedules/upcoming': 'user',
  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'GET /api/v1/users/:userId': 'admin',
  'PUT /api/v1/users/:userId': 'admin',
  'DELETE /api/v1/users/:userId': 'admin',
  'POST /api/v1/users/:userId/password': 'admin',
  'POST /api/v1/users/:userId/api-keys': 'admin',
  'GET /api/v1/users/:userId/api-keys': 'admin',
  'GET /api/v1/api-keys': 'admin',
  'DELETE /api/v1/api-keys/:keyId': 'admin',
  'GET /api/v1/spaces': 'user',
  'GET /api/v1/spaces/search': 'user',
  'POST /api/v1/spaces': 'admin',
  'GET /api/v1/spaces/:spaceId': 'scoped',
  'PUT /api/v1/spaces/:spaceId': 'admin',
  'DELETE /api/v1/spaces/:spaceId': 'admin',
  'GET /api/v1/spaces/:spaceId/agents': 'scoped',
  'POST /api/v1/spaces/:spaceId/run-all': 'scoped',
  'GET /api/v1/spaces/:spaceId/members': 'scoped',
  'POST /api/v1/spaces/:spaceId/members': 'admin',
  'DELETE /api/v1/spaces/:spaceId/members/:userId': 'admin',
  'GET /api/v1/analytics/runs/summary': 'user',
  'GET /api/v1/analytics/records/summary': 'user',
  'GET /api/v1/analytics/agents/:agentId/runs/:runId/diagnostics': 'scoped',
  'GET /api/v1/analytics/agents/:agentId/latest-failure': 'scoped',
  'POST /api/v1/agent-builder/start': 'user',
  'GET /api/v1/agent-builder/:sessionId/status': 'scoped',
  'GET /api/v1/agent-builder/:sessionId/events': 'scoped',
  'GET /api/v1/agent-builder/:sessionId/conversation': 'scoped',
  'POST /api/v1/agent-builder/:sessionId/followup': 'scoped',
  'POST /api/v1/agent-builder/:sessionId/finish': 'scoped',
  'POST /api/v1/agent-builder/:sessionId/cancel': 'scoped',
  'POST /api/v1/agent-builder/:sessionId/stop': 'scoped',
};

/** Request bodies that pass validation, so an allowed call really reaches the handler. */
const BODIES: Record<string, unknown> = {
  'POST /api/v1/agent': { name: 'matrix', definition: MIN_DEFINITION },
  'POST /api/v1/agent-builder/start': { mode: 'prompt', prompt: 'Get the product names and prices please' },
  'POST /api/v1/agent-builder/:sessionId/followup': { message: 'add the brand' },
  'PUT /api/v1/agent/:agentId': { description: 'matrix' },
  'POST /api/v1/agent/:agentId/start': { isExclusive: false },
  'POST /api/v1/agent/:agentId/schedules': { name: 'm', cronExpression: '0 0 * * *' },
  'PUT /api/v1/agent/:agentId/schedules/:scheduleId': { name: 'm2' },
  'POST /api/v1/users': { email: 'matrix-new@example.com' },
  'PUT /api/v1/users/:userId': { name: 'renamed' },
  'POST /api/v1/users/:userId/password': { password: 'correct horse battery' },
  'POST /api/v1/users/:userId/api-keys': { description: 'matrix' },
  'POST /api/v1/spaces': { name: 'matrix space' },
  'PUT /api/v1/spaces/:spaceId': { description: 'matrix' },
  'POST /api/v1/spaces/:spaceId/members': { userId: 1 },
};

const keyOf = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

for (const dialect of dialects()) {
  describe(`authorization matrix [${dialect}]`, () => {
    let s: TestServer;
    let skip = false;
    let admin: Principal;
    let s1: number;
    let s2: number;
    const keys: Record<string, string | null> = {};
    let unique = 0;

    before(async (t) => {
      if (!(await requireDialect(dialect, t as never))) return void (skip = true);
      s = await startTestServer(dialect, `authz-${dialect}`, { rateLimit: { max: 1_000_000, windowSeconds: 60, authFailures: 1_000_000 } }, { workers: false });
      const p = s.platform;
      const u = (await p.identity.getUser(p.bootstrap!.adminUserId))!;
      admin = { userId: u.id, organizationId: u.organization_id, role: 'Administrator', email: u.email, name: u.name, spaceIds: [], via: 'api-key' };
      s1 = p.bootstrap!.defaultSpaceId;
      s2 = (await p.spaces.create(admin, { name: 'S2' })).id;
      const inside = await p.users.create(admin, { email: 'in@example.com', spaceIds: [s1] });
      const outside = await p.users.create(admin, { email: 'out@example.com', spaceIds: [s2] });
      keys.none = null;
      keys.malformed = 'not-a-key';
      const revoked = await p.users.issueKey(admin, inside.id, {});
      await p.users.revokeKey(admin, revoked.id);
      keys.revoked = revoked.key;
      keys.expired = (await p.auth.issueKey(inside.id, { expiresAt: '2000-01-01T00:00:00.000Z' })).key;
      keys.outsider = (await p.users.issueKey(admin, outside.id, {})).key;
      keys.insider = (await p.users.issueKey(admin, inside.id, {})).key;
      keys.admin = s.key;
    });
    after(async () => s?.close());

    /** Fresh objects in S1 for one call, so destructive calls never disturb the next one. */
    async function fixtures() {
      const p = s.platform;
      const n = ++unique;
      const agent = await p.agents.create(admin, { name: `fx-${n}`, definition: MIN_DEFINITION, spaceId: s1 });
      const run = await p.runs.start(admin, agent.id, { isExclusive: false });
      // A failed run: diagnostics, latest-failure and restart have something to work on.
      await p.runsRepo.transition(run.id, [4], 6, new Date().toISOString(), { message: 'HTTP 403 from http://127.0.0.1:9/' });
      const file = await p.frontier.addFile({ runId: run.id, name: 'a.txt', fileType: 'txt', kind: 'blob', size: 1, content: Buffer.from('a') }, new Date().toISOString());
      const schedule = await p.schedules.create(admin, agent.id, { name: 'fx', cronExpression: '0 0 * * *' });
      const user = await p.users.create(admin, { email: `fx-${n}@example.com`, spaceIds: [s1] });
      const key = await p.users.issueKey(admin, user.id, {});
      // A real session, started through the API by the insider: an unknown id would 404 for everyone and prove nothing.
      const session = await s.api('/api/v1/agent-builder/start', { method: 'POST', key: keys.insider, json: BODIES['POST /api/v1/agent-builder/start'] });
      assert.equal(session.status, 200);
      const { sessionId } = (await session.json()) as { sessionId: string };
      // Let its build end first (a prompt without a URL fails at once): stop racing the build's own events is a
      // separate, known race in the event log (a 500 on PostgreSQL), not an authorization question.
      await sleepUntil(async () => ((await p.builderRepo.get(sessionId))?.status !== 'processing' ? true : null), 10_000, `session ${sessionId} settled`, 10);
      return { agentId: agent.id, runId: run.id, fileId: file.id, scheduleId: schedule.id, spaceId: s1, userId: user.id, keyId: key.id, versionNumber: 1, sessionId } as Record<string, number | string>;
    }

    test('every route has an expectation, and the table matches each route\'s declared access', (t) => {
      if (skip) return t.skip();
      const missing = allRoutes.map(keyOf).filter((k) => !(k in EXPECT));
      assert.deepEqual(missing, [], `routes without an authorization expectation: add them to EXPECT`);
      const stale = Object.keys(EXPECT).filter((k) => !allRoutes.some((r) => keyOf(r) === k));
      assert.deepEqual(stale, [], 'expectations for routes that no longer exist');
      for (const r of allRoutes) {
        const kind = EXPECT[keyOf(r)];
        if (r.access === 'public') assert.equal(kind, 'public', keyOf(r));
        if (r.access === 'admin') assert.equal(kind, 'admin', keyOf(r));
        if (r.access === 'user') assert.notEqual(kind, 'admin', `${keyOf(r)} is declared for users`);
      }
    });

    test('every route × every principal → the expected status class', async (t) => {
      if (skip) return t.skip();
      const failures: string[] = [];
      // Calls that must not change anything share one fixture set; allowed writes get fresh objects.
      const shared = await fixtures();
      for (const r of allRoutes) {
        const kind = EXPECT[keyOf(r)]!;
        for (const who of ['none', 'malformed', 'revoked', 'expired', 'outsider', 'insider', 'admin']) {
          const ids = r.method !== 'GET' && (who === 'insider' || who === 'admin') ? await fixtures() : shared;
          const path = r.path.replace(/:(\w+)/g, (_, name: string) => String(ids[name] ?? 1));
          const body = BODIES[keyOf(r)] ?? (r.method === 'GET' || r.method === 'DELETE' ? undefined : {});
          const res = await s.api(path, { method: r.method, key: keys[who], ...(body !== undefined ? { json: body } : {}) });
          await res.arrayBuffer();
          const got = res.status;
          const anon = ['none', 'malformed', 'revoked', 'expired'].includes(who);
          let ok: boolean;
          let want: string;
          if (kind === 'public') [ok, want] = [got < 500 && got !== 401 && got !== 403, 'served'];
          else if (anon) [ok, want] = [got === 401, '401'];
          else if (kind === 'admin' && who !== 'admin') [ok, want] = [got === 403, '403'];
          else if (kind === 'scoped' && who === 'outsider') [ok, want] = [got === 404, '404'];
          else [ok, want] = [got < 500 && ![401, 403, 404].includes(got), 'allowed (not 401/403/404/5xx)'];
          if (!ok) failures.push(`${keyOf(r)} as ${who}: got ${got}, want ${want}`);
        }
      }
      assert.deepEqual(failures, []);
    });

    test('space S2 cannot read or write S1 objects, ids guessed in sequence included', async (t) => {
      if (skip) return t.skip();
      const p = s.platform;
      const fx = await fixtures();
      const out = (path: string, init: { method?: string; json?: unknown } = {}) => s.api(path, { ...init, key: keys.outsider });
      const own = await (await out('/api/v1/agent', { method: 'POST', json: { name: 'mine', definition: MIN_DEFINITION } })).json();
      assert.equal(own.spaceId, s2, 'the outsider creates into its own space');
      assert.equal((await out(`/api/v1/agent/${own.id}/schedules`, { method: 'POST', json: { name: 'mine', cronExpression: '0 0 * * *' } })).status, 201);
      const maxAgent = Number(fx.agentId) + 2;
      for (let id = 1; id <= maxAgent; id++) {
        const mine = (await p.agentsRepo.getUnscoped(id))?.space_id === s2;
        const st = (await out(`/api/v1/agent/${id}`)).status;
        assert.equal(st, mine ? 200 : 404, `GET /agent/${id}`);
        assert.equal((await out(`/api/v1/agent/${id}/schedules`)).status, mine ? 200 : 404);
      }
      for (let sid = 1; sid <= Number(fx.scheduleId) + 2; sid++) {
        if ((await p.schedulesRepo.byId(sid))?.agent_id === own.id) continue;
        // A foreign schedule id under the caller's own agent: nested paths cannot cross spaces.
        assert.equal((await out(`/api/v1/agent/${own.id}/schedules/${sid}`)).status, 404);
        assert.equal((await out(`/api/v1/agent/${own.id}/schedules/${sid}`, { method: 'PUT', json: { name: 'x' } })).status, 404);
        assert.equal((await out(`/api/v1/agent/${own.id}/schedules/${sid}`, { method: 'DELETE' })).status, 404);
      }
      for (let rid = 1; rid <= Number(fx.runId) + 2; rid++) if ((await p.runsRepo.get(rid))?.agent_id !== own.id) assert.equal((await out(`/api/v1/agent/${own.id}/run/${rid}/status`)).status, 404);
      assert.equal((await out(`/api/v1/analytics/agents/${own.id}/runs/${fx.runId}/diagnostics`)).status, 404);
      const agents = (await (await out('/api/v1/agent/all')).json()) as Array<{ id: number; spaceId: number }>;
      assert.ok(agents.length > 0 && agents.every((a) => a.spaceId === s2));
      const spaces = (await (await out('/api/v1/spaces')).json()) as Array<{ id: number }>;
      assert.deepEqual(spaces.map((x) => x.id), [s2]);
      assert.equal((await out('/api/v1/spaces/search?name=default')).status, 404);
      const upcoming = (await (await out('/api/v1/analytics/schedules/upcoming')).json()) as Array<{ agentId: number }>;
      assert.ok(upcoming.every((u) => u.agentId === own.id));
      const summary = await (await out('/api/v1/analytics/records/summary')).json();
      assert.equal(summary.runCount, 0, 'S1 runs are not counted for the outsider');
      assert.equal((await out('/api/v1/agent', { method: 'POST', json: { name: 'intrude', definition: MIN_DEFINITION, spaceId: s1 } })).status, 404, 'cannot create into S1');
      // Nothing of S1 changed.
      assert.ok(await p.schedulesRepo.get(Number(fx.agentId), Number(fx.scheduleId)));
      assert.equal((await p.agentsRepo.getUnscoped(Number(fx.agentId)))!.description, null);
    });

    test('a builder session is its owner\'s: another user (same space or not) gets the unknown-session 404 and changes nothing', async (t) => {
      if (skip) return t.skip();
      const p = s.platform;
      s.platform.builder.longPollMs = 500;
      const page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><ul><li class="m"><h3>Zelda Quux</h3><span class="role">CEO</span></li><li class="m"><h3>Yorick Quux</h3><span class="role">CTO</span></li><li class="m"><h3>Xena Quux</h3><span class="role">CFO</span></li></ul></body></html>'));
      await new Promise<void>((r) => page.listen(0, '127.0.0.1', () => r()));
      try {
        const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}/team-secret-marker`;
        const peer = await p.users.create(admin, { email: 'peer@example.com', spaceIds: [s1] });
        const others = { peer: (await p.users.issueKey(admin, peer.id, {})).key, outsider: keys.outsider! };
        const owner = (path: string, init: { method?: string; json?: unknown } = {}) => s.api(path, { ...init, key: keys.insider });
        const started = await (await owner('/api/v1/agent-builder/start', { method: 'POST', json: { mode: 'prompt', prompt: `Get the name and role of every member on ${url}` } })).json();
        const id = started.sessionId as string;
        // The status turns ready just before the ready event is logged: wait for the event, so nothing moves after.
        await sleepUntil(async () => {
          const ev = await (await owner(`/api/v1/agent-builder/${id}/events?lastEventIndex=-1`)).json();
          return ev.events.some((e: { type: string }) => e.type === 'ready_for_interaction' || e.type === 'error');
        }, 20_000, 'session built');
        const before = await (await owner(`/api/v1/agent-builder/${id}/status`)).json();
        assert.equal(before.status, 'ready', JSON.stringify(before));
        const agentCount = async () => Number((await p.agentsRepo.countBySpace([s1, s2])).reduce((n, r) => n + Number(r.n), 0));
        const agentsBefore = await agentCount();

        // Same-shaped unknown id: a foreign session must be indistinguishable from one that does not exist.
        const unknown = id.replace(/[0-9a-f]/g, '0');
        const calls: Array<[string, string, unknown?]> = [
          ['GET', 'status'], ['GET', 'events?lastEventIndex=-1'], ['GET', 'conversation'],
          ['POST', 'followup', { message: 'add the salary' }], ['POST', 'finish', { agentName: 'stolen' }],
          ['POST', 'stop'], ['POST', 'stop?cleanup=true'], ['POST', 'cancel'],
        ];
        for (const [who, key] of Object.entries(others)) {
          for (const [method, tail, json] of calls) {
            const call = (sid: string) => s.api(`/api/v1/agent-builder/${sid}/${tail}`, { method, key, ...(json !== undefined ? { json } : {}) });
            const res = await call(id);
            const body = await res.text();
            assert.equal(res.status, 404, `${who} ${method} ${tail}: ${body}`);
            assert.doesNotMatch(body, /secret-marker|Quux|ready|stolen/, `${who} ${method} ${tail} leaks session data`);
            const miss = await call(unknown);
            assert.equal(body.replaceAll(id, unknown), await miss.text(), `${who} ${method} ${tail}: differs from an unknown session`);
          }
        }

        const after = await (await owner(`/api/v1/agent-builder/${id}/status`)).json();
        assert.deepEqual(after, before, 'foreign calls changed nothing');
        const conv = await (await owner(`/api/v1/agent-builder/${id}/conversation`)).json();
        assert.doesNotMatch(conv.messageHistory, /salary/, 'the foreign follow-up was not recorded');
        assert.match(conv.messageHistory, /secret-marker/);
        const events = await (await owner(`/api/v1/agent-builder/${id}/events?lastEventIndex=-1`)).json();
        assert.equal(events.lastEventIndex, before.lastEventIndex);
        assert.equal(await agentCount(), agentsBefore, 'no agent was saved by a foreign finish');
        const done = await (await owner(`/api/v1/agent-builder/${id}/finish`, { method: 'POST', json: { agentName: 'Owned' } })).json();
        assert.equal(done.success, true, JSON.stringify(done));
        assert.equal((await p.agentsRepo.getUnscoped(done.agentId))?.space_id, s1);
      } finally {
        await new Promise((r) => page.close(r));
      }
    });
  });
}
