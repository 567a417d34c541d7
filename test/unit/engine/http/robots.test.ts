import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BlockedError } from '../../../../src/domain/errors.ts';
import { createHttpClient } from '../../../../src/engine/http/client.ts';
import { createRobotsCache } from '../../../../src/engine/http/robots.ts';
import { createNetworkPolicy } from '../../../../src/engine/http/ssrf.ts';
import type { HttpClient } from '../../../../src/engine/types.ts';
import { startLoopbackServer, type LoopbackServer } from '../../../helpers/loopback-http-server.ts';

type Mode = 'rules' | '404' | '500' | 'huge' | 'redirect-loop';

describe('createRobotsCache', () => {
  const servers: LoopbackServer[] = [];
  const hits = new Map<string, number>();
  let client: HttpClient;

  async function site(mode: Mode): Promise<LoopbackServer> {
    const s = await startLoopbackServer((req, res) => {
      if (req.url !== '/robots.txt') return void res.end('page');
      hits.set(mode, (hits.get(mode) ?? 0) + 1);
      switch (mode) {
        case 'rules':
          res.end('User-agent: *\nDisallow: /private\nCrawl-delay: 1.5\n\nUser-agent: Gleaner\nDisallow: /no-gleaner\nAllow: /\n');
          return;
        case '404': res.statusCode = 404; res.end('not found'); return;
        case '500': res.statusCode = 500; res.end('oops'); return;
        case 'huge':
          // The Disallow sits past 500 KiB, so only the first 500 KiB being parsed leaves /late allowed.
          res.end(`User-agent: *\nDisallow: /early\n${'# padding\n'.repeat(60_000)}Disallow: /late\n`);
          return;
        case 'redirect-loop': res.writeHead(302, { location: '/robots.txt' }).end(); return;
      }
    });
    servers.push(s);
    return s;
  }

  before(() => {
    client = createHttpClient({ policy: createNetworkPolicy({ allowHosts: ['127.0.0.1'] }), timeoutMs: 3000 });
  });
  after(async () => {
    await client.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  test('parses rules for our product token, caches per origin', async () => {
    const s = await site('rules');
    const robots = createRobotsCache(client);
    assert.equal(await robots.isAllowed(`${s.origin}/private/x`), true, 'the Gleaner group overrides *');
    assert.equal(await robots.isAllowed(`${s.origin}/no-gleaner`), false);
    assert.equal(await robots.isAllowed(`${s.origin}/robots.txt`), true);
    const other = createRobotsCache(client, { userAgent: 'OtherBot' });
    assert.equal(await other.isAllowed(`${s.origin}/private/x`), false);
    assert.equal(await other.crawlDelayMs(`${s.origin}/`), 1500);
    assert.equal(await robots.crawlDelayMs(`${s.origin}/`), undefined);
    assert.equal(hits.get('rules'), 2, 'one fetch per cache and origin');
  });

  test('concurrent first calls share one fetch', async () => {
    const s = await site('404');
    const robots = createRobotsCache(client);
    const answers = await Promise.all([1, 2, 3, 4].map((i) => robots.isAllowed(`${s.origin}/p${i}`)));
    assert.deepEqual(answers, [true, true, true, true]);
    assert.equal(hits.get('404'), 1);
  });

  test('404 → allow all', async () => {
    const s = await site('404');
    assert.equal(await createRobotsCache(client).isAllowed(`${s.origin}/anything`), true);
  });

  test('500 → disallow all, cached only briefly', async () => {
    const s = await site('500');
    const robots = createRobotsCache(client, { errorTtlMs: 50 });
    assert.equal(await robots.isAllowed(`${s.origin}/a`), false);
    assert.equal(await robots.isAllowed(`${s.origin}/b`), false);
    assert.equal(hits.get('500'), 1);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(await robots.isAllowed(`${s.origin}/c`), false);
    assert.equal(hits.get('500'), 2, 'refetched after errorTtlMs');
  });

  test('network error → disallow all', async () => {
    const gone = await startLoopbackServer();
    const origin = gone.origin;
    await gone.close();
    assert.equal(await createRobotsCache(client).isAllowed(`${origin}/x`), false);
  });

  test('only the first 500 KiB are parsed', async () => {
    const s = await site('huge');
    const robots = createRobotsCache(client);
    assert.equal(await robots.isAllowed(`${s.origin}/early`), false);
    assert.equal(await robots.isAllowed(`${s.origin}/late`), true);
  });

  test('an unresolvable redirect chain counts as unavailable → allow', async () => {
    const s = await site('redirect-loop');
    assert.equal(await createRobotsCache(client).isAllowed(`${s.origin}/x`), true);
  });

  test('robots.txt goes through the SSRF policy', async () => {
    const guarded = createHttpClient({ policy: createNetworkPolicy({ allowHosts: [] }) });
    try {
      await assert.rejects(createRobotsCache(guarded).isAllowed('http://127.0.0.1:9/x'), BlockedError);
    } finally {
      await guarded.close();
    }
  });
});
