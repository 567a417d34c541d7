import { existsSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currencyToIso, parseNumber, parsePrice, sameAmount } from '../../../../src/engine/parse/price.ts';
import { evaluatePrices, loadPriceCases } from '../../../../scripts/eval-prices.ts';

/** [text, hint, decimal separator, amount, currency] */
type Case = [string | null, string | null, string | null, string | null, string | null];

function check(cases: Case[]): void {
  for (const [text, hint, sep, amount, currency] of cases) {
    const got = parsePrice(text, hint, sep);
    assert.equal(got.amount, amount, `amount of ${JSON.stringify(text)} (hint ${hint}, sep ${sep})`);
    assert.equal(got.currency, currency, `currency of ${JSON.stringify(text)} (hint ${hint})`);
  }
}

test('thousands versus decimal separators', () => {
  check([
    ['24 560 Р', null, null, '24560', 'Р'],
    ['Rp 2.375.000', null, null, '2375000', 'Rp'],
    ['48 120,50 Kč', null, null, '48120.50', 'Kč'],
    ['3.499,95 €', null, null, '3499.95', '€'],
    ['$2,104.30', null, null, '2104.30', '$'],
    ['7,25 zł', null, null, '7.25', 'zł'],
    ['12,345', null, null, '12345', null],
    ['0,5', null, null, '0.5', null],
    ['₹2,15,999.00', null, null, '215999.00', '₹'],
    ["CHF 2'385.10", null, null, '2385.10', 'CHF'],
    ['SFr. 3’120,00', null, null, '3120.00', 'SFr'],
    ['$.49', null, null, '0.49', '$'],
    ['Cost: 1\u00a0450,00 kr', null, null, '1450.00', 'kr'],
    ['２，４８０円', null, null, '2480', '円'],
  ]);
});

test('three digits after a single separator: guessed as thousands unless the caller knows the locale', () => {
  check([
    ['58.000', null, null, '58000', null],
    ['58.000', null, '.', '58.000', null],
    ['58.000', null, ',', '58000', null],
    ['4,250', null, ',', '4.250', null],
    ['12.999 Ft', null, null, '12999', 'Ft'],
  ]);
});

test('the euro sign as decimal point', () => {
  check([
    ['2,480€ 75', null, null, '2480.75', '€'],
    ['19€95', null, null, '19.95', '€'],
    ['19€ 95', null, null, '19.95', '€'],
    ['19 € 950 Stück', null, null, '19', '€'],
    ['49 €, 39 €', null, null, '49', '€'],
  ]);
});

test('free, percentages and text without a price', () => {
  check([
    ['FREE', null, null, '0', null],
    ['Gratis / free delivery', null, null, '0', null],
    ['30% off', null, null, null, null],
    ['-15%', null, null, null, null],
    ['Price on request', null, null, null, null],
    ['', 'USD', null, null, 'USD'],
    [null, 'Kč', null, null, 'Kč'],
  ]);
});

test('ranges and several numbers give the first amount, unless words separate it from the priced one', () => {
  check([
    ['15 - 30 €', null, null, '15', '€'],
    ['£8.50 – £12.00', null, null, '8.50', '£'],
    ['$5 to $9', null, null, '5', '$'],
    ['from 12,90 € to 19,90 €', null, null, '12.90', '€'],
    ['2 Hefte für nur 9,80 EUR', null, null, '9.80', 'EUR'],
    ['Now 17.99 USD (was 24.99 USD)', null, null, '17.99', 'USD'],
  ]);
});

test('currency from symbols, codes and the hint; the text wins over the hint', () => {
  check([
    ['12.99', 'Prices in GBP', null, '12.99', 'GBP'],
    ['12.99 €', 'GBP', null, '12.99', '€'],
    ['SGD$ 15.00', null, null, '15.00', 'SGD'],
    ['NZD 15.00', '$', null, '15.00', 'NZD'],
    ['ALL PRICES 15.00', '$', null, '15.00', '$'],
    ['Prix : 24,00', 'Euro', null, '24.00', 'Euro'],
    ['HK$ 480', null, null, '480', 'HK$'],
    ['R$ 1.299,90', null, null, '1299.90', 'R$'],
    ['2 350 руб.', null, null, '2350', 'руб.'],
    ['4 990 рублей', null, null, '4990', 'руб'],
    ['1 200 грн', null, null, '1200', 'грн'],
    ['35 lei', null, null, '35', 'lei'],
    ['R149.00', null, null, '149.00', 'R'],
    ['8.40 euros', null, null, '8.40', 'euro'],
  ]);
});

test('currency symbols are not found inside ordinary words', () => {
  // "труба" (pipe) holds "руб", "товара" holds "р": neither is a rouble.
  check([
    ['Труба 40 мм', null, null, '40', null],
    ['Артикул товара: 5521', null, null, '5521', null],
  ]);
});

test('measurements and dates without a currency are not prices', () => {
  check([
    ['12.5 ft', null, null, null, null],
    ['750 ml', null, null, null, null],
    ['March 2019', null, null, null, null],
    ['12.5 ft', '$', null, '12.5', '$'],
  ]);
});

test('amounts are decimal strings exactly as written, never floats', () => {
  assert.equal(parsePrice('0.10 + tax').amount, '0.10');
  assert.equal(parsePrice('2.30000000000000004441').amount, '2.30000000000000004441');
  assert.equal(parsePrice('0007.50').amount, '7.50');
  assert.equal(parseNumber('1 234,5'), '1234.5');
  assert.equal(parseNumber('abc'), null);
  assert.ok(sameAmount('12.50', '12.5'));
  assert.ok(!sameAmount('12.05', '12.5'));
  assert.equal(parsePrice('Total: $19.99 incl. VAT').amountText, '19.99');
});

test('currencyToIso: unambiguous symbols, the usual conventions, codes pass through', () => {
  const cases: Array<[string, string | null]> = [
    ['£', 'GBP'], ['€', 'EUR'], ['$', 'USD'], ['US$', 'USD'], ['C$', 'NIO'], ['CA$', 'CAD'], ['R$', 'BRL'], ['zł', 'PLN'],
    ['Kč', 'CZK'], ['₽', 'RUB'], ['руб.', 'RUB'], ['¥', 'JPY'], ['CN¥', 'CNY'], ['円', 'JPY'], ['₹', 'INR'], ['Ft', 'HUF'],
    ['SFr', 'CHF'], ['EUR', 'EUR'], ['usd', 'USD'], ['SEK', 'SEK'], [' chf ', 'CHF'], ['euro', 'EUR'], ['тг.', 'KZT'],
    ['kr', null], ['Kr', null], ['Rs', null], ['₨', null], ['Br', null], ['ABC', null], ['', null], ['money', null],
  ];
  for (const [sym, iso] of cases) assert.equal(currencyToIso(sym), iso, `currencyToIso(${JSON.stringify(sym)})`);
});

/** Reached 100.0% on the 1,042 non-xfail cases; the margin absorbs a deliberate trade-off or two. */
const MIN_NON_XFAIL_AMOUNT_ACCURACY = 0.99;
const MIN_NON_XFAIL_CURRENCY_ACCURACY = 0.99;

test('price-parser golden strings: accuracy on the non-xfail sets holds', (t) => {
  const path = process.env.PRICE_STRINGS ?? '/work/shared/fixtures/price-strings/price-strings.json';
  if (!existsSync(path)) {
    t.skip(`price-strings fixture not found at ${path} (set PRICE_STRINGS)`);
    return;
  }
  const r = evaluatePrices(loadPriceCases(path));
  const { total, amountOk, currencyOk } = r.nonXfail;
  assert.ok(total > 1000, `expected the full fixture, got ${total} non-xfail cases`);
  t.diagnostic(`non-xfail: amount ${amountOk}/${total}, currency ${currencyOk}/${total}`);
  assert.ok(amountOk / total >= MIN_NON_XFAIL_AMOUNT_ACCURACY, `amount accuracy ${amountOk}/${total}`);
  assert.ok(currencyOk / total >= MIN_NON_XFAIL_CURRENCY_ACCURACY, `currency accuracy ${currencyOk}/${total}`);
});
