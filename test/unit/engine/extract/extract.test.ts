import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AgentSpec, type AgentSpecInput, type FieldSpecInput, FieldSpec } from '../../../../src/domain/agent-spec.ts';
import { coerceValue } from '../../../../src/engine/parse/values.ts';
import { loadPage, type LoadedPage } from '../../../../src/engine/extract/page.ts';
import { extractDetail, extractRecords, findNextPageUrl, pageUrlFromTemplate, recordKey, validateSelectors } from '../../../../src/engine/extract/extract.ts';

const SHOP = 'https://books.example/catalogue/page-1.html';
const html = (name: string) => readFileSync(new URL(`../../../fixtures/pages/${name}`, import.meta.url), 'utf8');
const page = (name: string, url = SHOP): LoadedPage => loadPage(url, html(name));
const spec = (s: Omit<AgentSpecInput, 'startUrls'>) => AgentSpec.parse({ startUrls: [SHOP], ...s });
// Typed values go through coerceValue (owned elsewhere); compare against it rather than its current output.
const as = (raw: string, type: FieldSpec['type'], baseUrl = SHOP) => coerceValue(raw, type, { baseUrl });

test('css list: product cards with prices, relative links, attr title vs truncated text, class-name rating', () => {
  const s = spec({
    list: { kind: 'css', selector: 'article.product_pod' },
    fields: [
      { name: 'title', selector: 'h3 a', source: 'attr', attribute: 'title' },
      { name: 'shown', selector: 'h3 a' },
      { name: 'price', selector: '.price_color', regex: '£[\\d.]+$', type: 'price' },
      { name: 'url', selector: 'h3 a', source: 'attr', attribute: 'href', type: 'url' },
      { name: 'image', selector: 'img', source: 'attr', attribute: 'src', type: 'image' },
      { name: 'rating', selector: '.star-rating', source: 'attr', attribute: 'class', regex: 'star-rating\\s+(\\w+)', type: 'rating' },
      { name: 'stock', selector: '.availability' },
      { name: 'source', source: 'constant', value: 'books' },
    ],
  });
  const r = extractRecords(s, page('product-list.html'));
  assert.equal(r.records.length, 3);
  const [a, b, c] = r.records as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
  assert.equal(a.title, 'A Light in the Attic');
  assert.equal(a.shown, 'A Light in the ...');
  assert.equal(a.price, as('£51.77', 'price'));
  assert.equal(a.url, 'https://books.example/catalogue/catalogue/a-light-in-the-attic/index.html');
  assert.equal(a.image, 'https://books.example/media/a.jpg');
  assert.equal(a.rating, as('Three', 'rating'));
  assert.equal(a.stock, 'In stock', 'whitespace collapsed');
  assert.equal(b.rating, as('One', 'rating'));
  assert.equal(c.url, 'https://books.example/catalogue/soumission/index.html');
  assert.equal(c.price, as('£50.10', 'price'), 'regex keeps the whole match when it has no group');
  assert.equal(c.image, null);
  assert.deepEqual(r.missing, { title: 0, shown: 0, price: 0, url: 0, image: 1, rating: 0, stock: 1, source: 0 });
  assert.deepEqual(r.followUrls, []);
});

test('records with only null (or only constant) values are dropped; text skips script/style', () => {
  const s = spec({
    list: { kind: 'css', selector: 'li.product' },
    fields: [
      { name: 'title', selector: 'h3 a', source: 'attr', attribute: 'title' },
      { name: 'text', selector: '.nothing-here' },
      { name: 'kind', source: 'constant', value: 'book' },
      { name: 'page', source: 'url' },
    ],
  });
  const r = extractRecords(s, page('product-list.html'));
  assert.equal(r.records.length, 3, 'the ad <li> yields only constants and is dropped');
  assert.equal(r.records[0]!.page, SHOP);
  const t = extractRecords(spec({ list: { kind: 'css', selector: 'li.ad' }, fields: [{ name: 'text' }] }), page('product-list.html'));
  assert.equal(t.records.length, 0, 'script and style bodies are not visible text');
});

test('span: a record made of a header and the following body block', () => {
  const s = spec({
    list: { kind: 'css', selector: 'h2.title', span: 2 },
    fields: [
      { name: 'title' },
      { name: 'link', selector: 'a', source: 'attr', attribute: 'href', type: 'url' },
      { name: 'body', selector: '.body' },
    ],
  });
  const r = extractRecords(s, page('spanned.html', 'https://blog.example/'));
  assert.deepEqual(r.records, [
    { title: 'First post', link: 'https://blog.example/post/1', body: 'Hello world. Second paragraph.' },
    { title: 'Second post', link: 'https://blog.example/post/2', body: 'Another body' },
    { title: 'Third post', link: 'https://blog.example/post/3', body: null },
  ]);
  assert.equal(r.missing.body, 1);
  // A loose selector matching both blocks still pairs them instead of starting a record at each.
  const loose = extractRecords(spec({ list: { kind: 'css', selector: '#posts > *', span: 2 }, fields: [{ name: 'title', selector: 'a' }] }), page('spanned.html', 'https://blog.example/'));
  assert.deepEqual(loose.records.map((x) => x.title), ['First post', 'Second post', 'Third post']);
});

test('table rows: nth-child cells, the row itself as a field target, <base href>', () => {
  const s = spec({
    list: { kind: 'css', selector: '#quotes tbody tr' },
    fields: [
      { name: 'id', source: 'attr', attribute: 'data-id' },
      { name: 'symbol', selector: 'td:nth-child(1)' },
      { name: 'name', selector: 'td:nth-child(2)' },
      { name: 'link', selector: 'td:nth-child(2) a', source: 'attr', attribute: 'href', type: 'url' },
      { name: 'last', selector: 'td:nth-child(3)', type: 'number' },
      { name: 'up', selector: 'td.up', source: 'constant', value: 'yes' },
    ],
  });
  const r = extractRecords(s, page('table.html', 'https://example.org/quotes'));
  assert.equal(r.records.length, 3);
  assert.equal(r.records[0]!.id, '1');
  assert.equal(r.records[1]!.symbol, 'GLOB');
  assert.equal(r.records[1]!.link, 'https://example.org/data/glob.html');
  assert.equal(r.records[1]!.last, as('1,024.00', 'number'));
});

test('json-ld list: each Product item is a record; follow URL from the item url', () => {
  const s = spec({
    list: { kind: 'json-ld', itemType: 'Product' },
    fields: [
      { name: 'name', source: 'json', jsonPath: 'name' },
      { name: 'price', source: 'json', jsonPath: 'offers.price', type: 'price' },
      { name: 'currency', source: 'json', jsonPath: 'offers.priceCurrency' },
      { name: 'url', source: 'json', jsonPath: 'url', type: 'url' },
    ],
    follow: { linkSelector: 'a', fields: [{ name: 'description', selector: 'p' }] },
  });
  const r = extractRecords(s, page('jsonld-list.html', 'https://shop.example/c/kitchen'));
  assert.deepEqual(r.records.map((x) => x.name), ['Kettle', 'Toaster']);
  assert.equal(r.records[1]!.price, as('49', 'price'));
  assert.equal(r.records[0]!.url, 'https://shop.example/p/kettle');
  assert.deepEqual(r.followUrls, ['https://shop.example/p/kettle', 'https://shop.example/p/toaster']);
});

test('json-ld list over microdata cards', () => {
  const s = spec({
    list: { kind: 'json-ld', itemType: 'schema:Product' },
    fields: [
      { name: 'name', source: 'json', jsonPath: 'name' },
      { name: 'brand', source: 'json', jsonPath: 'brand' },
      { name: 'image', source: 'json', jsonPath: 'image', type: 'image' },
      { name: 'tags', source: 'json', jsonPath: 'keywords', all: true, separator: ', ' },
    ],
  });
  const r = extractRecords(s, page('microdata.html', 'https://shoes.example/'));
  assert.deepEqual(r.records[0], { name: 'Trail Shoe', brand: 'Peak', image: 'https://shoes.example/img/shoe.jpg', tags: 'running, trail' });
  assert.equal(r.records[1]!.name, 'Road Shoe');
  assert.equal(r.missing.brand, 1);
});

test('single-record page: typed jsonPath, meta keys, DOM fields and fallbacks', () => {
  const s = spec({
    fields: [
      { name: 'name', source: 'json', jsonPath: 'Product.name' },
      { name: 'price', source: 'json', jsonPath: 'Product.offers.price', type: 'price', fallbacks: [{ source: 'json', jsonPath: 'product:price:amount' }] },
      { name: 'low', source: 'json', jsonPath: 'Product.offers.lowPrice' },
      { name: 'site', source: 'json', jsonPath: 'WebSite.name' },
      { name: 'ogTitle', source: 'json', jsonPath: 'og:title' },
      { name: 'heading', selector: 'h1' },
      { name: 'missingType', source: 'json', jsonPath: 'Recipe.name' },
    ],
  });
  const r = extractRecords(s, page('jsonld-product.html', 'https://shop.example/p/em1'));
  assert.equal(r.records.length, 1);
  assert.deepEqual(r.records[0], {
    name: 'Espresso Machine',
    // The AggregateOffer has no `price`: the nested Offer's price is found through the offers array.
    price: as('399.00', 'price'),
    low: '379.00',
    site: 'Shop',
    ogTitle: 'Espresso Machine',
    heading: 'Espresso Machine',
    missingType: null,
  });
});

test('regex capture groups, fallbacks in order, own-text, detail extraction', () => {
  const fields = [
    { name: 'upc', selector: 'table tr:first-child td' },
    { name: 'stock', selector: '.availability', regex: '\\((\\d+) available\\)', type: 'number' },
    { name: 'sku', selector: '.sku-missing', fallbacks: [{ selector: '.also-missing' }, { selector: '.sku', source: 'own-text' }, { selector: '.sku span' }] },
    { name: 'skuCode', selector: '.nope', fallbacks: [{ selector: '.sku span', regex: 'SKU-(\\d+)' }] },
    { name: 'title', selector: 'title' },
    { name: 'desc', selector: '#product_description', source: 'html' },
    { name: 'nothing', selector: '.nope', regex: 'x' },
  ].map((f) => FieldSpec.parse(f as FieldSpecInput));
  const rec = extractDetail(fields, page('detail.html', 'https://books.example/catalogue/tipping/index.html'));
  assert.equal(rec.upc, '90fa61229261140a');
  assert.equal(rec.stock, as('20', 'number'));
  assert.equal(rec.sku, 'Ref:', 'own-text skips the child span; the first non-null fallback wins');
  assert.equal(rec.skuCode, '0042');
  assert.equal(rec.title, 'Tipping the Velvet');
  assert.match(String(rec.desc), /^<p>(&quot;|")Erotic/);
  assert.equal(rec.nothing, null);
});

test('page without list: document text excludes head/script; follow link resolved', () => {
  const s = spec({
    fields: [{ name: 'all', regex: 'In stock \\((\\d+)' }],
    follow: { linkSelector: '.pager .previous a', fields: [{ name: 'x', selector: 'h1' }] },
  });
  const r = extractRecords(s, page('detail.html', 'https://books.example/catalogue/tipping/index.html'));
  assert.equal(r.records[0]!.all, '20');
  assert.deepEqual(r.followUrls, ['https://books.example/catalogue/index.html']);
});

test('bad selectors and regexes are counted as missing, never thrown; validateSelectors names the path', () => {
  const s = spec({
    list: { kind: 'css', selector: 'article.product_pod' },
    fields: [
      { name: 'title', selector: 'h3 a', source: 'attr', attribute: 'title' },
      { name: 'broken', selector: 'div[' },
      { name: 'jq', selector: '.product_price p:last' },
      { name: 'badFallback', selector: '.nope', fallbacks: [{ selector: 'h3', regex: '(' }] },
    ],
    follow: { linkSelector: 'a[href', fields: [{ name: 'd', selector: '::nope(' }] },
    pagination: { kind: 'next-link', selector: 'li.next >>> a' },
  });
  const r = extractRecords(s, page('product-list.html'));
  assert.equal(r.records.length, 3);
  assert.equal(r.missing.broken, 3);
  assert.equal(r.missing.badFallback, 3);
  assert.equal(r.records[0]!.jq, 'In stock', 'jQuery extensions still work through cheerio');
  assert.deepEqual(r.followUrls, [null, null, null]);
  assert.ok(r.warnings.some((w) => w.includes('div[')));
  const errors = validateSelectors(s);
  assert.deepEqual(errors.map((e) => e.slice(0, e.indexOf(':'))), ['fields[1].selector', 'fields[3].fallbacks[0].regex', 'follow.linkSelector', 'follow.fields[0].selector', 'pagination.selector']);
  assert.match(errors[0]!, /^fields\[1\]\.selector: invalid selector "div\[": /);
  assert.deepEqual(validateSelectors(spec({ list: { kind: 'css', selector: 'li' }, fields: [{ name: 'a', selector: '> a' }] })), []);
  assert.doesNotThrow(() => findNextPageUrl(s.pagination!, page('product-list.html')));
});

test('next-link pagination and URL templates', () => {
  const next = (selector: string, p: LoadedPage) => findNextPageUrl({ kind: 'next-link', selector, attribute: 'href', maxPages: 50 }, p);
  assert.equal(next('li.next a', page('product-list.html')), 'https://books.example/catalogue/page-2.html');
  assert.equal(next('li.next a', page('detail.html')), null, 'href="#" points back at the page');
  assert.equal(next('a.missing', page('product-list.html')), null);
  const self = loadPage('https://x.example/list?page=3', '<a class="n" href="/list?page=3#top">next</a>');
  assert.equal(next('a.n', self), null);
  assert.equal(findNextPageUrl({ kind: 'infinite-scroll', maxScrolls: 3 }, self), null);
  assert.equal(pageUrlFromTemplate('https://x.example/list?page={page}&again={page}', 4), 'https://x.example/list?page=4&again=4');
});

test('recordKey: stable across key order, dedupeBy subset, null keys fall back to the whole record', () => {
  assert.equal(recordKey({ a: '1', b: 2 }), recordKey({ b: 2, a: '1' }));
  assert.notEqual(recordKey({ a: '1' }), recordKey({ a: 1 }));
  assert.equal(recordKey({ id: 'x', p: '1' }, ['id']), recordKey({ id: 'x', p: '2' }, ['id']));
  assert.notEqual(recordKey({ id: null, p: '1' }, ['id']), recordKey({ id: null, p: '2' }, ['id']));
});

test('structured data is parsed lazily and once', () => {
  const p = page('jsonld-product.html');
  const s = spec({ fields: [{ name: 'h', selector: 'h1' }] });
  extractRecords(s, p);
  const first = p.structured();
  assert.equal(p.structured(), first);
});

test('all: every match joined, each value coerced on its own', () => {
  const s = spec({
    fields: [
      { name: 'titles', selector: 'h3 a', source: 'attr', attribute: 'title', all: true, separator: '; ' },
      { name: 'links', selector: 'h3 a', source: 'attr', attribute: 'href', type: 'url', all: true },
      { name: 'none', selector: '.nope', all: true },
    ],
  });
  const [rec] = extractRecords(s, page('product-list.html')).records;
  assert.equal(rec!.titles, 'A Light in the Attic; Tipping the Velvet; Soumission');
  assert.equal(String(rec!.links).split(' | ')[2], 'https://books.example/catalogue/soumission/index.html');
  assert.equal(rec!.none, null);
});

test('hostile keys in page data do not reach prototypes', () => {
  const p = loadPage('https://x.example/', '<div itemscope itemtype="https://schema.org/Thing"><span itemprop="__proto__">x</span><span itemprop="constructor">c</span><meta itemprop="toString" content="t"></div>');
  const s = spec({ list: { kind: 'json-ld', itemType: 'Thing' }, fields: [{ name: 'c', source: 'json', jsonPath: 'constructor' }, { name: 'h', source: 'json', jsonPath: 'hasOwnProperty' }] });
  const r = extractRecords(s, p);
  assert.deepEqual(r.records, [{ c: 'c', h: null }]);
  assert.equal(p.structured().meta.toString, 't');
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('source "exists": the value when the selector matches, nothing otherwise; needs a selector and a value', () => {
  const shop = (button: string) => loadPage(SHOP, `<html><body><h1>Kettle</h1>${button}</body></html>`);
  const fields = [
    { name: 'availability', type: 'availability', source: 'exists', selector: 'button:contains("Add to cart"):not([disabled])', value: 'InStock' },
    { name: 'stock', selector: '.stock', fallbacks: [{ source: 'exists', selector: 'form.buy button', value: 'buyable' }] },
  ].map((f) => FieldSpec.parse(f as FieldSpecInput));
  const on = extractDetail(fields, shop('<form class="buy"><button>Add to cart</button><button>Add to cart</button></form>'));
  assert.equal(on.availability, 'InStock');
  assert.equal(on.stock, 'buyable', 'a fallback carries its own value');
  const off = extractDetail(fields, shop('<form class="buy"><button disabled>Add to cart</button></form>'));
  assert.equal(off.availability, null, 'a disabled button does not match: no value, not a guessed "out of stock"');
  assert.equal(extractDetail(fields, shop('<p>Sold out</p>')).stock, null);
  assert.equal(FieldSpec.safeParse({ name: 'x', source: 'exists', value: 'InStock' }).success, false);
  assert.equal(FieldSpec.safeParse({ name: 'x', source: 'exists', selector: 'button' }).success, false);
  assert.equal(FieldSpec.safeParse({ name: 'x', selector: '.a', fallbacks: [{ source: 'exists', value: 'y' }] }).success, false);
});

test('combine "any-in-stock": one offer that can be bought makes the product available', () => {
  const ld = (offers: string[], extra = '') => loadPage(SHOP, `<html><head><script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Coat",
    "offers":[${offers.map((a) => `{"@type":"Offer","price":"10","availability":"https://schema.org/${a}"}`).join(',')}]}</script>${extra}</head><body><h1>Coat</h1></body></html>`);
  const combined = FieldSpec.parse({ name: 'availability', type: 'availability', source: 'json', jsonPath: 'Product.offers.availability', all: true, combine: 'any-in-stock' });
  const plain = FieldSpec.parse({ name: 'joined', type: 'availability', source: 'json', jsonPath: 'Product.offers.availability', all: true });
  const first = FieldSpec.parse({ name: 'first', type: 'availability', source: 'json', jsonPath: 'Product.offers.availability' });
  const rec = extractDetail([combined, plain, first], ld(['OutOfStock', 'OutOfStock', 'InStock']));
  assert.equal(rec.availability, 'InStock');
  assert.equal(rec.first, 'OutOfStock', 'without combine a page path still reads the first offer');
  assert.equal(rec.joined, 'OutOfStock', 'and `all` alone keeps its old page-level reading');
  assert.equal(extractDetail([combined], ld(['SoldOut', 'Discontinued'])).availability, 'SoldOut', 'none in stock: the first says why');
  assert.equal(extractDetail([combined], ld(['OutOfStock', 'LimitedAvailability'])).availability, 'LimitedAvailability');
  // Another product's offers on the page (a related item) are not read.
  const related = '<script type="application/ld+json">{"@type":"Product","name":"Hat","offers":{"@type":"Offer","availability":"https://schema.org/InStock"}}</script>';
  assert.equal(extractDetail([combined], ld(['OutOfStock'], related)).availability, 'OutOfStock');
});
