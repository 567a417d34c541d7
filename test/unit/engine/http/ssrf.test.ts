import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BlockedError } from '../../../../src/domain/errors.ts';
import { createHttpClient } from '../../../../src/engine/http/client.ts';
import { createGuardedLookup } from '../../../../src/engine/http/guarded-connect.ts';
import { createNetworkPolicy, parseAllowHosts } from '../../../../src/engine/http/ssrf.ts';
import type { HttpClient } from '../../../../src/engine/types.ts';
import { startLoopbackServer, type LoopbackServer } from '../../../helpers/loopback-http-server.ts';

const policy = createNetworkPolicy({ allowHosts: [] });

// reliability.md §2.4. Host parts only; the port is appended per use.
const LOOPBACK = ['127.0.0.1', '127.1', '127.0.1', '127.127.127.127', '0', '0.0.0.0', '2130706433', '017700000001',
  '0x7f000001', '0x7f.0.0.1', '0177.0.0.1', '127.000.000.001', '%31%32%37.0.0.1', '①②⑦.0.0.1', '127。0。0。1',
  '127.0.0.1.', '[::1]', '[::]', '[0:0:0:0:0:0:0:1]', '[0000::1]'];
const NAMES = ['localhost', 'LOCALHOST.', 'foo.localhost', 'foo.localhost..', 'ⓛⓞⓒⓐⓛⓗⓞⓢⓣ', 'ip6-localhost', 'ip6-loopback'];
const PRIVATE = ['10.0.0.1', '012.0.0.1', '172.16.0.1', '192.168.0.1', '100.64.0.1', '198.18.0.1', '192.0.0.192',
  '224.0.0.1', '255.255.255.255', '[fc00::1]', '[fd00::1]', '[fe80::1]', '[fec0::1]'];
const METADATA = ['169.254.169.254', '0xA9FEA9FE', '2852039166', '0251.0376.0251.0376', '169.254.170.2',
  '[fd00:ec2::254]', '100.100.100.200', '168.63.129.16', 'metadata.google.internal', 'METADATA.GOOGLE.INTERNAL.'];
const V6_EMBEDDED = ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::ffff:169.254.169.254]', '[::127.0.0.1]', '[::7f00:1]',
  '[::a9fe:a9fe]', '[::ffff:0:127.0.0.1]', '[64:ff9b::a9fe:a9fe]', '[64:ff9b::7f00:1]', '[2002:a9fe:a9fe::]',
  '[2002:7f00:1::]', '[2001::1]', '[64:ff9b:1::808:808]'];
const CONFUSION = ['http://user:pw@127.0.0.1:80@evil.example/', 'http://127.0.0.1:80\\@evil.example/',
  'http://127.1.1.1:80@@127.2.2.2:80', 'http://user@example.com/', 'http://:pw@example.com/'];
const SCHEMES = ['file:///etc/passwd', 'gopher://127.0.0.1:6379/_INFO', 'dict://127.0.0.1:11211/', 'ftp://127.0.0.1/',
  'data:text/html,<script>alert(1)</script>', 'javascript:alert(1)', 'chrome://settings', 'about:blank',
  'ws://127.0.0.1/', 'wss://example.com/', 'not a url', '/relative/path'];
const HOST_VECTORS = [...LOOPBACK, ...NAMES, ...PRIVATE, ...METADATA, ...V6_EMBEDDED];

function assertBlocked(fn: () => unknown, label: string): void {
  assert.throws(fn, (e: unknown) => e instanceof BlockedError, `expected ${label} to be blocked`);
}

describe('createNetworkPolicy: checkUrl refuses every §2.4 vector', () => {
  for (const host of HOST_VECTORS) {
    test(`host ${host}`, () => {
      assertBlocked(() => policy.checkUrl(`http://${host}/`), host);
      assertBlocked(() => policy.checkUrl(`https://${host}:8443/x?y=1`), host);
    });
  }
  for (const url of [...CONFUSION, ...SCHEMES]) {
    test(`url ${url}`, () => assertBlocked(() => policy.checkUrl(url), url));
  }

  test('scheme refusals carry reason "scheme", address refusals "ssrf"', () => {
    assert.throws(() => policy.checkUrl('file:///etc/passwd'), (e: unknown) => e instanceof BlockedError && e.reason === 'scheme');
    assert.throws(() => policy.checkUrl('http://10.0.0.1/'), (e: unknown) => e instanceof BlockedError && e.reason === 'ssrf');
  });

  test('a fragment containing @127.0.0.1 does not change the host (the URL parser decides, not a regex)', () => {
    assert.equal(new URL('http://evil.example#@127.0.0.1/').hostname, 'evil.example');
    assert.doesNotThrow(() => policy.checkUrl('http://evil.example#@127.0.0.1/'));
  });

  test('public addresses and names pass, including NAT64/6to4 carrying a public IPv4', () => {
    for (const url of ['http://93.184.215.14/', 'https://example.com/a', 'http://[2606:4700::1]/', 'http://[64:ff9b::808:808]/',
      'http://[2002:808:808::1]/', 'http://xn--bcher-kva.example/', 'http://bücher.example/']) {
      assert.doesNotThrow(() => policy.checkUrl(url), url);
    }
  });

  test('isAddressAllowed judges socket addresses, unwrapping IPv4-mapped forms', () => {
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '10.1.2.3', '169.254.169.254', 'fe80::1%eth0',
      '168.63.129.16', '::7f00:1', '2001::1', 'garbage', '']) {
      assert.equal(policy.isAddressAllowed(a), false, a);
    }
    for (const a of ['8.8.8.8', '2606:4700::1', '::ffff:8.8.8.8']) assert.equal(policy.isAddressAllowed(a), true, a);
  });

  test('block messages name the host as written, never an address behind it', () => {
    for (const url of ['http://metadata.google.internal/', 'http://localhost/', 'http://ip6-localhost/']) {
      assert.throws(() => policy.checkUrl(url), (e: unknown) => e instanceof BlockedError && !/\d+\.\d+\.\d+\.\d+|::1/.test(e.message));
    }
  });
});

describe('allowHosts', () => {
  test('parseAllowHosts splits, trims and drops empties', () => {
    assert.deepEqual(parseAllowHosts(undefined), []);
    assert.deepEqual(parseAllowHosts(''), []);
    assert.deepEqual(parseAllowHosts(' 127.0.0.1, 10.0.0.0/8 ,,localhost '), ['127.0.0.1', '10.0.0.0/8', 'localhost']);
  });

  test('IPs, CIDRs and names let exactly those through', () => {
    const p = createNetworkPolicy({ allowHosts: ['127.0.0.1', '10.0.0.0/8', 'localhost', '*.corp.example', 'fd00::/8'] });
    for (const url of ['http://127.0.0.1:8080/', 'http://[::ffff:127.0.0.1]/', 'http://10.9.8.7/', 'http://localhost./',
      'http://intranet.corp.example/', 'http://[fd00::5]/']) {
      assert.doesNotThrow(() => p.checkUrl(url), url);
    }
    for (const url of ['http://127.0.0.2/', 'http://192.168.1.1/', 'http://foo.localhost/', 'http://corp.example.localhost/',
      'http://169.254.169.254/', 'file:///etc/passwd', 'http://u:p@127.0.0.1/']) {
      assertBlocked(() => p.checkUrl(url), url);
    }
    assert.equal(p.isAddressAllowed('127.0.0.1'), true);
    assert.equal(p.isAddressAllowed('::ffff:127.0.0.1'), true);
    assert.equal(p.isAddressAllowed('127.0.0.2'), false);
    assert.equal(p.isAddressAllowed('192.168.1.1', 'intranet.corp.example'), true);
    assert.equal(p.isAddressAllowed('192.168.1.1', 'evil.example'), false);
  });

  test('malformed entries fail at boot', () => {
    assert.throws(() => createNetworkPolicy({ allowHosts: ['10.0.0.0/40'] }));
    assert.throws(() => createNetworkPolicy({ allowHosts: ['bad host name'] }));
  });
});

describe('guarded client: refused before connect (canary on loopback)', () => {
  let canary: LoopbackServer;
  let client: HttpClient;
  before(async () => {
    canary = await startLoopbackServer();
    client = createHttpClient({ policy, timeoutMs: 2000 });
  });
  after(async () => {
    await client.close();
    await canary.close();
  });

  const reachable = [...LOOPBACK.filter((h) => !h.startsWith('[')), '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::127.0.0.1]',
    '[::ffff:0:127.0.0.1]', '[64:ff9b::7f00:1]', '[2002:7f00:1::]', 'localhost', 'LOCALHOST.', 'foo.localhost', 'ⓛⓞⓒⓐⓛⓗⓞⓢⓣ'];

  test('every loopback form aimed at the canary port is refused with zero connections', async () => {
    for (const host of reachable) {
      await assert.rejects(client.fetch({ url: `http://${host}:${canary.port}/` }), BlockedError, host);
    }
    for (const url of [`http://u:p@127.0.0.1:${canary.port}/`, `http://127.0.0.1:${canary.port}\\@evil.example/`,
      `gopher://127.0.0.1:${canary.port}/_x`, `ws://127.0.0.1:${canary.port}/`]) {
      await assert.rejects(client.fetch({ url }), BlockedError, url);
    }
    assert.equal(canary.connections, 0);
    assert.equal(canary.requests.length, 0);
  });

  test('the connector is the final authority: with the pre-check bypassed, no request bytes reach the canary', async () => {
    const leaky = { checkUrl: () => undefined, isAddressAllowed: (a: string) => policy.isAddressAllowed(a) };
    const c = createHttpClient({ policy: leaky, timeoutMs: 2000 });
    try {
      for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '0x7f000001', 'localhost']) {
        const err = await c.fetch({ url: `http://${host}:${canary.port}/` }).catch((e: unknown) => e);
        assert.ok(err instanceof BlockedError, `${host}: ${String(err)}`);
        if (host === 'localhost') assert.ok(!/127\.0\.0\.1|::1/.test(err.message), err.message);
      }
    } finally {
      await c.close();
    }
    assert.equal(canary.requests.length, 0);
  });

  test('the lookup guard refuses names resolving to private addresses, without naming the address', async () => {
    const lookup = createGuardedLookup(policy, (_h, cb) => cb(null, [{ address: '203.0.113.10', family: 4 }, { address: '10.0.0.7', family: 4 }]));
    const err = await new Promise<unknown>((resolve) => lookup('rebind.test', { all: true }, (e) => resolve(e)));
    assert.ok(err instanceof BlockedError);
    assert.ok(!err.message.includes('10.0.0.7'));
    const system = createGuardedLookup(policy);
    const err2 = await new Promise<unknown>((resolve) => system('localhost', {}, (e) => resolve(e)));
    assert.ok(err2 instanceof BlockedError);
  });

  test('a rebinding resolver pointing an allowed-looking name at the canary is refused before connect', async () => {
    const connectionsBefore = canary.connections;
    const c = createHttpClient({ policy, timeoutMs: 2000, resolver: (_h, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]) });
    try {
      await assert.rejects(c.fetch({ url: `http://rebind.example:${canary.port}/` }), BlockedError);
    } finally {
      await c.close();
    }
    assert.equal(canary.connections, connectionsBefore);
  });
});
