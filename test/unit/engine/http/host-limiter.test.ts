import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHostLimiter } from '../../../../src/engine/http/host-limiter.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createHostLimiter', () => {
  test('caps in-flight requests per host and grants FIFO', async () => {
    const limiter = createHostLimiter();
    const order: number[] = [];
    let inFlight = 0;
    let peak = 0;
    await Promise.all([0, 1, 2, 3, 4, 5].map(async (i) => {
      const release = await limiter.acquire('a.example', { minDelayMs: 0, maxConcurrent: 2 });
      order.push(i);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick(20);
      inFlight--;
      release();
    }));
    assert.equal(peak, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  });

  test('spaces request starts by minDelayMs, also across sequential use, but not across hosts', async () => {
    const limiter = createHostLimiter();
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const release = await limiter.acquire('b.example', { minDelayMs: 100, maxConcurrent: 5 });
      starts.push(performance.now());
      release();
    }
    assert.ok(starts[1]! - starts[0]! >= 95, `gap ${starts[1]! - starts[0]!}`);
    assert.ok(starts[2]! - starts[1]! >= 95, `gap ${starts[2]! - starts[1]!}`);
    const t0 = performance.now();
    const r = await limiter.acquire('c.example', { minDelayMs: 100, maxConcurrent: 1 });
    assert.ok(performance.now() - t0 < 50);
    r();
  });

  test('release is idempotent', async () => {
    const limiter = createHostLimiter();
    const r1 = await limiter.acquire('d.example', { minDelayMs: 0, maxConcurrent: 1 });
    r1();
    r1();
    const r2 = await limiter.acquire('d.example', { minDelayMs: 0, maxConcurrent: 1 });
    let third = false;
    const p = limiter.acquire('d.example', { minDelayMs: 0, maxConcurrent: 1 }).then((r) => { third = true; return r; });
    await tick(20);
    assert.equal(third, false, 'double release must not free a second slot');
    r2();
    (await p)();
  });

  test('an aborted waiter leaves the queue and the next one is served', async () => {
    const limiter = createHostLimiter();
    const held = await limiter.acquire('e.example', { minDelayMs: 0, maxConcurrent: 1 });
    const ac = new AbortController();
    const aborted = limiter.acquire('e.example', { minDelayMs: 0, maxConcurrent: 1 }, ac.signal);
    const next = limiter.acquire('e.example', { minDelayMs: 0, maxConcurrent: 1 });
    ac.abort(new Error('cancelled'));
    await assert.rejects(aborted, /cancelled/);
    held();
    (await next)();
    await assert.rejects(limiter.acquire('e.example', { minDelayMs: 0, maxConcurrent: 1 }, ac.signal), /cancelled/);
  });

  test('aborting the head while it waits for spacing lets the next waiter keep its turn', async () => {
    const limiter = createHostLimiter();
    (await limiter.acquire('f.example', { minDelayMs: 150, maxConcurrent: 1 }))();
    const ac = new AbortController();
    const head = limiter.acquire('f.example', { minDelayMs: 150, maxConcurrent: 1 }, ac.signal);
    const t0 = performance.now();
    const second = limiter.acquire('f.example', { minDelayMs: 150, maxConcurrent: 1 });
    ac.abort(new Error('gone'));
    await assert.rejects(head, /gone/);
    (await second)();
    const waited = performance.now() - t0;
    assert.ok(waited >= 120 && waited < 400, `waited ${waited}`);
  });
});
