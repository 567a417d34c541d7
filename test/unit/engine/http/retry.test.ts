import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NonRetryableError, RetryableError } from '../../../../src/domain/errors.ts';
import { backoffDelay, withRetries } from '../../../../src/engine/http/retry.ts';

describe('withRetries', () => {
  test('retries RetryableError until success, passing 1-based attempts', async () => {
    const attempts: number[] = [];
    const retried: Array<[number, number]> = [];
    const result = await withRetries(async (attempt) => {
      attempts.push(attempt);
      if (attempt < 3) throw new RetryableError('flaky');
      return 'done';
    }, { maxRetries: 5, baseDelayMs: 5, onRetry: (_e, attempt, delay) => retried.push([attempt, delay]) });
    assert.equal(result, 'done');
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.deepEqual(retried.map(([a]) => a), [1, 2]);
  });

  test('gives up after maxRetries with the last error', async () => {
    let calls = 0;
    await assert.rejects(withRetries(async () => { calls++; throw new RetryableError(`fail ${calls}`); }, { maxRetries: 2, baseDelayMs: 1 }), /fail 3/);
    assert.equal(calls, 3);
  });

  test('never retries other errors', async () => {
    let calls = 0;
    await assert.rejects(withRetries(async () => { calls++; throw new NonRetryableError('404'); }, { maxRetries: 5 }), NonRetryableError);
    await assert.rejects(withRetries(async () => { calls++; throw new TypeError('bug'); }, { maxRetries: 5 }), TypeError);
    assert.equal(calls, 2);
  });

  test('full jitter stays within [0, min(max, base·2^n)) and Retry-After is a floor', () => {
    const err = new RetryableError('x');
    assert.equal(backoffDelay(1, err, { maxRetries: 9, baseDelayMs: 100, random: () => 0.999 }), 99);
    assert.equal(backoffDelay(4, err, { maxRetries: 9, baseDelayMs: 100, random: () => 0.5 }), 400);
    assert.equal(backoffDelay(20, err, { maxRetries: 9, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 }), 500);
    assert.equal(backoffDelay(1, err, { maxRetries: 9, baseDelayMs: 100, random: () => 0 }), 0);
    assert.equal(backoffDelay(1, new RetryableError('x', 750), { maxRetries: 9, baseDelayMs: 100, random: () => 0.5 }), 750);
  });

  test('a Retry-After beyond maxDelayMs is not waited out', async () => {
    let calls = 0;
    const started = Date.now();
    await assert.rejects(withRetries(async () => { calls++; throw new RetryableError('later', 3_600_000); }, { maxRetries: 3, maxDelayMs: 1000 }), /later/);
    assert.equal(calls, 1);
    assert.ok(Date.now() - started < 500);
  });

  test('aborting during the back-off rejects with the signal reason promptly', async () => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(new Error('stop')), 50);
    await assert.rejects(withRetries(async () => { throw new RetryableError('x', 5000); }, { maxRetries: 3, maxDelayMs: 10_000, signal: ac.signal }), /stop/);
    assert.ok(Date.now() - started < 1000);
    let calls = 0;
    await assert.rejects(withRetries(async () => { calls++; return 1; }, { maxRetries: 1, signal: ac.signal }), /stop/);
    assert.equal(calls, 0);
  });
});
