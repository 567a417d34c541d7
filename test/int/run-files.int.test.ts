/**
 * Run files list (api-spec §3, run files): `fileSize` is the byte length a download of that file returns,
 * for every export format and the log, whether the list is read before or after the first download, and for
 * the children's files a Separated parallel run lists on its parent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, requireDialect } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { createAgent, json, startAsync, waitTerminal } from '../helpers/run-helpers.ts';
import { catalogDefinition, catalogListDefinition, startCatalogSite, type CatalogSite } from '../helpers/sites/catalog-site.ts';

interface FileModel {
  id: number;
  name: string;
  fileType: string;
  fileSize: number;
}

for (const dialect of dialects()) {
  describe(`run files [${dialect}]`, () => {
    let s: TestServer;
    let site: CatalogSite;
    let skip = false;
    before(async (t) => {
      if (!(await requireDialect(dialect, t as never))) return void (skip = true);
      // Non-ASCII names: a character count would differ from the byte count.
      site = await startCatalogSite({ items: 7, perPage: 3, nameOf: (id) => `Élément ${id} ✓` });
      s = await startTestServer(dialect, `run-files-${dialect}`);
    });
    after(async () => {
      await s?.close();
      await site?.close();
    });

    const list = (agentId: number, runId: number) => json<FileModel[]>(s.api(`/api/v1/agent/${agentId}/run/${runId}/files`), 200);
    const download = async (agentId: number, runId: number, f: FileModel): Promise<number> => {
      const r = await s.api(`/api/v1/agent/${agentId}/run/${runId}/file/${f.id}/download`);
      assert.equal(r.status, 200, f.name);
      return (await r.arrayBuffer()).byteLength;
    };

    test('fileSize equals the downloaded byte length for JSON, CSV, NDJSON, XLSX and the log, before and after download', async (t) => {
      if (skip) return t.skip();
      const a = await createAgent(s, 'Sized Catalogue', catalogDefinition(site.origin));
      const run = await startAsync(s, a.id, {});
      assert.equal((await waitTerminal(s, a.id, run.id)).status, 9);

      const first = await list(a.id, run.id);
      assert.deepEqual(first.map((f) => f.fileType).sort(), ['CSV', 'JSON', 'LOG', 'NDJSON', 'XLSX']);
      for (const f of first) {
        assert.ok(Number.isInteger(f.fileSize) && f.fileSize > 0, `${f.name}: fileSize ${f.fileSize} before any download`);
        assert.equal(f.fileSize, await download(a.id, run.id, f), `${f.name}: listed size vs downloaded bytes`);
      }
      const again = await list(a.id, run.id);
      assert.deepEqual(again.map((f) => [f.id, f.fileSize]), first.map((f) => [f.id, f.fileSize]), 'the size is stable once downloaded');
    });

    test('a Separated parallel run lists each child file with its true size', async (t) => {
      if (skip) return t.skip();
      const def = { ...catalogListDefinition(site.origin), startUrls: [1, 2, 3].map((p) => `${site.origin}/list?page=${p}`) };
      delete (def as { pagination?: unknown }).pagination;
      const a = await createAgent(s, 'Sized Parallel', def);
      const run = await startAsync(s, a.id, { parallelism: 2, parallelExport: 'Separated' });
      assert.equal((await waitTerminal(s, a.id, run.id, 30_000)).status, 9);
      const files = await list(a.id, run.id);
      assert.equal(files.length, 10, 'five files from each of two children');
      for (const f of files) assert.equal(f.fileSize, await download(a.id, run.id, f), `${f.name}: listed size vs downloaded bytes`);
    });
  });
}
