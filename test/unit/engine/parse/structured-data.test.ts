import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as cheerio from 'cheerio/slim';
import { extractStructuredData, findItems, getPath, itemSource, parseJsonLd } from '../../../../src/engine/parse/structured-data.ts';

const fixture = (name: string) => cheerio.load(readFileSync(new URL(`../../../fixtures/pages/${name}`, import.meta.url), 'utf8'));

test('JSON-LD ItemList: ListItems and their items are all items, typed or not', () => {
  const data = extractStructuredData(fixture('jsonld-list.html'));
  assert.equal(findItems(data, 'ItemList').length, 1);
  assert.equal(findItems(data, 'ListItem').length, 3);
  const products = findItems(data, 'product');
  assert.deepEqual(products.map((p) => p.name), ['Kettle', 'Toaster']);
  // The untyped item of the third ListItem is unwrapped too.
  assert.ok(data.items.some((i) => i.name === 'Mixer' && i['@type'] === undefined));
  assert.equal(getPath(products[0], 'offers.price'), '29.99');
  assert.equal(getPath(products[1], 'offers.price'), 49);
  assert.equal(data.meta.title, 'Category');
});

test('JSON-LD @graph, type arrays, schema.org prefixes, @value, meta tags', () => {
  const data = extractStructuredData(fixture('jsonld-product.html'));
  const [p] = findItems(data, 'https://schema.org/Product');
  assert.ok(p);
  assert.equal(findItems(data, 'Thing')[0], p);
  assert.equal(getPath(p, 'brand.name'), 'Brew');
  assert.equal(getPath(p, 'image'), 'https://shop.example/em1.jpg');
  assert.equal(getPath(p, 'image.1'), 'https://shop.example/em2.jpg');
  assert.equal(getPath(p, 'offers.offers.availability'), 'https://schema.org/InStock');
  assert.equal(getPath(p, 'description'), 'Makes coffee');
  assert.equal(getPath(p, 'SKU'), 'EM-1', 'keys fall back to a case-insensitive match');
  assert.equal(getPath(p, 'offers.nothing'), null);
  assert.equal(findItems(data, 'AggregateOffer').length, 1);
  assert.equal(findItems(data, 'Offer').length, 1);
  assert.equal(data.meta['og:title'], 'Espresso Machine');
  assert.equal(data.meta['product:price:amount'], '399.00');
  assert.equal(data.meta['twitter:card'], 'summary');
  assert.equal(data.meta.title, 'Espresso Machine | Shop');
  assert.deepEqual(data.warnings, []);
});

test('broken JSON-LD blocks are repaired or skipped independently', () => {
  const data = extractStructuredData(fixture('jsonld-broken.html'));
  const names = data.items.map((i) => `${i['@type']}:${i.name ?? i.price}`);
  assert.deepEqual(names, ['Organization:CData Org', 'Product:Line one\nline two', 'Offer:10.00', 'Event:Launch', 'WebPage:Valid page']);
  assert.equal(findItems(data, 'Product')[0]!.description, 'tab\there');
  assert.equal(findItems(data, 'Event')[0]!.url, 'https://example.com/launch', 'a // inside a string is not a comment');
  assert.equal(data.warnings.length, 1, 'only the hopeless block warns; the empty one is ignored');
  assert.match(data.warnings[0]!, /block 5/);
});

test('parseJsonLd repairs: concatenated values, unterminated value, HTML comment wrapper', () => {
  assert.deepEqual(parseJsonLd('{"a":1}\n{"b":2}'), [{ a: 1 }, { b: 2 }]);
  assert.deepEqual(parseJsonLd('{"a":[1,2,'), [{ a: [1, 2] }]);
  assert.deepEqual(parseJsonLd('<!-- {"a":"x"} -->'), [{ a: 'x' }]);
  assert.deepEqual(parseJsonLd('[{"a":"\\"q\\"",},]'), [[{ a: '"q"' }]]);
  assert.equal(parseJsonLd('not json'), null);
});

test('microdata: top-level items, nested scopes, property value rules', () => {
  const data = extractStructuredData(fixture('microdata.html'));
  const products = findItems(data, 'Product');
  assert.equal(products.length, 2);
  const [shoe, road] = products as [Record<string, unknown>, Record<string, unknown>];
  assert.equal(itemSource(shoe), 'microdata');
  assert.equal(shoe.name, 'Trail Shoe');
  assert.equal(shoe.image, '/img/shoe.jpg');
  assert.equal(shoe.url, '/p/shoe');
  assert.deepEqual(shoe.brand, { '@type': 'Brand', name: 'Peak' });
  assert.deepEqual(shoe.keywords, ['running', 'trail']);
  assert.equal(getPath(shoe, 'offers.price'), '89.90', 'content attribute wins over text');
  assert.equal(getPath(shoe, 'offers.priceCurrency'), 'USD');
  assert.equal(getPath(shoe, 'offers.availability'), 'https://schema.org/InStock');
  assert.equal(getPath(shoe, 'offers.priceValidUntil'), '2030-01-01');
  assert.equal(getPath(road, 'offers.price'), '$79.00');
  // Nested scopes are items too, like nested JSON-LD objects; but they are not top-level products.
  assert.equal(findItems(data, 'Offer').length, 2);
  assert.equal(data.meta.name, 'Page name');
  assert.equal(data.meta.title, 'Cards');
});

test('getPath tolerates non-objects and numeric leaves', () => {
  assert.equal(getPath(null, 'a'), null);
  assert.equal(getPath('x', 'a'), null);
  assert.equal(getPath({ a: [{ b: null }, { b: 3 }] }, 'a.b'), 3, 'first array element that has the path');
  assert.equal(getPath({ a: { '@value': '7' } }, 'a'), '7');
});
