/**
 * The agents API (api-spec.md §1.2) over a real server on SQLite and PostgreSQL: create with validation that
 * names the bad path, get, list (plain array vs envelope, sorting, filters), search, versions, restore,
 * archive, delete, PascalCase bodies, enums by name or number, and no 5xx for any client mistake.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dialects, requireDialect } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { createAgent, json, startAsync, waitTerminal } from '../helpers/run-helpers.ts';
import { catalogListDefinition, startCatalogSite, type CatalogSite } from '../helpers/sites/catalog-site.ts';

const def = (origin = 'http://127.0.0.1:9', extra: Record<string, unknown> = {}) => catalogListDefinition(origin, extra);

for (const dialect of dialects()) {
  describe(`agents API [${dialect}]`, () => {
    let s: TestServer;
    let site: CatalogSite;
    let skip = false;
    before(async (t) => {
      if (!(await requireDialect(dialect, t as never))) return void (skip = true);
      site = await startCatalogSite({ items: 4, perPage: 4 });
      s = await startTestServer(dialect, `agents-${dialect}`);
    });
    after(async () => {
      await s?.close();
      await site?.close();
    });

    test('create → 201 with the AgentApiModel; get returns it with its definition', async (t) => {
      if (skip) return t.skip();
      const a = await createAgent(s, 'Create Me', def(site.origin), { description: 'first agent' });
      assert.equal(typeof a.id, 'number');
      assert.equal(a.name, 'Create Me');
      assert.equal(a.version, 1);
      assert.equal(a.status, null, 'never ran');
      assert.equal(a.configType, 'Agent');
      assert.equal(a.startUrl, `${site.origin}/list`);
      for (const k of ['created', 'updated']) assert.ok(!Number.isNaN(Date.parse(a[k])), `${k} is an ISO date`);
      const g = await json(s.api(`/api/v1/agent/${a.id}`), 200);
      assert.equal(g.id, a.id);
      assert.equal(g.description, 'first agent');
      assert.deepEqual(g.definition.startUrls, [`${site.origin}/list`]);
    });

    test('validation errors: 400 ProblemDetails whose message names the bad path', async (t) => {
      if (skip) return t.skip();
      const cases: Array<[unknown, RegExp]> = [
        [{ name: 'x', definition: { ...def(), fields: [{ name: 'a', source: 'attr', selector: 'a' }] } }, /definition\.fields\[0\]\.attribute/],
        [{ name: 'x', definition: { ...def(), startUrls: ['ftp://example.com/'] } }, /definition\.startUrls\[0\]/],
        [{ name: 'x', definition: { ...def(), fields: [] } }, /definition\.fields/],
        [{ name: 'x', definition: { ...def(), limits: { maxPages: 0 } } }, /definition\.limits\.maxPages/],
        [{ name: 'x', definition: { ...def(), list: { kind: 'css', selector: 'div[[' } } }, /definition\.list/],
        [{ name: '', definition: def() }, /name/],
        [{ name: 'x' }, /definition/],
        [{ name: 'x', definition: '{not json' }, /definition/],
        [{ name: 42, definition: def() }, /name/],
      ];
      for (const [body, re] of cases) {
        const r = await s.api('/api/v1/agent', { method: 'POST', json: body });
        const p = await r.json();
        assert.equal(r.status, 400, JSON.stringify(body).slice(0, 200));
        assert.match(r.headers.get('content-type') ?? '', /application\/problem\+json/);
        assert.equal(p.status, 400);
        assert.equal(typeof p.title, 'string');
        assert.equal(typeof p.detail, 'string');
        assert.equal(typeof p.message, 'string');
        assert.match(p.message, re, `message "${p.message}" should name ${re}`);
      }
    });

    test('definition given as a JSON string is accepted', async (t) => {
      if (skip) return t.skip();
      const a = await createAgent(s, 'String Def', JSON.stringify(def(site.origin)));
      assert.equal(a.version, 1);
    });

    test('malformed JSON → 400; unknown agent → 404; bad id → 400; never 500', async (t) => {
      if (skip) return t.skip();
      const r = await s.api('/api/v1/agent', { method: 'POST', body: '{"name": "x",', headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 400);
      assert.match((await r.json()).message, /JSON/i);
      const nf = await s.api('/api/v1/agent/999999');
      assert.equal(nf.status, 404);
      assert.equal(typeof (await nf.json()).message, 'string');
      assert.equal((await s.api('/api/v1/agent/999999/start', { method: 'POST', json: {} })).status, 404);
      assert.equal((await s.api('/api/v1/agent/999999/versions')).status, 404);
      assert.equal((await s.api('/api/v1/agent/abc')).status, 400);
      assert.equal((await s.api('/api/v1/agent/all', { key: null })).status, 401);
    });

    test('list: plain array vs { agents, totalRecordCount } envelope; sort; name/status/spaceId filters', async (t) => {
      if (skip) return t.skip();
      const names = ['Lst Charlie', 'Lst alpha', 'Lst Bravo'];
      const made = [];
      for (const n of names) made.push(await createAgent(s, n, def(site.origin)));
      const all = await json<any[]>(s.api('/api/v1/agent/all?name=lst'), 200);
      assert.ok(Array.isArray(all), 'plain array without pagination');
      assert.deepEqual(all.map((a) => a.name), ['Lst alpha', 'Lst Bravo', 'Lst Charlie'], 'name ascending, case-insensitive filter');
      assert.equal(all[0].definition, undefined, 'lists carry no definition');
      const desc = await json<any[]>(s.api('/api/v1/agent/all?name=LST&sortColumn=name&sortOrder=1'), 200);
      assert.deepEqual(desc.map((a) => a.name), ['Lst Charlie', 'Lst Bravo', 'Lst alpha']);
      const byCreated = await json<any[]>(s.api('/api/v1/agent/all?name=lst&sortColumn=created&sortOrder=0'), 200);
      assert.deepEqual(byCreated.map((a) => a.id), made.map((a) => a.id));
      const page1 = await json(s.api('/api/v1/agent/all?name=lst&pageIndex=1&recordsPerPage=2'), 200);
      assert.equal(page1.totalRecordCount, 3);
      assert.deepEqual(page1.agents.map((a: any) => a.name), ['Lst alpha', 'Lst Bravo']);
      const page2 = await json(s.api('/api/v1/agent/all?name=lst&pageIndex=2&recordsPerPage=2'), 200);
      assert.deepEqual(page2.agents.map((a: any) => a.name), ['Lst Charlie']);
      assert.ok(Array.isArray(await json(s.api('/api/v1/agent/all?name=lst&pageIndex=1'), 200)), 'only one of the two → plain array');
      // spaceId filter
      const spaceId = made[0].spaceId;
      assert.equal((await json<any[]>(s.api(`/api/v1/agent/all?name=lst&spaceId=${spaceId}`), 200)).length, 3);
      assert.equal((await json<any[]>(s.api(`/api/v1/agent/all?name=lst&spaceId=${spaceId + 999}`), 200)).length, 0);
      // status filter: run one agent; its last-run status becomes 9 (by integer or by name)
      const run = await startAsync(s, made[1].id, {});
      await waitTerminal(s, made[1].id, run.id);
      const done = await json<any[]>(s.api('/api/v1/agent/all?name=lst&status=9'), 200);
      assert.deepEqual(done.map((a) => a.id), [made[1].id]);
      assert.deepEqual((await json<any[]>(s.api('/api/v1/agent/all?name=lst&status=Completed'), 200)).map((a) => a.id), [made[1].id]);
      assert.equal((await s.api('/api/v1/agent/all?status=Bogus')).status, 400);
      assert.equal((await s.api('/api/v1/agent/all?sortColumn=nope')).status, 400);
      assert.equal((await s.api('/api/v1/agent/all?sortOrder=7')).status, 400);
      assert.equal((await s.api('/api/v1/agent/all?pageIndex=0&recordsPerPage=2')).status, 400);
    });

    test('search: case-insensitive partial match on name and description, maxRecords', async (t) => {
      if (skip) return t.skip();
      await createAgent(s, 'Srch Kettles', def(site.origin));
      await createAgent(s, 'Other', def(site.origin), { description: 'all about SRCH things' });
      const hits = await json<any[]>(s.api('/api/v1/agent/search?query=srch'), 200);
      assert.deepEqual(hits.map((a) => a.name).sort(), ['Other', 'Srch Kettles']);
      assert.equal((await json<any[]>(s.api('/api/v1/agent/search?query=srch&maxRecords=1'), 200)).length, 1);
      assert.equal((await json<any[]>(s.api('/api/v1/agent/search?query=zzzz-none'), 200)).length, 0);
    });

    test('update → new version; versions newest first; restore creates a new version', async (t) => {
      if (skip) return t.skip();
      const a = await createAgent(s, 'Versioned', def(site.origin));
      const v2def = def(site.origin, { limits: { maxPages: 7 } });
      const u = await json(s.api(`/api/v1/agent/${a.id}`, { method: 'PUT', json: { definition: v2def, comments: 'second' } }), 200);
      assert.equal(u.version, 2);
      assert.equal(u.definition.limits.maxPages, 7);
      const renamed = await json(s.api(`/api/v1/agent/${a.id}`, { method: 'PUT', json: { Name: 'Versioned Renamed' } }), 200);
      assert.equal(renamed.name, 'Versioned Renamed');
      const bad = await s.api(`/api/v1/agent/${a.id}`, { method: 'PUT', json: { definition: { ...v2def, fields: [{ name: 'a', source: 'json' }] } } });
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).message, /definition\.fields\[0\]\.jsonPath/);
      const vs = await json<any[]>(s.api(`/api/v1/agent/${a.id}/versions`), 200);
      assert.ok(vs.length >= 2);
      assert.deepEqual(vs.map((v) => v.version), [...vs.map((v) => v.version)].sort((x, y) => y - x), 'newest first');
      assert.equal(vs[0].version, u.version === 2 && vs[0].version >= 2 ? vs[0].version : -1);
      for (const v of vs) {
        assert.equal(typeof v.userName, 'string');
        assert.ok(v.fileSize > 0);
        assert.ok(!Number.isNaN(Date.parse(v.created)));
      }
      const latest = vs[0].version;
      const r = await s.api(`/api/v1/agent/${a.id}/version/1/restore`, { method: 'POST', json: { content: 'back to one' } });
      assert.equal(r.status, 204);
      const after = await json(s.api(`/api/v1/agent/${a.id}`), 200);
      assert.equal(after.version, latest + 1, 'restore creates a new version');
      assert.equal(after.definition.limits.maxPages, 1000, 'with version 1 content');
      const vs2 = await json<any[]>(s.api(`/api/v1/agent/${a.id}/versions`), 200);
      assert.equal(vs2[0].version, latest + 1);
      assert.equal(vs2[0].comments, 'back to one');
      assert.equal((await s.api(`/api/v1/agent/${a.id}/version/99/restore`, { method: 'POST', json: {} })).status, 404);
      const one = await json(s.api(`/api/v1/agent/${a.id}/version/2`), 200);
      assert.equal(one.definition.limits.maxPages, 7);
    });

    test('archive hides the agent and refuses starts (409); unarchive restores it', async (t) => {
      if (skip) return t.skip();
      const a = await createAgent(s, 'Arch Agent', def(site.origin));
      assert.equal((await s.api(`/api/v1/agent/${a.id}/archive`, { method: 'POST' })).status, 204);
      const g = await json(s.api(`/api/v1/agent/${a.id}`), 200);
      assert.equal(g.isArchived, true);
      assert.equal((await json<any[]>(s.api('/api/v1/agent/all?name=Arch Agent'), 200)).length, 0);
      assert.equal((await json<any[]>(s.api('/api/v1/agent/all?name=Arch Agent&includeArchived=true'), 200)).length, 1);
      const st = await s.api(`/api/v1/agent/${a.id}/start`, { method: 'POST', json: {} });
      assert.equal(st.status, 409);
      assert.match((await st.json()).message, /archived/i);
      assert.equal((await s.api(`/api/v1/agent/${a.id}/unarchive`, { method: 'POST' })).status, 204);
      assert.equal((await json<any[]>(s.api('/api/v1/agent/all?name=Arch Agent'), 200)).length, 1);
      const run = await startAsync(s, a.id);
      await waitTerminal(s, a.id, run.id);
    });

    test('delete → 204, then 404; its runs go too', async (t) => {
      if (skip) return t.skip();
      const a = await createAgent(s, 'Doomed', def(site.origin));
      const run = await startAsync(s, a.id);
      await waitTerminal(s, a.id, run.id);
      assert.equal((await s.api(`/api/v1/agent/${a.id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await s.api(`/api/v1/agent/${a.id}`)).status, 404);
      assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${run.id}/status`)).status, 404);
      assert.equal((await s.api(`/api/v1/agent/${a.id}`, { method: 'DELETE' })).status, 404);
      assert.equal(await s.platform.runsRepo.get(run.id), undefined);
    });

    test('PascalCase bodies and enums by name or number', async (t) => {
      if (skip) return t.skip();
      const a = await json(s.api('/api/v1/agent', { method: 'POST', json: { Name: 'Pascal', Definition: def(site.origin), ConfigType: 3 } }), 201);
      assert.equal(a.configType, 'Api', 'configType 3 → Api');
      const b = await json(s.api('/api/v1/agent', { method: 'POST', json: { NAME: 'Pascal2', definition: def(site.origin), configType: 'shared' } }), 201);
      assert.equal(b.configType, 'Shared');
      assert.equal((await s.api('/api/v1/agent', { method: 'POST', json: { name: 'P3', definition: def(site.origin), configType: 'Robot' } })).status, 400);
      const filtered = await json<any[]>(s.api('/api/v1/agent/all?configType=Api'), 200);
      assert.ok(filtered.some((x) => x.id === a.id) && filtered.every((x) => x.configType === 'Api'));
      assert.ok((await json<any[]>(s.api('/api/v1/agent/all?configType=3'), 200)).some((x) => x.id === a.id));
      // Start with PascalCase fields (the MCP client's casing), sync.
      const r = await s.api(`/api/v1/agent/${a.id}/start`, { method: 'POST', json: { IsRunSynchronously: true, Timeout: 30, IsExclusive: true, LogLevel: 'Info', ParallelExport: 'Separate' } });
      assert.equal(r.status, 200);
      const body = await r.json();
      assert.deepEqual(Object.keys(body), ['Pascal']);
      assert.equal(body.Pascal.length, 4);
      // removeMethod by number and by name
      const runId = Number(r.headers.get('x-run-id'));
      assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${runId}?removeMethod=1`, { method: 'DELETE' })).status, 204);
      assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${runId}?removeMethod=removeentirerun`, { method: 'DELETE' })).status, 204);
      assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${runId}?removeMethod=Everything`, { method: 'DELETE' })).status, 400, 'unknown removeMethod');
    });

    test('property: arbitrary JSON bodies never produce a 5xx', async (t) => {
      if (skip) return t.skip();
      const a = await createAgent(s, 'Fuzz Target', def(site.origin));
      await s.api(`/api/v1/agent/${a.id}/archive`, { method: 'POST' }); // starts are refused (409) before anything runs
      const body = fc.oneof(
        fc.json(),
        fc.record({ name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), definition: fc.oneof(fc.jsonValue(), fc.constant(def())) }, { requiredKeys: [] }),
        fc.record({ inputParameters: fc.oneof(fc.string(), fc.jsonValue()), isRunSynchronously: fc.jsonValue(), timeout: fc.jsonValue(), parallelism: fc.jsonValue(), logLevel: fc.jsonValue(), parallelExport: fc.jsonValue() }, { requiredKeys: [] }),
      );
      await fc.assert(
        fc.asyncProperty(body, fc.constantFrom('/api/v1/agent', `/api/v1/agent/${a.id}/start`), async (b, path) => {
          const payload = typeof b === 'string' ? b : JSON.stringify(b);
          const r = await s.api(path, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } });
          await r.arrayBuffer();
          if (r.status >= 500) throw new Error(`${path} answered ${r.status} to ${payload}`);
          return r.status < 500;
        }),
        { numRuns: 60 },
      );
    });
  });
}
