/**
 * Price parsing: "1 298,00 €" → { amount: "1298.00", currency: "€", amountText: "1 298,00" }.
 *
 * The algorithm is a TypeScript port of scrapinghub/price-parser (BSD-3-Clause, © Scrapinghub), whose
 * test tables are our golden cases (scripts/eval-prices.ts: 100% on the 1,042 cases it passes itself).
 * Deliberate differences, each for a case the original gets wrong:
 * - letter-edged symbols must not touch other letters ("руб" is not in "труба");
 * - a single capital letter is a currency when the text is just it and a number ("R273.00");
 * - an ISO code in the price beats a symbol in the hint;
 * - when words separate the first number from the one next to the currency, the latter is the price
 *   ("3 issues for only 14,85 EUR"); ranges still give their first amount;
 * - without a currency, measurements ("16.00 ft") and dates ("July, 2004") are not prices;
 * - apostrophe digit groups ("1'049,95"), fullwidth and other Unicode digits, more symbols (원, 円, 元...).
 *
 * Amounts are decimal strings, never floats: a float turns 0.1 + 0.2 into 0.30000000000000004 and
 * "1.11000000000000009770" into something else than what the page said.
 */

export interface ParsedPrice {
  /** Decimal string ("1235.99", "0" for "Free"), or null when the text holds no price. */
  amount: string | null;
  /** The currency symbol or code as it appears in the text or the hint ("€", "US$", "EUR"); null if none. */
  currency: string | null;
  /** The part of the text the amount was read from ("1 298,00"). */
  amountText: string | null;
}

/**
 * Parses a price from text found on a page.
 * @param currencyHint text near the price (a separate currency element, a column header): searched
 *   for a currency after the price text itself.
 * @param decimalSeparator "." or "," when the site's locale is known: "34.000" is 34 with ".", 34000
 *   with ","; without it the separator is guessed (3 digits after it → thousands).
 */
export function parsePrice(text: string | null | undefined, currencyHint?: string | null, decimalSeparator?: string | null): ParsedPrice {
  const price = text == null ? null : normalizeDigits(text);
  const hint = currencyHint ?? null;
  const currency = (extractCurrencySymbol(price, hint) ?? loneLetterCurrency(price) ?? loneLetterCurrency(hint))?.trim() || null;
  let amountText = price == null ? null : extractPriceText(price, currency);
  // Without any currency, "16.00 ft" or "July, 2004" is a measurement or a date, not a price.
  if (amountText !== null && currency === null && price !== null && (MEASUREMENT_RE.test(price) || DATE_RE.test(price))) amountText = null;
  const amount = amountText == null ? null : parseNumber(amountText, decimalSeparator ?? null);
  return { amount, currency, amountText };
}

const MEASUREMENT_RE = /^\D*?\d[\d\s.,]*\s?(?:ft|feet|foot|inch|inches|cm|mm|km|m|kg|g|lbs?|oz|ml|cl|sq\.?\s?ft|m²|m2|")(?![\p{L}\d])/iu;
const DATE_RE =
  /^\s*(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(?:\d{1,2},?\s+)?\d{4})\s*$/i;

/**
 * A single capital letter is a currency only when the whole text is that letter and a number ("R273.00",
 * "200 Q", "1 P"): anywhere else such letters are initials, sizes or units, which is why the original
 * never matches them.
 */
function loneLetterCurrency(s: string | null): string | null {
  const m = s ? /^\s*(?:([DEFGLPQR])\s?\.?\d[\d\s.,]*|\.?\d[\d\s.,]*?\s?([DEFGLPQR]))\s*$/u.exec(s) : null;
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/**
 * ISO 4217 code for a currency symbol or code: "£" → "GBP", "US$" → "USD", "eur" → "EUR", "NOK" → "NOK".
 * Null when unknown or ambiguous ("kr" is DKK, NOK, SEK or ISK; "Br" is BYN or ETB). "$", "£" and "¥"
 * are ambiguous too, but a page showing a bare "$" means USD far more often than not, so they map to
 * USD, GBP and JPY like most shops' feeds assume.
 */
export function currencyToIso(symbolOrCode: string): string | null {
  const s = symbolOrCode.replace(/\s+/g, ' ').trim().replace(/\u200f/g, '');
  if (!s) return null;
  const exact = SYMBOL_TO_ISO.get(s);
  if (exact !== undefined) return exact;
  const upper = s.toUpperCase();
  if (/^[A-Z]{3}$/.test(upper) && CODE_SET.has(upper)) return upper;
  const folded = SYMBOL_TO_ISO.get(s.toLowerCase()) ?? SYMBOL_TO_ISO.get(s.replace(/\.$/, ''));
  return folded ?? null;
}

// ---------------------------------------------------------------------------------------------
// Currency detection

/**
 * ISO code | main symbol | native symbol | other spellings; ";" between entries. From price-parser's
 * table (itself from ISO 4217 and xe.com), including the currencies the euro replaced, which still
 * show up on listings ("DEM 170 000"). "-" means none.
 */
const TABLE = `
AED|AED|د.إ.; AFN|Af|؋; ALL|ALL|Lek; AMD|AMD|դր.; ANG|ƒ|ƒ; AOA|Kz|Kz; ARS|AR$|$; AUD|AU$|$; AWG|ƒ|ƒ;
AFL|Afl.|Afl.; AZN|man.|ман.; BAM|KM|KM; BDT|Tk|৳; BBD|Bds$|$; BGN|BGN|лв.; BHD|BD|د.ب.; BIF|FBu|FBu;
BSD|$|$; BMD|$|$; BND|BN$|$; BOB|Bs|Bs; BOV|-|-; BRL|R$|R$; BTN|Nu.|Nu.; BWP|BWP|P; BYN|Br|Br; BZD|BZ$|$;
CAD|CA$|$; CDF|CDF|FrCD; CHE|-|-; CHF|CHF|CHF|Fr.; CHW|-|-; CLF|UF|UF; CLP|CL$|$; CNY|CN¥|CN¥; COP|CO$|$;
COU|-|-; CRC|₡|₡; CUC|CUC$|$; CUP|₱|₱; CVE|CV$|CV$; CZK|Kč|Kč; DJF|Fdj|Fdj; DKK|Dkr|kr; DOP|RD$|RD$;
DZD|DA|د.ج.; EGP|EGP|ج.م.; ERN|Nfk|Nfk; ETB|Br|Br; EUR|€|€; FJD|$|$; FKP|£|£; GBP|£|£; GEL|GEL|GEL;
GGP|£|£; GHS|GH₵|GH₵; GIP|£|£; GMD|D|D; GNF|FG|FG; GTQ|GTQ|Q; GYD|$|$; HKD|HK$|$; HNL|HNL|L; HRK|kn|kn;
HTG|G|G; HUF|Ft|Ft; IDR|Rp|Rp; ILS|₪|₪; IMP|£|£; INR|Rs|টকা|₹|र; IQD|IQD|د.ع.; IRR|IRR|﷼|ریال; ISK|Ikr|kr;
JEP|£|£; JMD|J$|$; JOD|JD|د.أ.; JPY|¥|￥; KES|Ksh|Ksh; KGS|лв|лв; KHR|KHR|៛; KMF|CF|FC; KPW|₩|₩; KRW|₩|₩;
KWD|KD|د.ك.; KYD|$|$; KZT|KZT|тңг.; LAK|₭|₭; LBP|LB£|ل.ل.; LKR|SLRs|SL Re; LRD|$|$; LSL|L|L; LYD|LD|د.ل.;
MAD|MAD|د.م.; MDL|MDL|MDL; MGA|MGA|MGA; MKD|MKD|MKD; MMK|MMK|K; MNT|₮|₮; MOP|MOP$|MOP$; MRO|UM|UM;
MUR|MURs|MURs; MVR|MRf|Rf; MWK|MK|MK; MXN|MX$|$; MXV|-|-; MYR|RM|RM; MZN|MTn|MTn; NAD|N$|N$; NGN|₦|₦;
NIO|C$|C$; NOK|Nkr|kr; NPR|NPRs|नेरू; PRB|руб|руб; NZD|NZ$|$; OMR|OMR|ر.ع.; PAB|B/.|B/.; PEN|S/.|S/.;
PGK|K|K; PHP|₱|₱; PKR|PKRs|₨; PLN|zł|zł|pln; PYG|₲|₲; QAR|QR|ر.ق.; RON|RON|RON|lei|leu|Lei|LEI;
RSD|din.|дин.; RUB|RUB|руб.; RWF|RWF|FR; SAR|SR|ر.س.; SBD|$|$; SCR|₨|₨; SDG|SDG|SDG; SEK|Skr|kr; SGD|S$|$;
SHP|£|£; SLL|Le|Le; SOS|Ssh|Ssh; SRD|$|$; SSP|SSP|SSP; STD|Db|Db; SVC|$|$; SYP|SY£|ل.س.; SZL|L|L; THB|฿|฿;
TJS|-|-; TMT|T|T; TND|DT|د.ت.; TOP|T$|T$; TRY|TL|TL; TTD|TT$|$; TVD|$|$; TWD|NT$|NT$; TZS|TSh|TSh;
UAH|₴|₴; UGX|USh|USh; USD|$|$; USN|$|$; UYI|UYI|UYI; UYU|$U|$; UZS|UZS|UZS; VEF|Bs.F.|Bs.F.; VND|₫|₫|đ;
VUV|VT|VT; WST|WS$|$; XAF|FCFA|FCFA; XAG|XAG|XAG; XAU|XAU|XAU; XBA|XBA|XBA; XBB|XBB|XBB; XBC|XBC|XBC;
XBD|XBD|XBD; XCD|$|$; XDR|XDR|XDR; XOF|CFA|CFA; XPD|XPD|XPD; XPF|CFP|CFP; XPT|XPT|XPT; XSU|Sucre|Sucre;
XTS|XTS|XTS; XUA|XUA|XUA; XXX|XXX|XXX; YER|YR|ر.ي.; ZAR|R|R; ZMK|ZK|ZK; ZMW|ZK|ZK; ZWD|Z$|Z$; ZWL|$|$;
ATS|öS|öS; BEF|fr.|fr.; CYP|CYP|£; DEM|DM|D-Mark; NLG|fl.|ƒ; EEK|kr|kroon; FIM|FIM|mk.; FRF|F|₣;
GRD|GRD|Δρχ.|Δρ.|₯; IEP|IR£|£; ITL|L|₤; LVL|Ls|LVL; LTL|Lt|LTL|litų; LUF|F|LUF; MTL|Lm|₤; PTE|$|$;
SKK|SKK|Sk; SIT|SIT|SIT|tolarjev; ESP|Pta|Ptas|₧|Pts|Pt; VAL|£|₤`;

const ENTRIES: ReadonlyArray<readonly [code: string, symbol: string, native: string, ...other: string[]]> = TABLE.split(';').map((e) => {
  const [code = '', symbol = '-', native = '-', ...other] = e.trim().split('|');
  return [code, symbol, native, ...other] as const;
});
const CURRENCY_CODES = ENTRIES.map((e) => e[0]);
const CURRENCY_SYMBOLS = ENTRIES.map((e) => e[1]);
const NATIONAL_SYMBOLS = ENTRIES.flatMap((e) => e.slice(2));

/**
 * Spellings missing from price-parser's table that real listings use. Only searched for after the safe
 * symbols, like the table's own abbreviations.
 */
const EXTRA: ReadonlyArray<readonly [code: string | null, ...symbols: string[]]> = [
  ['KRW', '원'], ['JPY', '円', 'yen'], ['CNY', '元', 'RMB', '人民币', 'yuan'], [null, '圆', '圓'], ['EGP', 'جنيه', 'E£', 'ج.م'],
  ['AED', 'درهم', 'د.إ'], ['SAR', 'ريال', 'ر.س'], ['THB', 'บาท'], ['CAD', 'CAN$'], ['PLN', 'zl'], ['GEL', 'ლ', 'ლარი', 'lari'],
  ['MKD', 'ден', 'ДЕН', 'mkd'], ['DZD', 'دج', 'د.ج'], ['BHD', '.د.ب'], ['KWD', 'د.ك', 'دينار كويتي'], ['LYD', 'ل.د', 'د.ل'],
  ['IQD', 'ع.د', 'د.ع'], ['KES', 'KSh', 'KShs'], ['RWF', 'FRw', 'R₣'], ['ERN', 'ናቕፋ', 'نافكا'], ['ETB', 'ብር'], ['BOB', '$b'],
  ['GHS', '₵'], ['TND', 'د.ت'], ['SDG', 'ج.س.', 'ج.س'], ['JOD', 'د.أ', 'د.ا', 'دينار أردني'], ['MAD', 'د.م'], ['OMR', 'ر.ع'],
  ['QAR', 'ر.ق'], ['YER', 'ر.ي'], ['SYP', 'ل.س'], ['LBP', 'ل.ل'], ['ILS', 'ש״ח', 'ש"ח', "ש'ח", 'ش.ج', 'nis', 'NIS'],
  ['SOS', 'ش.ص'], ['LKR', 'රු'], ['GBP', '￡', 'stg'], ['KZT', 'тг'], ['RSD', 'дин', 'Дин'], ['UAH', 'hrn'], ['AOA', 'kwz'],
  ['UZS', "so'm"], ['CHF', 'SFr', 'CHf', 'chf'], ['GNF', 'GFr'], ['BIF', 'Fbu'], ['NZD', 'nzd'], ['VND', 'VNĐ'], ['VUV', 'Vt'],
  ['MMK', 'Ks'], ['TWD', 'NT'], ['BTN', 'Nu'], ['PEN', 'S/'], ['GYD', 'G$', 'GY$'], ['AUD', 'AU $'], ['USD', 'US $'],
  ['USD', 'usd'], ['GBP', 'gbp'], ['AUD', 'aud'], ['SEK', 'sek'], ['NOK', 'nok'], ['DKK', 'dkk'], ['CZK', 'czk'], ['HUF', 'huf'],
  [null, '¢', 'franc', 'francs', 'Kr', 'ரூ', 'دينار', 'pound', 'pounds', 'som', 'din', 'Rbl', 'Dh', 'Dhs', 'Esc', 'BTC', 'Ƀ', 'GBp', 'Re', 'Sl', 'SPL', 'Sʻ', "S'"],
  // ISO codes newer than the table
  ['VES', 'VES'], ['VED', 'VED'], ['STN', 'STN'], ['MRU', 'MRU'], ['SLE', 'SLE'], ['ZWG', 'ZWG'], ['XCG', 'XCG'], ['UYW', 'UYW'],
  // Not added: "q", "Ar", "RF", "MT", "км", "с": they are also units or ordinary words. Single capital
  // letters are handled by loneLetterCurrency.
];
const EXTRA_SYMBOLS = EXTRA.flatMap((e) => e.slice(1) as string[]);

/** Symbol → ISO code where the symbol names one currency; conventions for the big ambiguous ones. */
const SYMBOL_TO_ISO: ReadonlyMap<string, string> = (() => {
  const codes = new Map<string, Set<string>>();
  const add = (sym: string, code: string): void => {
    if (sym === '-') return;
    const set = codes.get(sym) ?? new Set<string>();
    set.add(code);
    codes.set(sym, set);
  };
  for (const [code, ...syms] of ENTRIES) for (const s of syms) add(s, code);
  for (const [code, ...syms] of EXTRA) for (const s of syms) add(s, code ?? '?');
  const out = new Map<string, string>();
  for (const [sym, set] of codes) if (set.size === 1 && !set.has('?')) out.set(sym, [...set][0]!);
  const conventions: Array<[string, string]> = [
    ['$', 'USD'], ['US$', 'USD'], ['£', 'GBP'], ['¥', 'JPY'], ['₽', 'RUB'], ['руб.', 'RUB'], ['руб', 'RUB'], ['р.', 'RUB'],
    ['₩', 'KRW'], ['₱', 'PHP'], ['₺', 'TRY'], ['₹', 'INR'], ['₸', 'KZT'], ['₾', 'GEL'], ['֏', 'AMD'], ['₼', 'AZN'],
    ['euro', 'EUR'], ['eur', 'EUR'], ['A$', 'AUD'], ['грн.', 'UAH'], ['грн', 'UAH'], ['лв.', 'BGN'], ['Zł', 'PLN'],
    ['zł', 'PLN'], ['Kc', 'CZK'], ['R', 'ZAR'],
  ];
  for (const [sym, code] of conventions) out.set(sym, code);
  // Shared by several currencies: no guess ("Rs" is also the Pakistani, Sri Lankan and Nepalese rupee).
  for (const sym of ['Rs', 'kr', 'Kr', 'Br', 'L', 'K', 'ƒ', '₨', '₤', 'F', 'fr.', 'Fr.']) out.delete(sym);
  return out;
})();

const CODE_SET = new Set([...CURRENCY_CODES, ...EXTRA.filter((e) => /^[A-Z]{3}$/.test(e[1] ?? '')).map((e) => e[1]!)]);

/**
 * Finds the leftmost symbol in a text; at one position the first in list order wins (regex alternation
 * semantics, as in the original). Unlike the original, a symbol that begins or ends with a Latin,
 * Cyrillic or Greek letter must not touch another letter there: otherwise "руб" is found in "труба"
 * (pipe) and "р" in "товара". Scripts written without spaces (円税込) keep plain substring matching.
 * A hand-written scan instead of one big alternation: V8 took seconds to compile ~400 alternatives
 * with look-arounds under the u flag.
 */
function symbolFinder(symbols: readonly string[]): (s: string) => string | null {
  const byFirst = new Map<string, Array<{ sym: string; before: boolean; after: boolean }>>();
  for (const sym of symbols) {
    const first = sym[0];
    if (first === undefined) continue;
    const list = byFirst.get(first) ?? [];
    list.push({ sym, before: SPACED_LETTER.test(first), after: SPACED_LETTER.test(sym.at(-1)!) && !STEMS.has(sym) });
    byFirst.set(first, list);
  }
  return (s) => {
    for (let i = 0; i < s.length; i++) {
      for (const c of byFirst.get(s[i]!) ?? []) {
        if (!s.startsWith(c.sym, i)) continue;
        if (c.before && i > 0 && LETTER.test(s[i - 1]!)) continue;
        const end = i + c.sym.length;
        if (c.after && end < s.length && LETTER.test(s[end]!)) continue;
        return c.sym;
      }
    }
    return null;
  };
}

/** Symbols that are word stems: "рублей", "гривень", "euros", "złotych" are still that currency. */
const STEMS = new Set(['руб', 'грн', 'динар', 'euro', 'Euro', 'zł', 'Zł', 'Dinara', 'franc', 'pound', 'yuan', 'lari']);
const SPACED_LETTER = /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]/u;
const LETTER = /\p{L}/u;

/**
 * Symbols that mean a currency wherever they appear, in priority order (longer "$" variants before
 * "$": alternation takes the first alternative that matches at a position).
 */
const SAFE_SYMBOLS: readonly string[] = [
  'Bds$', 'CUC$', 'MOP$', 'CAN$', 'AU $', 'US $', 'GY$', 'R₣',
  'AR$', 'AU$', 'BN$', 'BZ$', 'CA$', 'CL$', 'CO$', 'CV$', 'HK$', 'MX$', 'NT$', 'NZ$', 'TT$', 'RD$', 'WS$', 'US$',
  '$U', '$b', 'C$', 'G$', 'J$', 'N$', 'R$', 'S$', 'T$', 'Z$', 'A$',
  'SY£', 'LB£', 'CN¥', 'GH₵', 'E£',
  '$', '€', '£', 'zł', 'Zł', 'Kč', '₽', '¥', '￥',
  '฿', 'դր.', 'դր', '₦', '₴', '₱', '৳', '₭', '₪', '﷼', '៛', '₩', '₫', '₡', 'টকা', 'ƒ', '₲', '؋', '₮', 'नेरू', '₨',
  '₶', '₾', '֏', 'ރ', '৲', '૱', '௹', '₠', '₢', '₣', '₤', '₧', '₯', '₰', '₳', '₷', '₸', '₹', '₺', '₼', '₿', 'ℳ',
  ...['ر.ق.', 'د.ك.', 'د.ع.', 'ر.ع.', 'ر.ي.', 'ر.س.', 'د.ج.', 'د.م.', 'د.إ.', 'د.ت.', 'د.ل.', 'ل.س.', 'د.ب.', 'د.أ.', 'ج.م.', 'ل.ل.'].map((s) => `${s}\u200f`),
  ' تومان', 'تومان',
  // common words and abbreviations considered unambiguous
  'EURO', 'Euro', 'EUR', 'euro', 'eur', 'CHF', 'DKK', 'Rp', 'lei',
  'руб.', 'руб', 'грн.', 'грн', 'дин.', 'Dinara', 'динар', 'лв.', 'лв', 'р.', 'тңг', 'тңг.', 'ман.',
];

/**
 * Codes ending in D are dollars, written "SGD$12" or "NZD $12": the code must win over the "$" that
 * follows it. Word boundaries are spelled out because JS `\b` is ASCII-only even with the u flag.
 */
const DOLLAR_CODE_RE = new RegExp(
  `(?<![\\p{L}\\p{N}_])(?:${CURRENCY_CODES.filter((c) => c.endsWith('D')).join('|')})(?=\\$?(?:[^\\p{L}\\p{N}_]|\\d|$))`,
  'u',
);

/** Codes, symbols and abbreviations that are only trusted after the safe ones found nothing. */
const UNSAFE_SYMBOLS: readonly string[] = (() => {
  const safe = new Set(SAFE_SYMBOLS);
  const all = new Set([...CURRENCY_CODES, ...CURRENCY_SYMBOLS, ...NATIONAL_SYMBOLS, ...EXTRA_SYMBOLS, 'р', 'Р']);
  // "-" and "XXX" are placeholders in the table; lone capital letters match too much prose.
  return [...all].filter((s) => !safe.has(s) && s !== '-' && s !== 'XXX' && !/^[A-Z]$/.test(s)).sort((a, b) => b.length - a.length);
})();

const findSafe = symbolFinder(SAFE_SYMBOLS);
const findUnsafe = symbolFinder(UNSAFE_SYMBOLS);
// Codes that are also English words in capitals ("ALL PRICES", "TOP SELLER") do not get that priority.
const CODES_THAT_ARE_WORDS = new Set(['XXX', 'ALL', 'TOP', 'TRY', 'CUP', 'PEN', 'MAD', 'BOB', 'GEL', 'SOS', 'MOP', 'BAM', 'CAD', 'LAK', 'FIM', 'VAL', 'ESP']);
const ISO_CODE_RE = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${CURRENCY_CODES.filter((c) => /^[A-Z]{3}$/.test(c) && !CODES_THAT_ARE_WORDS.has(c)).join('|')})(?![\\p{L}_])`, 'u');
const findIsoCode = (s: string): string | null => ISO_CODE_RE.exec(s)?.[0] ?? null;
const findDollarCode = (s: string): string | null => DOLLAR_CODE_RE.exec(s)?.[0] ?? null;

function extractCurrencySymbol(price: string | null, hint: string | null): string | null {
  const attempts: Array<[(s: string) => string | null, string | null]> = [];
  // The price wins over the hint, and a "XXD$" code wins over a bare "$".
  if (price && price.includes('$')) attempts.push([findDollarCode, price]);
  if (hint && hint.includes('$')) attempts.push([findDollarCode, hint]);
  // An ISO code written in the price ("NZD 15.00") beats a symbol in the hint ("$" in a column header).
  attempts.push([findSafe, price], [findIsoCode, price], [findSafe, hint], [findUnsafe, price], [findUnsafe, hint]);
  for (const [find, s] of attempts) {
    const found = s ? find(s) : null;
    if (found) return found;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Amount

/** Zeros of the digit blocks seen on shop pages; Python's `\d` (which the original relies on) matches them all. */
const DIGIT_ZEROS = [0x660, 0x6f0, 0x966, 0x9e6, 0xe50, 0xff10];

function normalizeDigits(s: string): string {
  // Fullwidth separators come with fullwidth digits on Japanese and Chinese pages ("１，２００円").
  return s.replace(/，/g, ',').replace(/．/g, '.').replace(/[\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\u09e6-\u09ef\u0e50-\u0e59\uff10-\uff19]/g, (ch) => {
    const cp = ch.codePointAt(0)!;
    const zero = DIGIT_ZEROS.find((z) => cp >= z && cp <= z + 9)!;
    return String(cp - zero);
  });
}

/**
 * The euro sign used as the decimal point: "35€99", "1,235€ 99". With a space after € exactly two
 * digits must follow ("35€ 999" is 35 then something else); glued, any number of digits.
 */
const EURO_DECIMAL_RE = /[\d\s.,]*?\d\s*?€(?:\s+?\d\d|\d\d*?)(?:$|[^\d])/;
/** First number-looking run not followed by "%" ("50% OFF" is not a price). */
const NUMBER_RE = /(\.?\d[\d\s.,]*)\s*?(?:[^%\d]|$)/;

/**
 * The first price-looking substring; "0" for "free"; null when there is none. When that first number
 * is not next to the currency and words separate it from one that is ("3 issues for only 14,85 EUR"),
 * the one next to the currency is the price (the original's FIXME). A range ("10 - 20 €", "10 to 20 €")
 * still gives its first amount.
 */
function extractPriceText(input: string, currency: string | null = null): string | null {
  // Non-breaking and repeated spaces are plain spaces; Swiss "1'049" groups are just digit groups.
  const price = input.replace(/\s+/g, ' ').replace(/(?<=\d)['’ʼ](?=\d{3}(?!\d))/g, '');
  if (countOf(price, '€') === 1) {
    const m = EURO_DECIMAL_RE.exec(price);
    if (m) return m[0].replace(/ /g, '').replace(/[^\d]$/, '');
  }
  const m = NUMBER_RE.exec(price);
  if (m) {
    const near = currency ? numberNearCurrency(price, m.index, m.index + m[1]!.length, currency) : null;
    const t = (near ?? m[1]!).replace(/[,.]+$/, '');
    // A leading "." is kept when it is the only one (".75"); otherwise it is punctuation.
    return (countOf(t, '.') === 1 ? t : t.replace(/^[,.]+/, '')).trim();
  }
  if (price.toLowerCase().includes('free')) return '0';
  return null;
}

const RANGE_WORDS = /^(?:to|bis|tot|à|a|au|al|hasta|fino|до|od|do|from|von|van|de|ab|und|and|en|y|et)$/iu;

function numberNearCurrency(price: string, start: number, end: number, currency: string): string | null {
  const ci = price.indexOf(currency);
  if (ci < 0) return null;
  const ce = ci + currency.length;
  const adjacent = (ci >= end && /^\s*$/.test(price.slice(end, ci))) || (ce <= start && /^[\s:]*$/.test(price.slice(ce, start)));
  if (adjacent) return null;
  let candidate: { text: string; at: number } | null = null;
  const after = /^[\s:]*(\.?\d[\d\s.,]*)/.exec(price.slice(ce));
  const before = /(\.?\d[\d\s.,]*?)\s*$/.exec(price.slice(0, ci));
  if (before && before.index > end) candidate = { text: before[1]!, at: before.index };
  else if (after && ce > end) candidate = { text: after[1]!, at: ce };
  if (!candidate) return null;
  const words = price.slice(end, candidate.at).match(/\p{L}+/gu) ?? [];
  return words.some((w) => !RANGE_WORDS.test(w)) ? candidate.text.trim() : null;
}

/**
 * Decimal separator: the last ".", "," or "€" followed by 1-2 or 4+ digits up to the end. Three digits
 * after it are taken as a thousands group ("12.999" → 12999), the known ambiguity the hint resolves.
 */
const DECIMAL_SEP_RE = /\d*([.,€])(?:\d{1,2}?|\d{4}\d*?)$/;

/** "1 234,56" → "1234.56"; null when the text is not a number once separators are resolved. */
export function parseNumber(text: string, decimalSeparator: string | null = null): string | null {
  let num = text.trim().replace(/ /g, '');
  if (!num) return null;
  const sep = decimalSeparator || DECIMAL_SEP_RE.exec(num)?.[1] || null;
  if (sep === null) num = num.replace(/[.,]/g, '');
  else if (sep === '.') num = num.replace(/,/g, '');
  else if (sep === ',') num = num.replace(/\./g, '').replace(/,/g, '.');
  else if (sep === '€') num = num.replace(/[.,]/g, '').replace('€', '.');
  else num = num.split(sep).join('.');
  return toDecimalString(num);
}

/** Validates a plain decimal and tidies it ("0012.50" → "12.50", ".75" → "0.75", "75." → "75"). */
function toDecimalString(num: string): string | null {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(num);
  if (!m || (m[1] === '' && !m[2])) return null;
  const int = m[1]!.replace(/^0+(?=\d)/, '') || '0';
  return m[2] ? `${int}.${m[2]}` : int;
}

/** Numeric equality of two decimal strings ("190.00" = "190" = "190.0"), for tests and evaluation. */
export function sameAmount(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const canon = (s: string): string => {
    const [i = '', f = ''] = s.split('.');
    const frac = f.replace(/0+$/, '');
    return (i.replace(/^0+/, '') || '0') + (frac ? `.${frac}` : '');
  };
  return canon(a) === canon(b);
}

function countOf(s: string, ch: string): number {
  return s.split(ch).length - 1;
}
