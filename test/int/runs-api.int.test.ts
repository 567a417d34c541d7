/**
 * Runs through the API (api-spec.md §1.2, §3) against a local catalogue site with list and detail pages:
 * sync and async starts, lifecycle, counters, files and downloads, input parameters, exclusivity, stop,
 * kill, restart in place, delete with each removeMethod, and success criteria.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { dialects, requireDialect } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { sleepUntil } from '../helpers/sleep-until.ts';
import { createAgent, json, logText, records, runStatus, startAsync, waitTerminal } from '../helpers/run-helpers.ts';
import { catalogDefinition, catalogListDefinition, startCatalogSite, type CatalogSite } from '../helpers/sites/catalog-site.ts';

const INJECTION = '=HYPERLINK("http://evil.example","x")';

for (const dialect of dialects()) {
  describe(`runs API [${dialect}]`, () => {
    let s: TestServer;
    let site: CatalogSite;
    let skip = false;
    before(async (t) => {
      if (!(await requireDialect(dialect, t as never))) return void (skip = true);
      site = await startCatalogSite({ items: 10, perPage: 4, nameOf: (id) => (id === 3 ? INJECTION : `Item ${id}`) });
      s = await startTestServer(dialect, `runs-${dialect}`);
    });
    after(async () => {
      await s?.close();
      await site?.close();
    });

    const expected = () => site.items.map((it) => ({ name: it.name, price: it.price, sku: it.sku, description: it.description }));
    const byName = (a: any, b: any) => String(a.name).localeCompare(String(b.name));

    test('sync run returns exactly { "<AgentName>": [records] } with every record and X-Run-Id', async (t) => {
      if (skip) return t.skip();
      const a = await createAgent(s, 'Sync Catalogue', catalogDefinition(site.origin));
      const r = await s.api(`/api/v1/agent/${a.id}/start`, { method: 'POST', json: { isRunSynchronously: true, timeout: 60 } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
      const runId = Number(r.headers.get('x-run-id'));
      assert.ok(runId > 0);
      const body = await r.json();
      assert.deepEqual(Object.keys(body), ['Sync Catalogue']);
      assert.deepEqual([...body['Sync Catalogue']].sort(byName), expected().sort(byName));
      const st = await runStatus(s, a.id, runId);
      assert.equal(st.status, 9);
    });

    test('async run: 202 {id, runId, status 4}; lifecycle 4 → 3 → 1 → 9; counters consistent; files and downloads', async (t) => {
      if (skip) return t.skip();
      const a = await createAgent(s, 'Async Catalogue', catalogDefinition(site.origin));
      const seen: number[] = [];
      const off = s.platform.bus.on('run-changed', (p) => void s.platform.runsRepo.get(p.runId).then((r) => r && seen.at(-1) !== r.status && seen.push(r.status)));
      const claimed = new Promise<void>((resolve) => {
        // the claim turns 4 into 3 inside the repo; record it from the DB when the run is first seen running
        const off2 = s.platform.bus.on('run-changed', () => (off2(), resolve()));
      });
      const run = await startAsync(s, a.id, {});
      assert.equal(run.status, 4);
      assert.equal(run.id, run.runId);
      assert.equal(run.configId, a.id);
      const final = await waitTerminal(s, a.id, run.id);
      await claimed;
      off();
      assert.equal(final.status, 9);
      assert.ok(seen.includes(1) && seen.at(-1) === 9, `statuses seen: ${seen}`);
      const db = s.platform.runsRepo;
      const row = (await db.get(run.id))!;
      assert.equal(row.attempt, 1);
      assert.ok(row.start_time && row.end_time && row.end_time >= row.start_time);
      // counters: 3 list pages + 10 detail pages
      assert.equal(final.pageCount, 13);
      assert.equal(final.requestCount, 13);
      assert.equal(final.dataCount, 10);
      assert.equal(final.errorCount, 0);
      assert.ok(final.traffic > 0);
      assert.ok(final.runTimeSec >= 0 && Number.isInteger(final.runTimeSec));
      assert.equal(final.configName, 'Async Catalogue');
      assert.ok(final.endTime && final.startTime);
      const list = await json<any[]>(s.api(`/api/v1/agent/${a.id}/runs`), 200);
      assert.equal(list[0].id, run.id);
      assert.equal(list[0].recordsExtracted, 10);

      const files = await json<any[]>(s.api(`/api/v1/agent/${a.id}/run/${run.id}/files`), 200);
      assert.deepEqual(files.map((f) => f.fileType).sort(), ['CSV', 'JSON', 'LOG', 'NDJSON', 'XLSX']);
      const get = async (type: string) => {
        const f = files.find((x) => x.fileType === type)!;
        const r = await s.api(`/api/v1/agent/${a.id}/run/${run.id}/file/${f.id}/download`);
        assert.equal(r.status, 200, type);
        assert.match(r.headers.get('content-disposition') ?? '', new RegExp(`attachment; filename="${f.name.replace('.', '\\.')}"`));
        return r;
      };
      const asJson = await (await get('JSON')).json();
      assert.deepEqual([...asJson].sort(byName), expected().sort(byName));
      const nd = (await (await get('NDJSON')).text()).trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(nd.sort(byName), expected().sort(byName));
      const csv = await (await get('CSV')).text();
      const lines = csv.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
      assert.equal(lines[0], 'name,price,sku,description');
      assert.equal(lines.length, 11);
      assert.ok(lines.some((l) => l.startsWith(`"'=HYPERLINK(`)), 'formula cell neutralised with a leading apostrophe');
      assert.ok(!lines.some((l) => /^"?=/.test(l)));
      const xbuf = Buffer.from(await (await get('XLSX')).arrayBuffer());
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xbuf as never);
      const ws = wb.worksheets[0]!;
      assert.deepEqual((ws.getRow(1).values as unknown[]).slice(1), ['name', 'price', 'sku', 'description']);
      assert.equal(ws.rowCount, 11);
      const xnames = [] as string[];
      ws.eachRow((row, i) => i > 1 && xnames.push(String(row.getCell(1).value)));
      assert.ok(xnames.includes('Item 1'));
      assert.ok(!xnames.some((n) => n.startsWith('=')), 'no formula cell in the XLSX');
      ws.eachRow((row) => row.eachCell((c) => assert.notEqual(c.type, ExcelJS.ValueType.Formula)));
      const log = await (await get('LOG')).text();
      assert.match(log, /Run started/);
      assert.match(log, /13 pages, 10 records/);
      assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${run.id}/file/99999/download`)).status, 404);
    });

    test('inputParameters (a JSON string) fill {{param}} in start URLs; unknown parameter → 400', async (t) => {
      if (skip) return t.skip();
      const defn = catalogListDefinition(site.origin, { startUrls: [`${site.origin}/list?page={{page}}`], inputParameters: { page: '1' }, pagination: undefined });
      const a = await createAgent(s, 'Param Agent', defn);
      assert.deepEqual(a.inputParameters, { page: '1' });
      const r = await s.api(`/api/v1/agent/${a.id}/start`, { method: 'POST', json: { IsRunSynchronously: true, InputParameters: JSON.stringify({ page: '3' }) } });
      assert.equal(r.status, 200);
      const recs = (await r.json())['Param Agent'];
      assert.deepEqual(recs.map((x: any) => x.name), ['Item 9', 'Item 10']);
      const d = await (await s.api(`/api/v1/agent/${a.id}/start`, { method: 'POST', json: { isRunSynchronously: true } })).json();
      assert.equal(d['Param Agent'].length, 4, 'the declared default (page 1)');
      for (const bad of [JSON.stringify({ nope: 'x' }), '{not json', '[1,2]']) {
        const b = await s.api(`/api/v1/agent/${a.id}/start`, { method: 'POST', json: { inputParameters: bad } });
        assert.equal(b.status, 400, bad);
        assert.match((await b.json()).message, /inputParameters/);
      }
    });

    test('isExclusive: a second start → 409 while active; isExclusive false → allowed', async (t) => {
      if (skip) return t.skip();
      const slow = await startCatalogSite({ items: 4, perPage: 1, delayMs: 150 });
      try {
        const a = await createAgent(s, 'Exclusive', catalogListDefinition(slow.origin, { limits: { concurrency: 1 } }));
        const r1 = await startAsync(s, a.id, {});
        const r2 = await s.api(`/api/v1/agent/${a.id}/start`, { method: 'POST', json: { isExclusive: true } });
        assert.equal(r2.status, 409);
        assert.deepEqual((await r2.json()).activeRunIds, [r1.id]);
        const r3 = await startAsync(s, a.id, { isExclusive: false });
        assert.notEqual(r3.id, r1.id);
        const [f1, f3] = await Promise.all([waitTerminal(s, a.id, r1.id), waitTerminal(s, a.id, r3.id)]);
        assert.equal(f1.status, 9);
        assert.equal(f3.status, 9);
        assert.equal(f3.dataCount, 4);
      } finally {
        await slow.close();
      }
    });

    test('stop on a slow site → 5 then 8, records so far kept; kill → 8', async (t) => {
      if (skip) return t.skip();
      const slow = await startCatalogSite({ items: 40, perPage: 1, delayMs: 120 });
      try {
        const a = await createAgent(s, 'Stoppable', catalogListDefinition(slow.origin, { limits: { concurrency: 1 } }));
        const run = await startAsync(s, a.id, {});
        await sleepUntil(async () => (await runStatus(s, a.id, run.id)).dataCount >= 2, 15_000, 'two records');
        const seenStatuses: number[] = [];
        const off = s.platform.bus.on('run-changed', (p) => p.runId === run.id && void s.platform.runsRepo.get(run.id).then((r) => r && seenStatuses.push(r.status)));
        assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${run.id}/stop`, { method: 'POST' })).status, 204);
        const mid = await runStatus(s, a.id, run.id);
        assert.ok([5, 8].includes(mid.status), `right after stop: ${mid.status}`);
        const final = await waitTerminal(s, a.id, run.id);
        off();
        assert.equal(final.status, 8);
        assert.match(final.message, /Stopped by request/);
        assert.ok(mid.status === 5 || seenStatuses.includes(5) || final.status === 8);
        const recs = await records(s, a.id, run.id);
        assert.ok(recs.length >= 2 && recs.length < 40, `kept ${recs.length} records`);
        assert.equal(final.dataCount, recs.length);
        assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${run.id}/stop`, { method: 'POST' })).status, 409, 'already stopped');
        // files exist for a stopped run too
        assert.equal((await json<any[]>(s.api(`/api/v1/agent/${a.id}/run/${run.id}/files`), 200)).length, 5);

        const run2 = await startAsync(s, a.id, {});
        await sleepUntil(async () => (await runStatus(s, a.id, run2.id)).dataCount >= 1, 15_000, 'one record');
        assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${run2.id}/kill`, { method: 'POST' })).status, 204);
        const k = await waitTerminal(s, a.id, run2.id);
        assert.equal(k.status, 8);
        assert.ok(k.dataCount >= 1 && k.dataCount < 40);
        // a queued run (no worker free for it) stops at once
      } finally {
        await slow.close();
      }
    });

    test('restart of a Failure run in place: same id, resumes, only the missing page is fetched again', async (t) => {
      if (skip) return t.skip();
      let broken = true;
      const flaky = await startCatalogSite({
        items: 6,
        perPage: 2,
        hook: (req, res) => {
          if (broken && req.url === '/list?page=2') {
            res.writeHead(500).end('boom');
            return true;
          }
          return false;
        },
      });
      try {
        const a = await createAgent(s, 'Flaky', catalogListDefinition(flaky.origin, { limits: { maxRetries: 1, concurrency: 1 }, successCriteria: { maxErrors: 0 } }));
        const run = await startAsync(s, a.id, {});
        const f = await waitTerminal(s, a.id, run.id);
        assert.equal(f.status, 6, f.message);
        assert.equal(f.errorCount, 1);
        assert.equal(f.dataCount, 2);
        assert.match(await logText(s, a.id, run.id), /HTTP 500.*retry 1 of 1/);
        assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${run.id}/restart`, { method: 'POST', json: {} })).status, 202);
        // Restart while not in Failure → 409
        broken = false;
        const hitsBefore = flaky.hits.get('/list') ?? 0;
        const r = await waitTerminal(s, a.id, run.id);
        assert.equal(r.id, run.id);
        assert.equal(r.status, 10, r.message);
        assert.equal(r.dataCount, 6);
        const recs = await records(s, a.id, run.id);
        assert.deepEqual(recs.map((x) => x.name).sort(), flaky.items.map((i) => i.name).sort());
        // page 1 was not fetched again; page 2 (failed) and page 3 (new) were
        assert.equal((flaky.hits.get('/list') ?? 0) - hitsBefore, 2);
        assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${run.id}/restart`, { method: 'POST' })).status, 409);
        const files = await json<any[]>(s.api(`/api/v1/agent/${a.id}/run/${run.id}/files`), 200);
        const csv = await (await s.api(`/api/v1/agent/${a.id}/run/${run.id}/file/${files.find((x) => x.fileType === 'CSV').id}/download`)).text();
        assert.equal(csv.trim().split(/\r?\n/).length, 7, 'the CSV after the restart has every record');
      } finally {
        await flaky.close();
      }
    });

    test('delete with each removeMethod; an active run cannot be deleted (400); unknown run 404', async (t) => {
      if (skip) return t.skip();
      const a = await createAgent(s, 'Deleter', catalogListDefinition(site.origin, { inputParameters: { x: '1' } }));
      const runs = [];
      for (let i = 0; i < 3; i++) {
        const r = await s.api(`/api/v1/agent/${a.id}/start`, { method: 'POST', json: { isRunSynchronously: true, inputParameters: '{"x":"2"}' } });
        assert.equal(r.status, 200);
        runs.push(Number(r.headers.get('x-run-id')));
      }
      // RemoveAllFiles: the run stays, its records/files go
      assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${runs[0]}?removeMethod=RemoveAllFiles`, { method: 'DELETE' })).status, 204);
      assert.equal((await runStatus(s, a.id, runs[0]!)).status, 9);
      assert.equal((await records(s, a.id, runs[0]!)).length, 0);
      assert.equal((await json<any[]>(s.api(`/api/v1/agent/${a.id}/run/${runs[0]}/files`), 200)).length, 0);
      // RemoveAllFilesAndAgentInput: also the inputs
      assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${runs[1]}?removeMethod=2`, { method: 'DELETE' })).status, 204);
      assert.equal((await s.platform.runsRepo.get(runs[1]!))!.input_parameters, null);
      assert.equal((await s.platform.runsRepo.get(runs[2]!))!.input_parameters, '{"x":"2"}');
      // RemoveEntireRun (default)
      assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${runs[2]}`, { method: 'DELETE' })).status, 204);
      const gone = await s.api(`/api/v1/agent/${a.id}/run/${runs[2]}/status`);
      assert.equal(gone.status, 404);
      assert.equal((await gone.json()).message, 'Run not found');
      assert.equal((await s.api(`/api/v1/agent/${a.id}/run/${runs[2]}`, { method: 'DELETE' })).status, 404);
      // active run
      const slow = await startCatalogSite({ items: 3, perPage: 1, delayMs: 200 });
      try {
        const b = await createAgent(s, 'Busy', catalogListDefinition(slow.origin, { limits: { concurrency: 1 } }));
        const run = await startAsync(s, b.id, {});
        const d = await s.api(`/api/v1/agent/${b.id}/run/${run.id}`, { method: 'DELETE' });
        assert.equal(d.status, 400);
        const p = await d.json();
        assert.equal(p.message, 'Run is currently active and cannot be deleted');
        assert.equal((await s.api(`/api/v1/agent/${b.id}`, { method: 'DELETE' })).status, 409, 'agent with an active run');
        await waitTerminal(s, b.id, run.id);
        assert.equal((await s.api(`/api/v1/agent/${b.id}/run/${run.id}`, { method: 'DELETE' })).status, 204);
      } finally {
        await slow.close();
      }
    });

    test('success criteria: 10 Success when met, 6 Failure when not, 9 Completed without criteria', async (t) => {
      if (skip) return t.skip();
      const base = catalogListDefinition(site.origin);
      const ok = await createAgent(s, 'Crit OK', { ...base, successCriteria: { minRecords: 10, maxErrors: 0, requiredFields: ['name', 'price'] } });
      const bad = await createAgent(s, 'Crit Bad', { ...base, successCriteria: { minRecords: 11 } });
      const none = await createAgent(s, 'Crit None', base);
      const missing = await createAgent(s, 'Crit Missing', { ...base, fields: [...(base.fields as object[]), { name: 'ghost', selector: '.ghost' }], successCriteria: { requiredFields: ['ghost'] } });
      const results = [];
      for (const a of [ok, bad, none, missing]) results.push(await waitTerminal(s, a.id, (await startAsync(s, a.id)).id));
      assert.deepEqual(results.map((r) => r.status), [10, 6, 9, 6]);
      assert.match(results[1].message, /at least 11/);
      assert.match(results[3].message, /required field "ghost"/);
      assert.equal(results[1].dataCount, 10, 'records are kept on a criteria failure');
      const agent = await json(s.api(`/api/v1/agent/${bad.id}`), 200);
      assert.equal(agent.status, 6, 'agent status = last run status');
    });
  });
}
