/**
 * The optional LLM, against a local OpenAI-compatible server: it reads a prompt the rules cannot (no field
 * named), its answer is schema-checked, URLs it invents are dropped, and any failure falls back to the rules.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { startDemoStore } from '../../src/demo-site/demo-store.ts';
import { createLlmAssist } from '../../src/agent-builder/llm/llm-assist.ts';
import { parsePrompt } from '../../src/agent-builder/prompt/parse-prompt.ts';
import { json } from '../helpers/run-helpers.ts';

describe('builder with an OpenAI-compatible LLM (local test server)', { skip: process.env.DB_DIALECT === 'postgres' ? 'no database-specific code: covered by the SQLite run' : false }, () => {
  let llm: Server;
  let llmUrl = '';
  let answer: () => string = () => '{}';
  const seen: Array<{ model: string; messages: Array<{ role: string; content: string }> }> = [];
  let demo: Awaited<ReturnType<typeof startDemoStore>>;
  let s: TestServer;

  before(async () => {
    llm = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url !== '/v1/chat/completions' || req.headers.authorization !== 'Bearer test-llm-key') return void res.writeHead(404).end();
        seen.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: answer() } }] }));
      });
    });
    await new Promise<void>((r) => llm.listen(0, '127.0.0.1', () => r()));
    llmUrl = `http://127.0.0.1:${(llm.address() as AddressInfo).port}/v1`;
    demo = await startDemoStore();
    s = await startTestServer('sqlite', 'builder-llm', { llm: { baseUrl: llmUrl, apiKey: 'test-llm-key', model: 'test-model' } });
  });
  after(async () => {
    await s?.close();
    await demo?.close();
    llm?.close();
  });

  test('assist: schema-valid answers fill what the rules missed; invented URLs and bad answers are ignored', async () => {
    const assist = createLlmAssist({ baseUrl: llmUrl, apiKey: 'test-llm-key', model: 'test-model' });
    const prompt = `Everything interesting about the gadgets at ${demo.url}/products/ please`;
    const rules = parsePrompt(prompt);
    answer = () => JSON.stringify({ urls: [`${demo.url}/products/`, 'http://169.254.169.254/latest'], fields: ['product name', 'price'], maxPages: 2 });
    const got = await assist.improveIntent(prompt, rules, new AbortController().signal);
    assert.deepEqual(got.urls, [`${demo.url}/products/`]);
    assert.deepEqual(got.fields.map((f) => f.concept), ['name', 'price']);
    assert.equal(got.scope.maxPages, 2);
    assert.equal(seen.at(-1)!.model, 'test-model');

    answer = () => 'Sure! Here are the fields: name and price.';
    assert.deepEqual(await assist.improveIntent(prompt, rules, new AbortController().signal), rules, 'prose instead of JSON → the rules');
    answer = () => JSON.stringify({ urls: 'nope', fields: [42] });
    assert.deepEqual(await assist.improveIntent(prompt, rules, new AbortController().signal), rules, 'schema mismatch → the rules');
  });

  test('a session uses the LLM only for what the rules could not read, then builds without it', async () => {
    answer = () => JSON.stringify({ urls: [`${demo.url}/products/`], fields: ['product name', 'price'], maxPages: null, maxRecords: null, followItems: false });
    const before = seen.length;
    const st = await json(s.api('/api/v1/agent-builder/start', { method: 'POST', json: { mode: 'prompt', prompt: `Everything interesting about the gadgets at ${demo.url}/products/ please` } }), 200);
    let last = -1;
    let sample: any = null;
    for (let i = 0; i < 100 && !sample; i++) {
      const r = await json(s.api(`/api/v1/agent-builder/${st.sessionId}/events?lastEventIndex=${last}`), 200);
      last = r.lastEventIndex;
      sample = r.events.find((e: any) => e.type === 'sample_records') ?? null;
      assert.ok(!r.events.some((e: any) => e.type === 'error' && !e.isRecoverable), JSON.stringify(r.events));
    }
    assert.ok(sample, 'the builder produced samples');
    assert.equal(seen.length, before + 1, 'one LLM call while building');
    assert.deepEqual(sample.fields.slice().sort(), ['price', 'product_name']);
    assert.equal(sample.fillRates.product_name, 1);
  });
});
