/** Small API helpers shared by the integration suites: create an agent, start a run, poll it to the end. */
import assert from 'node:assert/strict';
import type { TestServer } from './test-server.ts';
import { sleepUntil } from './sleep-until.ts';

export const TERMINAL = new Set([6, 7, 8, 9, 10, 11]);

export async function json<T = any>(res: Response | Promise<Response>, status?: number): Promise<T> {
  const r = await res;
  const text = await r.text();
  if (status !== undefined) assert.equal(r.status, status, `expected HTTP ${status}, got ${r.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function createAgent(s: TestServer, name: string, definition: unknown, extra: Record<string, unknown> = {}): Promise<any> {
  return json(s.api('/api/v1/agent', { method: 'POST', json: { name, definition, ...extra } }), 201);
}

export async function startAsync(s: TestServer, agentId: number, body: Record<string, unknown> = {}): Promise<any> {
  return json(s.api(`/api/v1/agent/${agentId}/start`, { method: 'POST', json: body }), 202);
}

export async function runStatus(s: TestServer, agentId: number, runId: number): Promise<any> {
  return json(s.api(`/api/v1/agent/${agentId}/run/${runId}/status`), 200);
}

/** Polls the status endpoint until the run is terminal; returns the final status object. */
export async function waitTerminal(s: TestServer, agentId: number, runId: number, maxMs = 20_000): Promise<any> {
  return sleepUntil(async () => {
    const st = await runStatus(s, agentId, runId);
    return TERMINAL.has(st.status) ? st : null;
  }, maxMs, `run ${runId} terminal`, 50);
}

export async function records(s: TestServer, agentId: number, runId: number): Promise<Record<string, unknown>[]> {
  const r = await json(s.api(`/api/v1/agent/${agentId}/run/${runId}/records?limit=10000`), 200);
  return r.records;
}

export async function logText(s: TestServer, agentId: number, runId: number): Promise<string> {
  const r = await json(s.api(`/api/v1/agent/${agentId}/run/${runId}/log`), 200);
  return r.lines.map((l: { level: string; message: string }) => `${l.level} ${l.message}`).join('\n');
}
