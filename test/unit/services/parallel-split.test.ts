/** How a parallel start splits its inputs (parallel-runs.ts): list-valued parameters, round-robin shares. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractListInputs, splitStartUrls } from '../../../src/services/parallel-runs.ts';
import type { AgentSpec } from '../../../src/domain/agent-spec.ts';

const spec = (startUrls: string[], inputParameters: Record<string, string> = {}) => ({ startUrls, inputParameters }) as unknown as AgentSpec;

test('a JSON array, or a string holding one, is a list; other values stay for validation', () => {
  assert.deepEqual(extractListInputs(JSON.stringify({ q: ['a', 2, true], lang: 'en' })), { rest: '{"lang":"en"}', lists: { q: ['a', '2', 'true'] } });
  assert.deepEqual(extractListInputs(JSON.stringify({ q: '["x","y"]' })).lists, { q: ['x', 'y'] });
  assert.deepEqual(extractListInputs(JSON.stringify({ q: '[not json' })).lists, {});
  assert.equal(extractListInputs('not json').rest, 'not json');
  assert.deepEqual(extractListInputs(JSON.stringify({ q: [{ a: 1 }] })).lists, {}, 'objects are not split');
});

test('start URLs are filled, then dealt round-robin into at most N shares', () => {
  const s = spec(['https://x/{{c}}/1', 'https://x/{{c}}/2', 'https://x/{{c}}/3', 'https://x/{{c}}/4', 'https://x/{{c}}/5'], { c: 'all' });
  assert.deepEqual(splitStartUrls(s, { c: 'toys' }, {}, 2), [
    ['https://x/toys/1', 'https://x/toys/3', 'https://x/toys/5'],
    ['https://x/toys/2', 'https://x/toys/4'],
  ]);
  assert.equal(splitStartUrls(s, {}, {}, 50).length, 5, 'never an empty share');
});

test('one start URL + one list-valued parameter: one URL per value', () => {
  const s = spec(['https://x/search?q={{q}}&l={{l}}'], { l: 'en' });
  assert.deepEqual(splitStartUrls(s, {}, { q: ['a', 'b', 'c'] }, 2), [['https://x/search?q=a&l=en', 'https://x/search?q=c&l=en'], ['https://x/search?q=b&l=en']]);
  assert.throws(() => splitStartUrls(spec(['https://x/{{q}}', 'https://y/{{q}}']), {}, { q: ['a'] }, 2), /single start URL/);
  assert.throws(() => splitStartUrls(s, {}, { q: ['a'], l: ['b'] }, 2), /only one parameter/);
});
