import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appShellSignals, looksLikeAppShell } from '../../../../src/engine/browser/needs-browser.ts';

const lorem = 'Handmade oak table, seats six. In stock, ships in two days. '.repeat(20);

test('empty React/Vue/Next mount points are app shells', () => {
  assert.equal(looksLikeAppShell('<html><body><div id="root"></div><script src="/main.js"></script></body></html>'), true);
  assert.equal(looksLikeAppShell(`<body><div id='app'><!-- app --></div><script src=/a.js></script></body>`), true);
  assert.equal(looksLikeAppShell('<body><div id="__next"></div></body>'), true);
  assert.equal(looksLikeAppShell('<body><app-root></app-root><script src="main.js"></script></body>'), true);
});

test('<noscript> asking for JavaScript with little text is a shell', () => {
  const h = `<body><noscript>You need to enable JavaScript to run this app.</noscript><div id="mount"></div><script src="/x.js"></script></body>`;
  assert.equal(appShellSignals(h).noscriptAsksForJs, true);
  assert.equal(looksLikeAppShell(h), true);
});

test('data only inside scripts (__NEXT_DATA__, window.__INITIAL_STATE__) is a shell', () => {
  const next = `<body><div id="page"></div><script id="__NEXT_DATA__" type="application/json">{"props":{"items":[1,2,3]}}</script></body>`;
  assert.equal(appShellSignals(next).dataInScripts, true);
  assert.equal(looksLikeAppShell(next), true);
  const redux = `<body><div class="x">Loading…</div><script>window.__INITIAL_STATE__ = {"items":[]};</script></body>`;
  assert.equal(looksLikeAppShell(redux), true);
});

test('many scripts and almost no text is a shell', () => {
  const h = `<body><div class="spinner"></div>${'<script src="/c.js"></script>'.repeat(5)}</body>`;
  assert.equal(appShellSignals(h).scriptCount, 5);
  assert.equal(looksLikeAppShell(h), true);
});

test('server-rendered and static pages are not shells', () => {
  assert.equal(looksLikeAppShell(`<body><h1>Tables</h1><p>${lorem}</p></body>`), false);
  // A filled root (SSR + hydration) with its data in a script too: the text is there already.
  const ssr = `<body><div id="root"><ul><li>${lorem}</li></ul></div><script id="__NEXT_DATA__" type="application/json">{}</script>${'<script src=a.js></script>'.repeat(6)}</body>`;
  assert.equal(looksLikeAppShell(ssr), false);
  // A sparse static page without scripts is fine over HTTP.
  assert.equal(looksLikeAppShell('<body><p>Nothing here yet.</p></body>'), false);
  // A noscript that is merely a tracking pixel is no sign.
  assert.equal(looksLikeAppShell(`<body><p>${lorem}</p><noscript><img src="/px.gif"></noscript><script src=a.js></script></body>`), false);
  // id="rooted" is not id="root".
  assert.equal(appShellSignals('<body><div id="rooted"></div></body>').emptyMountPoint, false);
});

test('visible text ignores scripts, styles and tags', () => {
  const s = appShellSignals('<body><style>.a{color:red}</style><script>var x = "lots of text here";</script><p>Hi <b>there</b></p></body>');
  assert.equal(s.visibleTextChars, 'Hithere'.length);
});
