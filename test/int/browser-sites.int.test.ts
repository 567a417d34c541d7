/**
 * JavaScript-rendered sites end to end (issue 7): for each site the Agent Builder gets a plain prompt (no
 * mention of a browser), must pick the browser by itself and say so, and the finished agent's run must
 * return EVERY record: a list drawn from a JSON API, infinite scroll (100 records), a "Load more" button,
 * records that appear 500 ms after load, and a login form (password kept secret). Then the run-side
 * guarantees: a page's script cannot reach a private address, screenshots become run files, and a kill
 * ends a browser run within seconds. SQLite only (PostgreSQL adds nothing here but CI time).
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dialects, requireDialect } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { createAgent, json, logText, runStatus, startAsync, waitTerminal } from '../helpers/run-helpers.ts';
import { sleepUntil } from '../helpers/sleep-until.ts';
import { MORE_TOTAL, SCROLL_TOTAL, startCanary, startJsSites, type Canary, type JsSites } from '../helpers/sites/js-sites.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const T = { timeout: 60_000 };

type Ev = Record<string, any> & { type: string; eventIndex: number };

async function pollUntilReady(s: TestServer, id: string): Promise<Ev[]> {
  const all: Ev[] = [];
  let last = -1;
  for (let i = 0; i < 200; i++) {
    const r = await json(s.api(`/api/v1/agent-builder/${id}/events?lastEventIndex=${last}`), 200);
    all.push(...r.events);
    last = r.lastEventIndex;
    const fatal = r.events.find((e: Ev) => e.type === 'error' && e.isRecoverable === false);
    if (fatal) assert.fail(`builder failed: ${fatal.message}`);
    if (r.phase === 'ready_to_finish' && r.events.some((e: Ev) => e.type === 'ready_for_interaction')) return all;
  }
  throw new Error('builder never became ready');
}

/** prompt → events → finish → sync run; returns the agent's definition, the events and the records. */
async function buildAndRun(s: TestServer, prompt: string, name: string) {
  const start = await json(s.api('/api/v1/agent-builder/start', { method: 'POST', json: { mode: 'prompt', prompt } }), 200);
  const events = await pollUntilReady(s, start.sessionId);
  const fin = await json(s.api(`/api/v1/agent-builder/${start.sessionId}/finish`, { method: 'POST', json: { agentName: name } }), 200);
  const agent = await json(s.api(`/api/v1/agent/${fin.agentId}`), 200);
  const run = await json(s.api(`/api/v1/agent/${fin.agentId}/start`, { method: 'POST', json: { isRunSynchronously: true, timeout: 50 } }), 200);
  const recs = run[name] as Record<string, unknown>[];
  assert.ok(Array.isArray(recs), `sync run answer: ${JSON.stringify(run).slice(0, 300)}`);
  return { def: agent.definition, events, recs, agentId: fin.agentId as number };
}

/** SIGKILLs this process's Chromium browser processes (not renderers: the whole browser must go). */
function killChromium(): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (ppid === process.pid && /chrom/i.test(cmd) && !cmd.includes('--type=')) (process.kill(Number(d), 'SIGKILL'), n++);
    } catch {
      /* gone */
    }
  }
  return n;
}

function assertChoseBrowser(def: any, events: Ev[]): void {
  assert.ok(def.engine === 'browser' || def.engine === 'auto', `engine: ${def.engine}`);
  assert.ok(events.some((e) => e.type === 'thinking' && /browser/i.test(e.message)), 'a thinking event says the browser is used');
}

/** Every expected name appears, once per record. */
function assertNames(recs: Record<string, unknown>[], prefix: string, n: number): void {
  const names = recs.map((r) => String(Object.values(r).find((v) => typeof v === 'string' && v.startsWith(prefix)) ?? ''));
  const want = Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);
  assert.deepEqual([...names].sort(), [...want].sort(), `got ${recs.length} records: ${JSON.stringify(recs.slice(0, 2))}`);
  assert.ok(recs.every((r) => Object.values(r).some((v) => typeof v === 'string' && /^\d+\.50$/.test(v))), `prices: ${JSON.stringify(recs[0])}`);
}

for (const dialect of dialects()) {
  describe(`browser sites (${dialect})`, () => {
    let s: TestServer;
    let sites: JsSites;
    let canary: Canary;
    let skip: string | null = null;

    before(async (t) => {
      if (dialect === 'postgres') return void (skip = 'SQLite covers the browser paths; PostgreSQL adds only CI time');
      if (!HAVE_CHROMIUM) {
        if (process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM}`);
        return void (skip = `Chromium not found at ${CHROMIUM}`);
      }
      if (!(await requireDialect(dialect, t as never))) return void (skip = 'database not available');
      canary = await startCanary();
      sites = await startJsSites({ canaryUrl: canary.url });
      s = await startTestServer(dialect, `browser-sites-${dialect}`, { chromiumPath: CHROMIUM });
      s.platform.builder.longPollMs = 2000;
    });
    after(async () => {
      await s?.close();
      await sites?.close();
      await canary?.close();
    });
    const skipped = (t: TestContext) => (skip ? (t.skip(skip), true) : false);

    test('(a) a list drawn from a JSON API by script', T, async (t) => {
      if (skipped(t)) return;
      const { def, events, recs } = await buildAndRun(s, `Get the name and price of every gadget from ${sites.base}/api-list/`, 'Gadgets');
      assertChoseBrowser(def, events);
      assertNames(recs, 'Gadget', 12);
    });

    test('(b) infinite scroll: all 100 records, 10 per scroll', T, async (t) => {
      if (skipped(t)) return;
      const { def, events, recs } = await buildAndRun(s, `Get the name and price of every post from ${sites.base}/scroll/`, 'Feed');
      assertChoseBrowser(def, events);
      assert.equal(def.pagination?.kind, 'infinite-scroll', JSON.stringify(def.pagination));
      const sample = events.filter((e) => e.type === 'sample_records').pop()!;
      assert.equal(sample.recordCount, SCROLL_TOTAL, 'the draft test scrolled to the end too');
      assertNames(recs, 'Post', SCROLL_TOTAL);
    });

    test('(c) a "Load more" button: every record behind it', T, async (t) => {
      if (skipped(t)) return;
      const { def, events, recs } = await buildAndRun(s, `Get the name and price of every lamp from ${sites.base}/more/`, 'Lamps');
      assertChoseBrowser(def, events);
      assert.equal(def.pagination?.kind, 'load-more', JSON.stringify(def.pagination));
      assertNames(recs, 'Lamp', MORE_TOTAL);
    });

    test('(d) records that appear ~500 ms after load', T, async (t) => {
      if (skipped(t)) return;
      const { def, events, recs } = await buildAndRun(s, `Get the name and price of every deal from ${sites.base}/delayed/`, 'Deals');
      assertChoseBrowser(def, events);
      assert.ok(def.browserCommands.some((c: any) => c.action === 'wait-for-selector' && c.selector === def.list.selector), JSON.stringify(def.browserCommands));
      assertNames(recs, 'Deal', 15);
    });

    test('(e) a login form: type/type/submit, the password a secret input parameter never shown in clear', T, async (t) => {
      if (skipped(t)) return;
      const prompt = `Log in with username demo and password s3cret, then get the name and price of every item from ${sites.base}/account/`;
      const { def, events, recs, agentId } = await buildAndRun(s, prompt, 'Members');
      assertChoseBrowser(def, events);
      const cmds = def.browserCommands as any[];
      assert.deepEqual(cmds.slice(0, 3).map((c) => c.action), ['type', 'type', 'submit']);
      const pass = cmds.find((c) => c.fromInput === 'password');
      assert.equal(pass?.secret, true);
      assert.equal(cmds.find((c) => c.fromInput === 'username')?.secret, false);
      assert.deepEqual(def.inputParameters, { username: 'demo', password: 's3cret' }, 'defaults from the prompt, stored in the agent');
      assert.ok(!cmds.some((c) => c.value !== undefined), 'no literal values in commands');
      assertNames(recs, 'Secret', 12);
      assert.ok(!JSON.stringify(events).includes('s3cret'), 'the password never appears in events');
      assert.ok(JSON.stringify(events).includes('***'), 'the prompt is shown masked');
      const runs = await json(s.api(`/api/v1/agent/${agentId}/runs`), 200);
      const runId = (Array.isArray(runs) ? runs : runs.runs ?? runs.items)[0].id;
      const log = await logText(s, agentId, runId);
      assert.ok(!log.includes('s3cret'), 'nor in the run log');
      assert.match(log, /browser 200 \S+\/account\/items/, 'the run logged in: its page is the list behind the form');
    });

    test('(f) a page script cannot reach a private address: the canary gets zero connections', T, async (t) => {
      if (skipped(t)) return;
      const agent = await createAgent(s, 'Leaky', {
        startUrls: [`${sites.base}/leaky/`],
        engine: 'browser',
        loadMedia: true,
        list: { kind: 'css', selector: 'article.item' },
        fields: [{ name: 'name', selector: '.item-name' }],
        browserCommands: [{ action: 'wait-for-network-idle', timeoutMs: 3000 }],
      });
      const run = await json(s.api(`/api/v1/agent/${agent.id}/start`, { method: 'POST', json: { isRunSynchronously: true, timeout: 50 } }), 200);
      assert.equal(run.Leaky.length, 3);
      assert.equal(canary.connections(), 0, 'no connection reached 127.0.0.2');
      const runs = await json(s.api(`/api/v1/agent/${agent.id}/runs`), 200);
      const log = await logText(s, agent.id, (Array.isArray(runs) ? runs : runs.runs ?? runs.items)[0].id);
      assert.match(log, /refused/, 'blocked requests are logged');
      assert.ok(!log.includes('127.0.0.2') || !/resolved|address \d/.test(log));
    });

    test('screenshots: one PNG run file per page when the agent asks, bounded', T, async (t) => {
      if (skipped(t)) return;
      const agent = await createAgent(s, 'Shots', {
        startUrls: [`${sites.base}/static/`],
        engine: 'browser',
        screenshots: true,
        list: { kind: 'css', selector: 'article.item' },
        fields: [{ name: 'name', selector: '.item-name' }],
        pagination: { kind: 'next-link', selector: 'a[rel=next]', maxPages: 3 },
        limits: { maxPages: 3 },
      });
      const run = await startAsync(s, agent.id);
      const st = await waitTerminal(s, agent.id, run.id, 45_000);
      assert.ok([9, 10].includes(st.status), `status ${st.status}`);
      const files = await json(s.api(`/api/v1/agent/${agent.id}/run/${run.id}/files`), 200);
      const pngs = files.filter((f: any) => f.fileType === 'PNG');
      assert.equal(pngs.length, 3, JSON.stringify(files));
      const res = await s.api(`/api/v1/agent/${agent.id}/run/${run.id}/file/${pngs[0].id}/download`);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
      const log = await logText(s, agent.id, run.id);
      assert.match(log, /browser 200 http:\/\/127\.0\.0\.1:\d+\/static\/\?page=2 \d+ ms/, 'each page: status, URL and time');
    });

    test('a browser that crashes mid-render is replaced and the page retried: every record still arrives', T, async (t) => {
      if (skipped(t)) return;
      const agent = await createAgent(s, 'Crashy', {
        startUrls: [`${sites.base}/scroll/`],
        engine: 'browser',
        list: { kind: 'css', selector: 'article.item' },
        fields: [{ name: 'name', selector: '.item-name' }],
        pagination: { kind: 'infinite-scroll', maxScrolls: 50 },
      });
      const launches = s.platform.browser.pool().stats().launches;
      const before = sites.hits.get('/api/scroll') ?? 0;
      const run = await startAsync(s, agent.id);
      await sleepUntil(() => (sites.hits.get('/api/scroll') ?? 0) >= before + 3, 30_000, 'the page is being scrolled');
      const killed = killChromium();
      assert.ok(killed > 0, 'found the Chromium browser process');
      const st = await waitTerminal(s, agent.id, run.id, 50_000);
      assert.ok([9, 10].includes(st.status), `status ${st.status}: ${st.message}`);
      const got = await json(s.api(`/api/v1/agent/${agent.id}/run/${run.id}/records?limit=1000`), 200);
      assert.equal(got.records.length, SCROLL_TOTAL);
      assert.ok(s.platform.browser.pool().stats().launches > launches, 'a new browser was launched');
      assert.match(await logText(s, agent.id, run.id), /crashed|disconnected|closed/i);
    });

    test('kill ends a browser run within a couple of seconds and closes its pages', T, async (t) => {
      if (skipped(t)) return;
      const agent = await createAgent(s, 'Endless', {
        startUrls: [`${sites.base}/endless/`],
        engine: 'browser',
        list: { kind: 'css', selector: 'article.item' },
        fields: [{ name: 'name', selector: '.item-name' }],
        pagination: { kind: 'infinite-scroll', maxScrolls: 1000 },
      });
      const before = sites.hits.get('/api/endless') ?? 0;
      const run = await startAsync(s, agent.id);
      // Mid-render: the page has loaded batches and keeps scrolling.
      await sleepUntil(() => (sites.hits.get('/api/endless') ?? 0) >= before + 3, 30_000, 'the endless page is being scrolled');
      const killedAt = Date.now();
      await json(s.api(`/api/v1/agent/${agent.id}/run/${run.id}/kill`, { method: 'POST' }));
      const st = await waitTerminal(s, agent.id, run.id, 10_000);
      const took = Date.now() - killedAt;
      assert.ok(took < 3_000, `terminal ${took} ms after kill`);
      assert.equal(st.status, 8, 'Stopped');
      await sleepUntil(() => s.platform.browser.pool().stats().openContexts === 0, 10_000, 'the run context closed');
      const hits = sites.hits.get('/api/endless') ?? 0;
      await sleepUntil(async () => (await runStatus(s, agent.id, run.id)).status === 8, 1000);
      assert.ok((sites.hits.get('/api/endless') ?? 0) <= hits + 1, 'the page stopped scrolling');
    });
  });
}
