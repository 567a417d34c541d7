/**
 * Picks the character encoding of a response body and decodes it. Order follows the HTML encoding-sniffing
 * algorithm: a BOM wins even over the header (browsers do the same, and a BOM cannot lie about UTF-16), then the
 * Content-Type charset, then `<meta charset>` / `http-equiv` / the XML declaration in the first 4 KiB, else UTF-8.
 */

/** How far into the body `<meta charset>` is looked for; HTML's prescan uses 1024 bytes, real pages need more. */
export const META_SNIFF_BYTES = 4096;

const META_CHARSET = /<meta[^>]*?[\s"';]charset\s*=\s*["']?\s*([\w.:-]+)/i;
const XML_ENCODING = /^<\?xml[^>]*?\sencoding\s*=\s*["']([\w.:-]+)["']/;
const HEADER_CHARSET = /;\s*charset\s*=\s*(?:"([^"]+)"|([^\s;]+))/i;

/** Returns the WHATWG encoding name for a label, or undefined when TextDecoder does not know it. */
export function normaliseCharset(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const key = label.trim().toLowerCase();
  // Constructing a TextDecoder per response just to name its charset shows up in crawl profiles; labels are few.
  if (labelCache.has(key)) return labelCache.get(key);
  let name: string | undefined;
  try {
    name = new TextDecoder(key).encoding;
  } catch {
    name = undefined;
  }
  if (labelCache.size < 256) labelCache.set(key, name);
  return name;
}

const labelCache = new Map<string, string | undefined>();

function bomEncoding(body: Buffer): string | undefined {
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  return undefined;
}

function sniffInBody(contentType: string, body: Buffer): string | undefined {
  const type = contentType.toLowerCase();
  // A JSON or CSS body that happens to contain `<meta charset=` text must not change how it is decoded.
  if (type && !type.includes('html') && !type.includes('xml')) return undefined;
  const head = body.subarray(0, META_SNIFF_BYTES).toString('latin1');
  const label = XML_ENCODING.exec(head)?.[1] ?? META_CHARSET.exec(head)?.[1];
  const found = normaliseCharset(label);
  // A document readable as ASCII to find its <meta> cannot be UTF-16; HTML says to treat that claim as UTF-8.
  if (found?.startsWith('utf-16')) return 'utf-8';
  return found;
}

/** The encoding to decode `body` with (a WHATWG name such as `windows-1252` or `shift_jis`). */
export function detectCharset(contentType: string, body: Buffer): string {
  const header = HEADER_CHARSET.exec(contentType);
  return (
    bomEncoding(body) ??
    normaliseCharset(header?.[1] ?? header?.[2]) ??
    sniffInBody(contentType, body) ??
    'utf-8'
  );
}

/** windows-1252's 0x80–0x9F; undefined slots are unassigned in the standard and stay as C1 controls. */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/**
 * Node 20's TextDecoder takes a latin1 fast path for `windows-1252` (and every label aliased to it: `iso-8859-1`,
 * `ascii`, ...), so 0x80–0x9F come out as C1 controls instead of €, “, ” [checked on 20.20.2]. Patch those up.
 */
function decodeWindows1252(body: Buffer): string {
  const latin1 = body.toString('latin1');
  return latin1.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] ?? c);
}

/** Decodes with the detected charset; malformed bytes become U+FFFD rather than failing the page. */
export function decodeBody(contentType: string, body: Buffer): string {
  const charset = detectCharset(contentType, body);
  if (charset === 'windows-1252') return decodeWindows1252(body);
  // UTF-8, by far the most common: Buffer's decoder (same U+FFFD replacement) is several times faster than a
  // new TextDecoder per page. TextDecoder drops a leading BOM; so do we.
  if (charset === 'utf-8') return (bomEncoding(body) === 'utf-8' ? body.subarray(3) : body).toString('utf8');
  return new TextDecoder(charset).decode(body);
}
