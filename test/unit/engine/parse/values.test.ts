import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIELD_TYPES, type FieldType } from '../../../../src/domain/agent-spec.ts';
import type { RecordValue } from '../../../../src/engine/types.ts';
import { coerceValue, normalizeAvailability, parseLocaleNumber } from '../../../../src/engine/parse/values.ts';
import { parseDate } from '../../../../src/engine/parse/dates.ts';

const ctx = { baseUrl: 'https://shop.example.org/catalogue/page-2.html' };

function expectAll(type: FieldType, cases: Array<[string | null | undefined, RecordValue]>): void {
  for (const [raw, want] of cases) assert.equal(coerceValue(raw, type, ctx), want, `${type}: ${JSON.stringify(raw)}`);
}

test('every type: null, undefined and blank give null', () => {
  for (const type of FIELD_TYPES) for (const raw of [null, undefined, '', '  \n\t ']) assert.equal(coerceValue(raw, type, ctx), null, `${type} ${JSON.stringify(raw)}`);
});

test('text: whitespace collapsed and trimmed', () => {
  expectAll('text', [
    ['  Blue \n  cotton\tshirt ', 'Blue cotton shirt'],
    ['\u00a0Naïve café\u00a0', 'Naïve café'],
  ]);
});

test('number: locale-aware, returned as a JS number', () => {
  expectAll('number', [
    ['2.345,75', 2345.75],
    ['2,345.75', 2345.75],
    ['8,3', 8.3],
    ['3.5', 3.5],
    ['0.375', 0.375],
    ['4.500', 4500],
    ['12.345.678', 12345678],
    ['9 870 123', 9870123],
    ["12'500", 12500],
    ['−4,5 °C', -4.5],
    ['Size XL-40', 40],
    ['3 of 10 left', 3],
    ['312 reviews', 312],
    ['none', null],
  ]);
  assert.equal(parseLocaleNumber('1.234.567,8'), 1234567.8);
});

test('price: decimal amount string', () => {
  expectAll('price', [
    ['£42.10', '42.10'],
    ['Now 1.099,00 €', '1099.00'],
    ['Free', '0'],
    ['Call for price', null],
  ]);
});

test('currency: ISO code when the symbol is unambiguous, else the symbol as written', () => {
  expectAll('currency', [
    ['£', 'GBP'],
    ['€ 9,99', 'EUR'],
    ['US$', 'USD'],
    ['Kč', 'CZK'],
    ['eur', 'EUR'],
    ['kr', 'kr'],
    ['Rs. 450', 'Rs'],
    ['Currency of the order', null],
  ]);
});

test('url and image: absolute http(s) resolved against the page; srcset gives its first URL', () => {
  expectAll('url', [
    ['../item/7', 'https://shop.example.org/item/7'],
    ['?page=3', 'https://shop.example.org/catalogue/page-2.html?page=3'],
    ['//cdn.example.net/a', 'https://cdn.example.net/a'],
    ['http://other.example/x', 'http://other.example/x'],
    ['javascript:void(0)', null],
    ['mailto:sales@example.org', null],
  ]);
  expectAll('image', [
    ['media/cover.jpg', 'https://shop.example.org/catalogue/media/cover.jpg'],
    ['/s/small.webp 480w, /s/large.webp 1080w', 'https://shop.example.org/s/small.webp'],
    ['thumb.png 1x, thumb@2x.png 2x', 'https://shop.example.org/catalogue/thumb.png'],
    ['background-image: url("/hero.jpg")', 'https://shop.example.org/hero.jpg'],
    ['data:image/gif;base64,R0lGOD', null],
  ]);
});

test('date: ISO output from common formats, the text itself when unreadable', () => {
  expectAll('date', [
    ['2019-11-05', '2019-11-05'],
    ['2019-11-05T08:15:00+01:00', '2019-11-05T08:15:00+01:00'],
    ['05-11-2019', '2019-11-05'],
    ['05/11/2019', '2019-11-05'],
    ['11/25/2019', '2019-11-25'],
    ['5.11.2019 17:40', '2019-11-05T17:40:00'],
    ['November 5, 2019', '2019-11-05'],
    ['Nov 5th 2019, 9:30 pm', '2019-11-05T21:30:00'],
    ['5 november 2019', '2019-11-05'],
    ['5. März 2019', '2019-03-05'],
    ['le 1er décembre 2019', '2019-12-01'],
    ['5 de noviembre de 2019', '2019-11-05'],
    ['Reviewed on 17 mei 2018', '2018-05-17'],
    ['30/02/2019', '30/02/2019'],
    ['yesterday', 'yesterday'],
    ['2 weeks ago', '2 weeks ago'],
  ]);
  assert.equal(parseDate('Q3 2019'), null);
});

test('boolean: yes/no words and stock phrases; unknown text kept', () => {
  expectAll('boolean', [
    ['Yes', true],
    ['TRUE', true],
    ['1', true],
    ['ja', true],
    ['no', false],
    ['False', false],
    ['0', false],
    ['nee', false],
    ['In stock', true],
    ['Sold out', false],
    ['perhaps', 'perhaps'],
  ]);
});

test('rating: the number as written, or the number word as written, never invented', () => {
  expectAll('rating', [
    ['4.5', '4.5'],
    ['3,5 out of 5', '3.5'],
    ['8.1/10', '8.1'],
    ['Rated 4 out of 5 stars', '4'],
    ['9.0', '9.0'],
    ['star-rating Four', 'Four'],
    ['Two', 'Two'],
    ['five', 'Five'],
    ['excellent', 'excellent'],
  ]);
});

test('availability: schema.org values become their names, free text stays as shown', () => {
  expectAll('availability', [
    ['https://schema.org/InStock', 'InStock'],
    ['http://schema.org/OutOfStock', 'OutOfStock'],
    ['schema.org/BackOrder', 'BackOrder'],
    ['LimitedAvailability', 'LimitedAvailability'],
    ['instock', 'InStock'],
    ['  In stock (22 available) ', 'In stock (22 available)'],
    ['Op voorraad', 'Op voorraad'],
  ]);
});

test('normalizeAvailability: schema values and free text in several languages', () => {
  const cases: Array<[string | null, ReturnType<typeof normalizeAvailability>]> = [
    ['https://schema.org/InStock', 'InStock'],
    ['http://schema.org/SoldOut', 'OutOfStock'],
    ['OutOfStock', 'OutOfStock'],
    ['PreOrder', 'PreOrder'],
    ['In stock', 'InStock'],
    ['Available', 'InStock'],
    ['Usually ships in 24h', 'InStock'],
    ['Out of stock', 'OutOfStock'],
    ['SOLD OUT', 'OutOfStock'],
    ['Currently unavailable', 'OutOfStock'],
    ['Op voorraad', 'InStock'],
    ['Niet op voorraad', 'OutOfStock'],
    ['Auf Lager', 'InStock'],
    ['Nicht verfügbar', 'OutOfStock'],
    ['Disponible', 'InStock'],
    ['Indisponible', 'OutOfStock'],
    ['Épuisé', 'OutOfStock'],
    ['Agotado', 'OutOfStock'],
    ['Esaurito', 'OutOfStock'],
    ['Disponibile', 'InStock'],
    ['В наличии', 'InStock'],
    ['Only 3 left in stock', 'LimitedAvailability'],
    ['Nur noch 2 auf Lager', 'LimitedAvailability'],
    ['Pre-order now', 'PreOrder'],
    ['On backorder', 'BackOrder'],
    ['Discontinued', 'Discontinued'],
    ['Nicht mehr lieferbar', 'Discontinued'],
    ['Add to basket', null],
    [null, null],
  ];
  for (const [text, want] of cases) assert.equal(normalizeAvailability(text), want, JSON.stringify(text));
});

test('normalizeAvailability: a delivery promise means the item can be bought', () => {
  const cases: Array<[string, ReturnType<typeof normalizeAvailability>]> = [
    ['Usually ships within 3 to 4 days.', 'InStock'],
    ['Usually dispatched within 24 hours', 'InStock'],
    ['Habituellement expédié sous 3 à 4 jours.', 'InStock'],
    ['Versandfertig in 2 - 3 Werktagen', 'InStock'],
    ['Verzonden binnen 2 dagen', 'InStock'],
    ['Spedito entro 48 ore', 'InStock'],
    ['Se envía en 24 horas', 'InStock'],
    // A negative phrase still wins over the promise next to it.
    ['Currently unavailable. Usually ships within 2 weeks once restocked', 'OutOfStock'],
    ['Expédié par Acme', null],
  ];
  for (const [text, want] of cases) assert.equal(normalizeAvailability(text), want, JSON.stringify(text));
});
