import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { BlockedError, NonRetryableError, RetryableError } from '../../../../src/domain/errors.ts';
import { createHttpClient, parseRetryAfter, ResponseTooLargeError, RetryableStatusError } from '../../../../src/engine/http/client.ts';
import { withRetries } from '../../../../src/engine/http/retry.ts';
import { createNetworkPolicy } from '../../../../src/engine/http/ssrf.ts';
import type { HttpClient } from '../../../../src/engine/types.ts';
import { startLoopbackServer, type LoopbackServer } from '../../../helpers/loopback-http-server.ts';

const policy = createNetworkPolicy({ allowHosts: ['127.0.0.1'] });

describe('guarded HTTP client', () => {
  let site: LoopbackServer;
  let other: LoopbackServer;
  let canary: LoopbackServer;
  let client: HttpClient;
  const flaky = new Map<string, number>();
  // 50 MiB of zeros in ~52 KB: 50 gzip members of 1 MiB each (a valid multi-member stream; 30x faster to build
  // than one 50 MiB deflate).
  const bombMember = zlib.gzipSync(Buffer.alloc(1024 * 1024));
  const bomb = Buffer.concat(Array.from({ length: 50 }, () => bombMember));

  before(async () => {
    other = await startLoopbackServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ authorization: req.headers.authorization ?? null, cookie: req.headers.cookie ?? null, xTrace: req.headers['x-trace'] ?? null }));
    });
    // 127.0.0.2 is loopback too (Linux routes all of 127/8 to lo) but is NOT on the allowlist.
    canary = await startLoopbackServer(undefined, '127.0.0.2');
    site = await startLoopbackServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const key = u.searchParams.get('key') ?? '';
      switch (u.pathname) {
        case '/hello':
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.end('<p>héllo</p>');
          return;
        case '/echo-auth':
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ authorization: req.headers.authorization ?? null }));
          return;
        case '/flaky': {
          const n = (flaky.get(key) ?? 0) + 1;
          flaky.set(key, n);
          if (n <= 2) { res.statusCode = 503; res.end('busy'); return; }
          res.end(`ok after ${n}`);
          return;
        }
        case '/rate-limited': {
          const n = (flaky.get(key) ?? 0) + 1;
          flaky.set(key, n);
          if (n === 1) { res.statusCode = 429; res.setHeader('retry-after', '1'); res.end(); return; }
          res.end('ok');
          return;
        }
        case '/404': res.statusCode = 404; res.end('nope'); return;
        case '/to-canary': res.writeHead(302, { location: `${canary.origin}/` }).end(); return;
        case '/to-metadata': res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end(); return;
        case '/to-file': res.writeHead(301, { location: 'file:///etc/passwd' }).end(); return;
        case '/loop-a': res.writeHead(302, { location: '/loop-b' }).end(); return;
        case '/loop-b': res.writeHead(302, { location: '/loop-a' }).end(); return;
        case '/chain': {
          const n = Number(u.searchParams.get('n'));
          if (n > 0) res.writeHead(301, { location: `/chain?n=${n - 1}` }).end();
          else res.end('end of chain');
          return;
        }
        case '/same-origin-hop': res.writeHead(302, { location: '/echo-auth' }).end(); return;
        case '/cross-origin-hop': res.writeHead(307, { location: `${other.origin}/whoami` }).end(); return;
        case '/post-303':
          res.writeHead(303, { location: '/method' }).end();
          return;
        case '/method': res.end(`${req.method} ${req.headers['content-type'] ?? '-'}`); return;
        case '/bomb':
          res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
          res.end(bomb);
          return;
        case '/br':
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'br' });
          res.end(zlib.brotliCompressSync(Buffer.from('brotli ✓ '.repeat(1000))));
          return;
        case '/deflate-raw':
          res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'deflate' });
          res.end(zlib.deflateRawSync(Buffer.from('raw deflate')));
          return;
        case '/gzip-deflate':
          res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip, deflate' });
          res.end(zlib.deflateSync(zlib.gzipSync(Buffer.from('two layers'))));
          return;
        case '/corrupt-gzip':
          res.writeHead(200, { 'content-encoding': 'gzip' });
          res.end('this is not gzip at all');
          return;
        case '/corrupt-br':
          res.writeHead(200, { 'content-encoding': 'br' });
          res.end('this is not brotli at all');
          return;
        case '/triple':
          res.writeHead(200, { 'content-encoding': 'gzip, gzip, gzip' });
          res.end(zlib.gzipSync(zlib.gzipSync(zlib.gzipSync(Buffer.from('x')))));
          return;
        case '/slow': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const t = setInterval(() => res.write('x'), 500);
          res.on('close', () => clearInterval(t));
          return;
        }
        case '/cp1252':
          res.setHeader('content-type', 'text/html; charset=windows-1252');
          res.end(Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x35, 0x20, 0x93, 0x71, 0x94]));
          return;
        case '/meta-charset':
          res.setHeader('content-type', 'text/html');
          res.end(Buffer.concat([Buffer.from('<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-2"></head><body>'), Buffer.from([0xa3, 0xf3, 0x64, 0xbc]), Buffer.from('</body></html>')]));
          return;
        case '/meta-sjis':
          res.setHeader('content-type', 'text/html');
          res.end(Buffer.concat([Buffer.from('<meta charset="Shift_JIS"><p>'), Buffer.from([0x93, 0xfa, 0x96, 0x7b])]));
          return;
        case '/bom':
          res.setHeader('content-type', 'text/html; charset=windows-1252');
          res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('naïve')]));
          return;
        default: res.statusCode = 500; res.end();
      }
    });
    client = createHttpClient({ policy, timeoutMs: 5000 });
  });

  after(async () => {
    await client.close();
    await Promise.all([site.close(), other.close(), canary.close()]);
  });

  test('allowHosts lets 127.0.0.1 through and fills the response', async () => {
    const res = await client.fetch({ url: `${site.origin}/hello` });
    assert.equal(res.status, 200);
    assert.equal(res.text, '<p>héllo</p>');
    assert.equal(res.contentType, 'text/html; charset=utf-8');
    assert.equal(res.url, `${site.origin}/hello`);
    assert.deepEqual(res.redirects, []);
    assert.equal(res.wireBytes, Buffer.byteLength('<p>héllo</p>'));
    assert.ok(res.elapsedMs >= 0);
    assert.match(site.requests.find((r) => r.url === '/hello')?.headers['user-agent'] ?? '', /Gleaner/);
  });

  test('an allowlisted NAME passes the lookup guard and the connector (happy-eyeballs `all: true` path)', async () => {
    const byName = createHttpClient({ policy: createNetworkPolicy({ allowHosts: ['localhost'] }), timeoutMs: 3000 });
    try {
      const res = await byName.fetch({ url: `http://localhost:${site.port}/hello` });
      assert.equal(res.status, 200);
      // The name is allowed, the address is not: a literal 127.0.0.1 must still be refused.
      await assert.rejects(byName.fetch({ url: `${site.origin}/hello` }), BlockedError);
    } finally {
      await byName.close();
    }
  });

  test('4xx other than 429 resolve; the caller decides', async () => {
    const res = await client.fetch({ url: `${site.origin}/404` });
    assert.equal(res.status, 404);
    assert.equal(res.text, 'nope');
  });

  test('a redirect from an allowed server to a non-allowed literal is refused before connect', async () => {
    await assert.rejects(client.fetch({ url: `${site.origin}/to-canary` }), BlockedError);
    await assert.rejects(client.fetch({ url: `${site.origin}/to-metadata` }), BlockedError);
    await assert.rejects(client.fetch({ url: `${site.origin}/to-file` }), (e: unknown) => e instanceof BlockedError && e.reason === 'scheme');
    assert.equal(canary.connections, 0);
  });

  test('redirect chains are followed and recorded; too many and loops are refused', async () => {
    const res = await client.fetch({ url: `${site.origin}/chain?n=3` });
    assert.equal(res.text, 'end of chain');
    assert.equal(res.url, `${site.origin}/chain?n=0`);
    assert.deepEqual(res.redirects, [3, 2, 1].map((n) => `${site.origin}/chain?n=${n}`));
    await assert.rejects(client.fetch({ url: `${site.origin}/chain?n=11` }), (e: unknown) => e instanceof NonRetryableError && /Too many redirects/.test(e.message));
    await assert.rejects(client.fetch({ url: `${site.origin}/loop-a` }), (e: unknown) => e instanceof NonRetryableError && /loop/.test(e.message));
  });

  test('Authorization and Cookie survive a same-origin hop and are stripped on a cross-origin hop', async () => {
    const headers = { authorization: 'Bearer secret', cookie: 'sid=1', 'x-trace': 't1' };
    const same = await client.fetch({ url: `${site.origin}/same-origin-hop`, headers });
    assert.deepEqual(JSON.parse(same.text), { authorization: 'Bearer secret' });
    const cross = await client.fetch({ url: `${site.origin}/cross-origin-hop`, headers });
    assert.equal(cross.url, `${other.origin}/whoami`);
    assert.deepEqual(JSON.parse(cross.text), { authorization: null, cookie: null, xTrace: 't1' });
  });

  test('303 after POST becomes a body-less GET', async () => {
    const res = await client.fetch({ url: `${site.origin}/post-303`, method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.text, 'GET -');
  });

  test('5xx twice then 200 succeeds under withRetries', async () => {
    const seen: number[] = [];
    const res = await withRetries((attempt) => {
      seen.push(attempt);
      return client.fetch({ url: `${site.origin}/flaky?key=a` });
    }, { maxRetries: 3, baseDelayMs: 10, onRetry: (err) => assert.ok(err instanceof RetryableStatusError && err.status === 503) });
    assert.equal(res.text, 'ok after 3');
    assert.deepEqual(seen, [1, 2, 3]);
    await assert.rejects(
      withRetries(() => client.fetch({ url: `${site.origin}/flaky?key=b` }), { maxRetries: 1, baseDelayMs: 10 }),
      (e: unknown) => e instanceof RetryableStatusError && e.status === 503,
    );
  });

  test('429 + Retry-After is surfaced and honoured', async () => {
    const delays: number[] = [];
    const started = Date.now();
    const res = await withRetries(() => client.fetch({ url: `${site.origin}/rate-limited?key=c` }), {
      maxRetries: 2, baseDelayMs: 10, onRetry: (err, _a, delay) => { assert.equal(err.retryAfterMs, 1000); delays.push(delay); },
    });
    assert.equal(res.text, 'ok');
    assert.deepEqual(delays, [1000]);
    assert.ok(Date.now() - started >= 990);
    assert.equal(parseRetryAfter('120'), 120_000);
    assert.equal(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1)), 10_000);
    assert.equal(parseRetryAfter('soon'), undefined);
  });

  test('a gzip bomb (50 MiB of zeros) is aborted at maxBytes with bounded memory', async () => {
    global.gc?.();
    const before = process.memoryUsage();
    const err = await client.fetch({ url: `${site.origin}/bomb`, maxBytes: 2 * 1024 * 1024 }).catch((e: unknown) => e);
    const afterMem = process.memoryUsage();
    assert.ok(err instanceof ResponseTooLargeError, String(err));
    assert.ok(err instanceof NonRetryableError);
    assert.equal(err.partial.length, 2 * 1024 * 1024);
    // Decompressing it all would add ~50 MiB of buffers; the cap keeps growth near maxBytes.
    const grown = afterMem.arrayBuffers - before.arrayBuffers + (afterMem.heapUsed - before.heapUsed);
    assert.ok(grown < 24 * 1024 * 1024, `memory grew by ${grown}`);
  });

  test('brotli, raw deflate and a two-layer chain decode; three layers are refused', async () => {
    const br = await client.fetch({ url: `${site.origin}/br` });
    assert.equal(br.text, 'brotli ✓ '.repeat(1000));
    assert.ok(br.wireBytes < br.body.length);
    assert.equal((await client.fetch({ url: `${site.origin}/deflate-raw` })).text, 'raw deflate');
    assert.equal((await client.fetch({ url: `${site.origin}/gzip-deflate` })).text, 'two layers');
    await assert.rejects(client.fetch({ url: `${site.origin}/triple` }), (e: unknown) => e instanceof NonRetryableError && /content-encodings/.test(e.message));
    for (const path of ['/corrupt-gzip', '/corrupt-br']) {
      await assert.rejects(client.fetch({ url: `${site.origin}${path}` }), (e: unknown) => e instanceof NonRetryableError, path);
    }
  });

  test('a 1-byte-every-500ms body is cut by the total deadline', async () => {
    const started = performance.now();
    // 1000 ms > the 500 ms byte interval, so only the total deadline (not an idle timer) can end this.
    await assert.rejects(client.fetch({ url: `${site.origin}/slow`, timeoutMs: 1000 }), (e: unknown) => e instanceof RetryableError && /Timed out/.test(e.message));
    const took = performance.now() - started;
    assert.ok(took >= 950 && took < 2500, `took ${took} ms`);
  });

  test('the caller signal cancels with its own reason (not retryable)', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('run cancelled')), 200);
    await assert.rejects(client.fetch({ url: `${site.origin}/slow`, signal: ac.signal }), /run cancelled/);
  });

  test('charsets: header windows-1252, meta http-equiv iso-8859-2, meta Shift_JIS, BOM beats header', async () => {
    assert.equal((await client.fetch({ url: `${site.origin}/cp1252` })).text, 'Café €5 “q”');
    assert.match((await client.fetch({ url: `${site.origin}/meta-charset` })).text, /<body>Łódź<\/body>/);
    assert.match((await client.fetch({ url: `${site.origin}/meta-sjis` })).text, /<p>日本$/);
    assert.equal((await client.fetch({ url: `${site.origin}/bom` })).text, 'naïve');
  });

  test('connection refused is retryable', async () => {
    const gone = await startLoopbackServer();
    const url = `${gone.origin}/`;
    await gone.close();
    await assert.rejects(client.fetch({ url }), (e: unknown) => e instanceof RetryableError && !(e instanceof RetryableStatusError));
  });
});
