import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlockedError } from '../../../../src/domain/errors.ts';
import { createRequestGuard } from '../../../../src/engine/browser/request-guard.ts';
import { createNetworkPolicy } from '../../../../src/engine/http/ssrf.ts';

const answers: Record<string, string[]> = {
  'shop.example': ['93.184.215.14'],
  'rebind.example': ['93.184.215.14', '127.0.0.1'], // one private answer taints the name
  'meta.example': ['169.254.169.254'],
  'site.test': ['127.0.0.1'],
};
const lookup = async (host: string) => {
  const a = answers[host];
  if (!a) throw new Error('ENOTFOUND');
  return a;
};
const guard = createRequestGuard(createNetworkPolicy({ allowHosts: [] }), { lookup });
const blocked = (url: string) => assert.rejects(guard.check(url), BlockedError, url);

test('public names and literals pass; the resolved address is returned for connecting', async () => {
  assert.equal(await guard.resolve('https://shop.example/a'), '93.184.215.14');
  assert.equal(await guard.resolve('http://93.184.215.7/'), '93.184.215.7');
  await guard.check('wss://shop.example/socket');
});

test('names resolving to private or metadata addresses are refused, as are unresolvable ones', async () => {
  await blocked('http://rebind.example/');
  await blocked('http://meta.example/');
  await blocked('http://site.test/');
  await blocked('http://nowhere.example/');
});

test('literals, local names and other schemes are refused without a lookup', async () => {
  for (const u of ['http://127.1/', 'http://[::ffff:127.0.0.1]/', 'http://0x7f000001/', 'http://localhost/', 'ws://10.0.0.1/', 'file:///etc/passwd', 'ftp://shop.example/']) {
    await blocked(u);
  }
});

test('an allowlisted name passes even though it resolves to loopback', async () => {
  const g = createRequestGuard(createNetworkPolicy({ allowHosts: ['site.test'] }), { lookup });
  assert.equal(await g.resolve('http://site.test:8080/'), '127.0.0.1');
});

test('a refusal names the host, never the resolved address', async () => {
  await assert.rejects(guard.check('http://meta.example/'), (e: Error) => !e.message.includes('169.254'));
});
