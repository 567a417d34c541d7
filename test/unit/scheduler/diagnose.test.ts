import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../../src/services/diagnose.ts';

const base = { status: 6, message: null, dataCount: 0, pageCount: 0, errorCount: 0, failedRequests: [], errorMessages: [] };

test('403 and 429 from failed requests: blocked and rate limited, most frequent first', () => {
  const d = diagnose({ ...base, failedRequests: [{ url: 'u', last_error: 'HTTP 429 from u' }, { url: 'v', last_error: 'HTTP 429 from v' }, { url: 'w', last_error: 'HTTP 403 from w' }] });
  assert.match(d.possibleCauses[0]!, /rate-limited 2/);
  assert.match(d.possibleCauses[1]!, /HTTP 403/);
  assert.equal(d.suggestedActions.length, 2);
});

test('SSRF policy, robots.txt and timeouts come from log lines', () => {
  const d = diagnose({ ...base, errorMessages: ['Blocked by network policy: 10.0.0.1 is not a public address', 'robots.txt disallows http://x/a', 'Timed out after 30000 ms fetching http://x/'] });
  assert.equal(d.possibleCauses.length, 3);
  assert.ok(d.suggestedActions.some((a) => /GLEANER_ALLOW_HOSTS/.test(a)));
});

test('pages loaded but zero records: the selectors no longer match', () => {
  const d = diagnose({ ...base, status: 9, pageCount: 3 });
  assert.match(d.possibleCauses.join(' '), /selectors probably no longer match/);
});

test('a failure without any recorded error still explains itself', () => {
  const d = diagnose({ ...base, message: 'Worker lost 3 times' , pageCount: 1, dataCount: 1 });
  assert.match(d.possibleCauses[0]!, /Worker lost/);
});
