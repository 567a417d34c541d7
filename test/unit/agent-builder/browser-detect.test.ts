/** Prompt credentials and the browser-side rules that need no browser: login form, "load more" text, decisions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCredentials } from '../../../src/agent-builder/prompt/credentials.ts';
import { parsePrompt } from '../../../src/agent-builder/prompt/parse-prompt.ts';
import { decide, hasLoadMoreControl, LOAD_MORE_TEXT, loginPlan, type BrowserProbe } from '../../../src/agent-builder/browser-detect.ts';
import { renderBudgetMs } from '../../../src/engine/browser/browser-support.ts';
import { AgentSpec } from '../../../src/domain/agent-spec.ts';

test('credentials: the usual phrasings; the clause leaves the field list; the password is masked', () => {
  const cases: Array<[string, string, string]> = [
    ['Log in with username demo and password s3cret, then get the name and price of every item from http://x.test/', 'demo', 's3cret'],
    ['Get the name and price of every item from http://x.test/ (user demo / pass s3cret)', 'demo', 's3cret'],
    ['login demo:s3cret and get the name and price of every item on http://x.test/', 'demo', 's3cret'],
    ['Get the name and price of every item from http://x.test/, logging in as demo with password "s3 cret".', 'demo', 's3 cret'],
    ['Sign in with email a@b.example and password p4ss! then get the name and price of every item from http://x.test/', 'a@b.example', 'p4ss!'],
  ];
  for (const [prompt, user, pass] of cases) {
    const r = parseCredentials(prompt);
    assert.deepEqual(r.credentials, { username: user, password: pass }, prompt);
    assert.ok(!r.redacted.includes(pass) && r.redacted.includes('***'), r.redacted);
    assert.ok(!r.stripped.includes(pass), r.stripped);
    assert.deepEqual(parsePrompt(r.stripped).fields.map((f) => f.name), ['name', 'price'], `fields of: ${r.stripped}`);
  }
  // The stored (masked) prompt parses to the same fields: the build re-reads it after a restart.
  const masked = parseCredentials(cases[0]![0]).redacted;
  assert.deepEqual(parsePrompt(parseCredentials(masked).stripped).fields.map((f) => f.name), ['name', 'price']);
  assert.equal(parseCredentials('Get the user name and price of every item from http://x.test/').credentials, null);
});

test('login form: user and password fields by id/name, the form submitted; values only via fromInput', () => {
  const html = '<form id="signin" action="/login" method="post"><input type="hidden" name="csrf" value="x"><input name="login" type="email"><input type="password" id="pw"><button>Go</button></form>';
  const p = loginPlan(html, { username: 'demo', password: 's3cret' })!;
  assert.deepEqual(p.commands, [
    { action: 'type', selector: 'input[name="login"]', fromInput: 'username', secret: false },
    { action: 'type', selector: '#pw', fromInput: 'password', secret: true },
    { action: 'submit', selector: 'form#signin' },
  ]);
  assert.deepEqual(p.inputParameters, { username: 'demo', password: 's3cret' });
  assert.ok(!JSON.stringify(p.commands).includes('s3cret'));
  assert.equal(loginPlan('<form><input name="q"></form>', { username: 'a', password: 'b' }), null, 'no password field: no login');
  const noForm = loginPlan('<div><input id="u"><input type="password" name="p"><button type="submit">Sign in</button></div>', { username: 'a', password: 'b' })!;
  assert.equal(noForm.commands[2]!.action, 'submit');
});

test('"load more" texts in several languages; look-alikes are not', () => {
  for (const t of ['Load more', 'Show more', 'LOAD MORE…', 'Show more products', 'Mehr laden', 'Meer laden', 'Voir plus', 'Cargar más', 'View more (24)', 'Carica altri'])
    assert.ok(LOAD_MORE_TEXT.test(t), t);
  for (const t of ['Read more about us', 'More', 'Load', 'Show less', 'Learn more about shipping']) assert.ok(!LOAD_MORE_TEXT.test(t), t);
  assert.ok(hasLoadMoreControl('<div><article>a</article><button class="x">Load more</button></div>'));
  assert.ok(!hasLoadMoreControl('<div><a href="/about">Read more</a></div>'));
});

const probe = (o: Partial<BrowserProbe>): BrowserProbe => ({ recordsAtLoad: 10, recordsSettled: 10, appearedAfterMs: null, loadMoreSelector: null, infiniteScroll: false, recordsAfterPaging: 10, ...o });

test('decisions: delayed → wait-for-selector; load-more wins over scroll; static lists need no wait', () => {
  const delayed = decide(probe({ recordsAtLoad: 0, recordsSettled: 15, appearedAfterMs: 520 }), 'article.item', 0);
  assert.deepEqual(delayed.commands, [{ action: 'wait-for-selector', selector: 'article.item', timeoutMs: 15_000 }]);
  assert.match(delayed.notes[0]!, /after the page has loaded \(about 500 ms later\)/);
  const more = decide(probe({ loadMoreSelector: 'button.load-more', recordsAfterPaging: 20 }), 'article.item', 10);
  assert.deepEqual(more.commands, []);
  assert.equal(more.pagination?.kind, 'load-more');
  const scroll = decide(probe({ infiniteScroll: true, recordsAfterPaging: 20 }), 'article.item', 0);
  assert.equal(scroll.pagination?.kind, 'infinite-scroll');
  assert.equal(scroll.commands.length, 1, 'script-built records: wait for them even when present at load');
  assert.equal(decide(probe({}), 'article.item', 10).pagination, null);
});

test('render budget: a request timeout for plain pages, minutes for scrolling agents', () => {
  const plain = AgentSpec.parse({ startUrls: ['http://x.test/'], engine: 'browser', fields: [{ name: 'a', source: 'url' }] });
  assert.equal(renderBudgetMs(plain, 'list'), 30_000);
  const scroll = AgentSpec.parse({ ...plain, pagination: { kind: 'infinite-scroll', maxScrolls: 100 } });
  assert.equal(renderBudgetMs(scroll, 'list'), 60_000 + 100 * 2_000);
  assert.equal(renderBudgetMs(scroll, 'detail'), 30_000, 'detail pages do not paginate');
});
