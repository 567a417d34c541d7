/**
 * What a run does on the wire (reliability.md §10.4): pagination (next-link, url-pattern, maxPages), detail
 * pages, maxRecords, de-duplication, retries with back-off, no retry on 404, robots.txt, the SSRF policy and
 * the sync-run timeout.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, requireDialect } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { createAgent, json, logText, records, startAsync, waitTerminal } from '../helpers/run-helpers.ts';
import { catalogDefinition, catalogListDefinition, startCatalogSite, type CatalogSite } from '../helpers/sites/catalog-site.ts';

for (const dialect of dialects()) {
  describe(`crawl behaviour [${dialect}]`, () => {
    let s: TestServer;
    let skip = false;
    const sites: CatalogSite[] = [];
    const site = async (o: Parameters<typeof startCatalogSite>[0]) => {
      const x = await startCatalogSite(o);
      sites.push(x);
      return x;
    };
    before(async (t) => {
      if (!(await requireDialect(dialect, t as never))) return void (skip = true);
      s = await startTestServer(dialect, `crawl-${dialect}`);
    });
    after(async () => {
      await s?.close();
      for (const x of sites) await x.close();
    });
    const run = async (name: string, definition: unknown) => {
      const a = await createAgent(s, name, definition);
      const r = await startAsync(s, a.id);
      const st = await waitTerminal(s, a.id, r.id);
      return { a, st, recs: await records(s, a.id, r.id), log: await logText(s, a.id, r.id) };
    };

    test('next-link pagination follows every page; maxPages caps it', async (t) => {
      if (skip) return t.skip();
      const x = await site({ items: 10, perPage: 3 });
      const all = await run('NL all', catalogListDefinition(x.origin));
      assert.equal(all.st.status, 9);
      assert.deepEqual(all.recs.map((r) => r.name).sort(), x.items.map((i) => i.name).sort());
      assert.equal(all.st.pageCount, 4);
      const capped = await run('NL capped', catalogListDefinition(x.origin, { pagination: { kind: 'next-link', selector: 'a.next', maxPages: 2 } }));
      assert.equal(capped.recs.length, 6);
      assert.equal(capped.st.pageCount, 2);
      const limit = await run('NL limit', catalogListDefinition(x.origin, { limits: { maxPages: 3 } }));
      assert.equal(limit.recs.length, 9);
      assert.match(limit.st.message, /maxPages \(3\)/);
    });

    test('url-pattern pagination: stops at the first empty page, or at maxPages', async (t) => {
      if (skip) return t.skip();
      const x = await site({ items: 7, perPage: 2 });
      const pattern = (maxPages?: number) => catalogListDefinition(x.origin, { startUrls: [`${x.origin}/p/1`], pagination: { kind: 'url-pattern', template: `${x.origin}/p/{page}`, ...(maxPages ? { maxPages } : {}) } });
      const all = await run('UP all', pattern());
      assert.equal(all.recs.length, 7);
      assert.equal(x.hits.get('/p/5'), 1, 'the empty page ends it');
      assert.equal(x.hits.get('/p/6'), undefined);
      const two = await run('UP two', pattern(2));
      assert.deepEqual(two.recs.map((r) => r.name), ['Item 1', 'Item 2', 'Item 3', 'Item 4']);
    });

    test('detail pages: every record merged with its detail fields; maxRecords stops early', async (t) => {
      if (skip) return t.skip();
      const x = await site({ items: 9, perPage: 3 });
      const full = await run('Detail', catalogDefinition(x.origin));
      assert.equal(full.recs.length, 9);
      for (const it of x.items) assert.deepEqual(full.recs.find((r) => r.name === it.name), { name: it.name, price: it.price, sku: it.sku, description: it.description });
      for (const it of x.items) assert.equal(x.hits.get(`/item/${it.id}`), 1, 'each detail page fetched once');
      const few = await run('Detail max', catalogListDefinition(x.origin, { limits: { maxRecords: 4 } }));
      assert.equal(few.recs.length, 4);
      assert.equal(few.st.dataCount, 4);
      assert.match(few.st.message, /maxRecords \(4\)/);
    });

    test('identical records across pages are stored once; dedupeBy keys on chosen fields', async (t) => {
      if (skip) return t.skip();
      const x = await site({ items: 8, perPage: 3, repeatLastOnNextPage: true });
      const r = await run('Dedupe', catalogListDefinition(x.origin));
      assert.equal(r.recs.length, 8);
      assert.equal(new Set(r.recs.map((x) => x.name)).size, 8);
      assert.equal(r.st.dataCount, 8);
      const byPrice = await run('Dedupe by', catalogListDefinition(x.origin, { fields: [{ name: 'name', selector: 'a.title' }, { name: 'bucket', source: 'constant', value: 'same' }], dedupeBy: ['bucket'] }));
      assert.equal(byPrice.recs.length, 1);
    });

    test('503 twice then 200: retried with back-off, retry count in the log; 404 is not retried', async (t) => {
      if (skip) return t.skip();
      let page2 = 0;
      const x = await site({
        items: 4,
        perPage: 2,
        hook: (req, res) => {
          if (req.url === '/list?page=2' && ++page2 <= 2) return void res.writeHead(503, { 'retry-after': '0' }).end('busy'), true;
          if (req.url === '/item/3') return void res.writeHead(404).end('gone'), true;
          return false;
        },
      });
      const r = await run('Retry', catalogDefinition(x.origin, { limits: { maxRetries: 3, concurrency: 2 } }));
      assert.equal(x.hits.get('/list'), 4, 'page 1 once, page 2 three times');
      assert.match(r.log, /HTTP 503.*\(retry 1 of 3\)/);
      assert.match(r.log, /HTTP 503.*\(retry 2 of 3\)/);
      assert.equal(x.hits.get('/item/3'), 1, '404 not retried');
      assert.match(r.log, /HTTP 404/);
      assert.equal(r.st.errorCount, 1);
      assert.equal(r.st.requestCount, 2 + 2 + 4, '2 good list fetches + 2 failed attempts + 4 detail pages');
      assert.equal(r.recs.length, 3);
      assert.equal(r.st.status, 9);
    });

    test('always 503: failed after maxRetries, the run goes on', async (t) => {
      if (skip) return t.skip();
      const x = await site({ items: 4, perPage: 2, hook: (req, res) => (req.url === '/item/2' ? (res.writeHead(503).end(), true) : false) });
      const r = await run('Always503', catalogDefinition(x.origin, { limits: { maxRetries: 2 } }));
      assert.equal(x.hits.get('/item/2'), 3);
      assert.equal(r.recs.length, 3);
      assert.equal(r.st.errorCount, 1);
    });

    test('robots.txt disallow is honoured; respectRobotsTxt false opts out', async (t) => {
      if (skip) return t.skip();
      const x = await site({ items: 4, perPage: 2, robots: 'User-agent: *\nDisallow: /item/\n' });
      const r = await run('Robots', catalogDefinition(x.origin));
      assert.equal([...x.hits.keys()].filter((p) => p.startsWith('/item/')).length, 0, 'no detail page fetched');
      assert.match(r.log, /robots\.txt disallows/);
      assert.equal(r.st.errorCount, 4);
      const off = await run('Robots off', catalogDefinition(x.origin, { respectRobotsTxt: false }));
      assert.equal(off.recs.length, 4);
      assert.ok(off.recs.every((x) => x.sku));
      const blockedStart = await site({ items: 2, perPage: 2, robots: 'User-agent: *\nDisallow: /\n' });
      const b = await run('Robots all', catalogListDefinition(blockedStart.origin));
      assert.equal(b.st.status, 6);
      assert.match(b.st.message, /robots\.txt/);
      assert.equal(blockedStart.pageHits(), 0);
    });

    test('a sync run that outlives its timeout → 504 ProblemDetails with the run id; the run goes on', async (t) => {
      if (skip) return t.skip();
      const x = await site({ items: 3, perPage: 1, delayMs: 700 });
      const a = await createAgent(s, 'Slow sync', catalogListDefinition(x.origin, { limits: { concurrency: 1 } }));
      const r = await s.api(`/api/v1/agent/${a.id}/start`, { method: 'POST', json: { isRunSynchronously: true, timeout: 1 } });
      assert.equal(r.status, 504);
      const p = await r.json();
      assert.equal(typeof p.runId, 'number');
      assert.equal(Number(r.headers.get('x-run-id')), p.runId);
      assert.match(p.message, /Timeout waiting for agent to complete/);
      const st = await waitTerminal(s, a.id, p.runId);
      assert.equal(st.status, 9);
      assert.equal(st.dataCount, 3);
    });
  });

  describe(`SSRF policy [${dialect}]`, () => {
    test('a loopback start URL, not allowed: Failure "Blocked by network policy", zero hits on the target', async (t) => {
      if (!(await requireDialect(dialect, t))) return;
      const target = await startCatalogSite({ items: 2, perPage: 2 });
      const s = await startTestServer(dialect, `ssrf-${dialect}`, { allowHosts: [] });
      try {
        const a = await createAgent(s, 'SSRF', catalogListDefinition(target.origin));
        const r = await startAsync(s, a.id);
        const st = await waitTerminal(s, a.id, r.id);
        assert.equal(st.status, 6);
        assert.match(st.message, /Blocked by network policy/i);
        assert.equal(target.connections, 0, 'no TCP connection reached the target');
        assert.equal(target.requests.length, 0);
        const sync = await s.api(`/api/v1/agent/${a.id}/start`, { method: 'POST', json: { isRunSynchronously: true } });
        assert.equal(sync.status, 200);
        assert.deepEqual(await sync.json(), { SSRF: [] });
        assert.equal(target.connections, 0);
      } finally {
        await s.close();
        await target.close();
      }
    });
  });
}
void json;
