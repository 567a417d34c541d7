import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AgentSpec } from '../../../src/domain/agent-spec.ts';
import { extractRecords, loadPage } from '../../../src/engine/extract/extract.ts';
import { analyzePage } from '../../../src/agent-builder/analysis/analyze.ts';
import { parsePrompt } from '../../../src/agent-builder/prompt/parse-prompt.ts';
import { parseFollowup } from '../../../src/agent-builder/prompt/followup.ts';
import { availabilityMeaning, scoreList, valuesEqual } from '../../../src/agent-builder/analysis/evaluate.ts';

const fx = (n: string): string => readFileSync(new URL(`../../fixtures/builder/${n}`, import.meta.url), 'utf8');
function build(file: string, prompt: string) {
  const url = `http://127.0.0.1:1/${file}`;
  const html = fx(file);
  const a = analyzePage(url, html, parsePrompt(prompt.replace('{{url}}', url)));
  const spec = AgentSpec.parse(a.spec);
  return { a, spec, out: extractRecords(spec, loadPage(url, html)) };
}

test('prompt: fields with synonyms, scope phrases', () => {
  const p = parsePrompt('Pull product name, price, and SKU from https://shop.example/products/ , first 3 pages, at most 50 records');
  assert.deepEqual(p.urls, ['https://shop.example/products/']);
  assert.deepEqual(p.fields, [{ name: 'product_name', concept: 'name' }, { name: 'price', concept: 'price' }, { name: 'sku', concept: 'sku' }]);
  assert.equal(p.scope.maxPages, 3);
  assert.equal(p.scope.maxRecords, 50);
  const r = parsePrompt('Get every review on http://x/r: reviewer, location, rating, date and text');
  assert.deepEqual(r.fields.map((f) => f.concept), ['author', 'location', 'rating', 'date', 'text']);
  assert.equal(parsePrompt('get the item number and cost from every page of http://a/x').scope.allPages, true);
  assert.deepEqual(parsePrompt('get the item number and cost from http://a/x').fields.map((f) => f.concept), ['sku', 'price']);
  assert.equal(parsePrompt('titles from http://a/ and follow each product page').scope.followItems, true);
  assert.equal(parsePrompt('only page 1 of http://a/').scope.maxPages, 1);
});

test('prompt: no URL and no fields are reported', () => {
  const p = parsePrompt('get the prices');
  assert.ok(p.problems.some((x) => x.startsWith('no URL found')));
  assert.ok(parsePrompt('scrape https://a.example/').problems.some((x) => /detected columns/.test(x)));
});

test('follow-ups: add, remove, rename, limits, follow', () => {
  const cur = [{ name: 'title', concept: 'name' as const }, { name: 'price', concept: 'price' as const }];
  const f = parseFollowup('add the brand; rename price to cost; remove title; only 2 pages; follow each product page', cur);
  assert.deepEqual(f.actions, [
    { kind: 'add-field', field: { name: 'brand', concept: 'brand' } },
    { kind: 'rename-field', from: 'price', to: 'cost' },
    { kind: 'remove-field', name: 'title' },
    { kind: 'limit-pages', maxPages: 2 },
    { kind: 'follow-items' },
  ]);
  assert.equal(parseFollowup('make it pretty', cur).problems.length, 1);
});

test('card list with microdata + pagination: spec extracts the records', () => {
  const { a, spec, out } = build('shop-list.html', 'Get the name, price, SKU and availability of every product from {{url}}');
  assert.equal(a.kind, 'list');
  assert.equal(out.records.length, 4);
  assert.equal(out.records[1]!['name'], 'Red Toaster');
  assert.ok(String(out.records[0]!['price']).includes('19'));
  assert.ok(String(out.records[2]!['sku']).includes('MX-3003'));
  assert.equal(spec.pagination?.kind, 'next-link');
  assert.ok(a.detailCandidates[0]!.endsWith('/p/1'));
});

test('table layout', () => {
  const { out } = build('table.html', 'all rows with name, city and date from {{url}}');
  assert.equal(out.records.length, 3);
  assert.equal(out.records[2]!['name'], 'Charlie station');
  assert.equal(out.records[1]!['city'], 'Gent, BE');
});

test('JSON-LD-only detail page', () => {
  const { a, out } = build('jsonld-product.html', 'Get the product name, price, currency, SKU, brand and availability from {{url}}');
  assert.equal(a.kind, 'detail');
  const r = out.records[0]!;
  assert.equal(r['product_name'], 'Trail Shoe X');
  assert.ok(valuesEqual(r['price'], '129.95', 'number'));
  assert.equal(r['sku'], 'TSX-42');
  assert.equal(r['brand'], 'Peakline');
});

test('a requested field that does not exist is reported, not guessed', () => {
  const { a } = build('shop-list.html', 'Get the name, price and phone number of every product from {{url}}');
  const phone = a.fieldReport.find((f) => f.field === 'phone_number')!;
  assert.equal(phone.found, false);
  assert.ok(phone.tried.length > 0);
  assert.ok(!a.spec.fields.some((f) => f.name === 'phone_number'));
});

test('evaluate: order matching by first field and compare rules', () => {
  const s = scoreList(['title', 'price'], { price: 'number' }, [{ title: 'A', price: '£1.50' }, { title: 'B', price: '2' }], [{ title: 'A', price: '1.5' }, { title: 'B', price: '3' }]);
  assert.equal(s[0]!.f1, 1);
  assert.equal(s[1]!.tp, 1);
});

test('detail page without markup: labels next to values, visible stock phrase, sign of the price', () => {
  const { a, out } = build('labels-product.html', 'Get the product name, price, currency, SKU, brand and availability from {{url}}');
  assert.equal(a.kind, 'detail');
  const r = out.records[0]!;
  assert.ok(valuesEqual(r['price'], '129', 'number'));
  assert.equal(r['currency'], 'EUR');
  // "Réf." in a spec table; the repeated "Article no." of the kit's parts names no single value.
  assert.equal(r['sku'], 'VD-500-EU');
  assert.equal(r['brand'], 'Voltra');
  // The hidden "Épuisé" notice and the related product's "Out of stock" do not count.
  assert.equal(availabilityMeaning(r['availability']), 'InStock');
});

test('related products in structured data are not the page: main item only, labels stripped, no guess', () => {
  const { a, out } = build('related-products.html', 'Get the product name, price, currency, SKU, brand and availability from {{url}}');
  const r = out.records[0]!;
  assert.equal(r['sku'], 'AL-77');
  assert.ok(valuesEqual(r['price'], '49', 'number'));
  assert.equal(r['currency'], 'GBP');
  // Lumix is the related lamp's brand; the page's own says "Brand: Lucent".
  assert.equal(r['brand'], 'Lucent');
  // Offers (sizes) disagree on availability: not the first offer's, but in stock because one can be bought.
  const av = a.spec.fields.find((f) => f.name === 'availability')!;
  assert.deepEqual([av.jsonPath, av.all, av.combine], ['Product.offers.availability', true, 'any-in-stock']);
  assert.equal(r['availability'], 'InStock');
});

test('list page: detailLinkSelector is the per-record link the engine follows', () => {
  const { a, spec } = build('link-list.html', 'Get the title and price of every book from {{url}}');
  assert.equal(a.kind, 'list');
  assert.ok(a.detailLinkSelector);
  const url = 'http://127.0.0.1:1/link-list.html';
  const withFollow = AgentSpec.parse({ ...spec, follow: { linkSelector: a.detailLinkSelector!, fields: [{ name: 'x', source: 'url' }] } });
  const res = extractRecords(withFollow, loadPage(url, fx('link-list.html')));
  assert.deepEqual(res.followUrls, ['/b/1', '/b/2', '/b/3', '/b/4'].map((p) => new URL(p, url).href));
});

test('evaluate: currencies and availability compared by meaning', () => {
  assert.ok(valuesEqual('RON', ['Lei'], 'any-of'));
  assert.ok(valuesEqual('EUR', ['€'], 'any-of'));
  assert.equal(availabilityMeaning('Disponível'), 'InStock');
  assert.equal(availabilityMeaning('Нет в наличии'), 'OutOfStock');
});

const DETAIL_PROMPT = 'Get the product name, price, SKU and availability from {{url}}';
function buildHtml(body: string, head = '', price = '€ 49,00', prompt = DETAIL_PROMPT) {
  const url = 'http://127.0.0.1:1/item.html';
  const html = `<html><head><title>Kettle K2</title>${head}</head><body><header><a href="/cart">My cart</a></header><main>
<h1>Kettle K2</h1><p class="price">${price}</p><p>SKU: KT-202</p>${body}</main></body></html>`;
  const a = analyzePage(url, html, parsePrompt(prompt.replace('{{url}}', url)));
  const out = extractRecords(AgentSpec.parse(a.spec), loadPage(url, html));
  return { a, r: out.records[0] ?? {}, av: a.spec.fields.find((f) => f.name === 'availability') };
}

test('availability: a delivery promise in an availability block counts as in stock', () => {
  const { a, r } = buildHtml('<div class="availability">Usually ships within 3 to 4 days.</div>');
  assert.equal(a.kind, 'detail');
  assert.equal(availabilityMeaning(r['availability']), 'InStock');
});

test('availability: offers that disagree with none in stock give nothing, not the first offer', () => {
  const ld = '<script type="application/ld+json">{"@type":"Product","name":"Kettle K2","offers":[{"@type":"Offer","price":"49","availability":"https://schema.org/OutOfStock"},{"@type":"Offer","price":"49","availability":"https://schema.org/Discontinued"}]}</script>';
  const { a, r } = buildHtml('', ld);
  assert.equal(a.fieldReport.find((f) => f.field === 'availability')!.found, false);
  assert.equal(r['availability'] ?? null, null);
});

test('availability: an enabled "Add to cart" button of the page itself means in stock, as a presence rule', () => {
  for (const button of ['<form action="/cart/add"><button type="submit">Add to cart</button></form>', '<input type="submit" value="Ajouter au panier">', '<a href="#buy" class="btn">In den Warenkorb</a> <a href="#now">Buy now</a>']) {
    const { a, r, av } = buildHtml(button);
    assert.equal(a.kind, 'detail', button);
    assert.equal(av?.source, 'exists', button);
    assert.equal(av?.value, 'InStock');
    assert.match(av!.selector!, /:not\(\[disabled\]\)$/);
    assert.equal(r['availability'], 'InStock', button);
  }
});

test('availability: no button rule for a disabled, hidden, header or related-product button, or a grid of them', () => {
  const cases = [
    '<button disabled>Add to cart</button>',
    '<button class="btn is-disabled">Add to cart</button>',
    '<div style="display:none"><button>Add to cart</button></div>',
    '<nav><a href="/cart">Add to cart</a></nav>',
    '<section class="related-products"><div><b>Mug</b><button>Add to cart</button></div></section>',
    '<ul><li>Mug <button>Add to basket</button></li><li>Cup <button>Add to basket</button></li><li>Jug <button>Add to basket</button></li></ul>',
    '<button>Buy MP3 album €9.49</button>',
    // A hidden copy the selector would also reach: at run time it could say in stock wrongly.
    '<button>Add to cart</button><div hidden><button>Add to cart</button></div>',
  ];
  for (const body of cases) {
    const { a, r } = buildHtml(body);
    assert.equal(a.fieldReport.find((f) => f.field === 'availability')!.found, false, body);
    assert.equal(r['availability'] ?? null, null, body);
  }
});

test('price shape: the tenge sign ("44 890 тг.", "₸") marks a visible price and its currency', () => {
  for (const price of ['44 890 тг.', '44 890 ₸']) {
    const { r } = buildHtml('', '', price, 'Get the product name, price, currency and SKU from {{url}}');
    assert.ok(valuesEqual(r['price'], '44890', 'number'), price);
    assert.equal(r['currency'], 'KZT', price);
  }
});

test('sku label in Romance word order: "ID Produto", "ID del producto"', () => {
  for (const label of ['ID Produto', 'ID del producto']) {
    const url = 'http://127.0.0.1:1/item.html';
    const html = `<html><head><title>Lamp L4</title></head><body><h1>Lamp L4</h1><p class="price">€ 19,90</p>
<table class="specs"><tr><td>Cor</td><td>Preto</td></tr><tr><td>${label}</td><td><span>884213</span></td></tr></table></body></html>`;
    const a = analyzePage(url, html, parsePrompt(`Get the product name, price and SKU from ${url}`));
    const r = extractRecords(AgentSpec.parse(a.spec), loadPage(url, html)).records[0] ?? {};
    assert.equal(r['sku'], '884213', label);
  }
});
