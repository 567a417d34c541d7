/**
 * The one synonym table shared by prompt parsing, follow-ups, page analysis and evaluation. A concept is a
 * canonical kind of field; a requested field keeps the user's words as its output name and carries a concept so
 * the analyser knows what to look for.
 */
export const CONCEPTS = [
  'name', 'price', 'currency', 'sku', 'brand', 'availability', 'rating', 'review_count', 'date', 'author',
  'location', 'summary', 'text', 'url', 'image', 'category', 'address', 'phone', 'email', 'other',
] as const;
export type Concept = (typeof CONCEPTS)[number];

/** Phrases a user may say for each concept (lower case). Longest phrase wins when several match. */
export const CONCEPT_SYNONYMS: Record<Concept, string[]> = {
  name: ['name', 'title', 'product name', 'product title', 'book title', 'heading', 'headline', 'item name', 'product'],
  price: ['price', 'cost', 'amount', 'prices', 'sale price', 'current price', 'price tag'],
  currency: ['currency', 'currency code'],
  sku: ['sku', 'skus', 'product code', 'item number', 'article number', 'model number', 'part number', 'product id', 'item code', 'upc', 'ean', 'gtin', 'mpn', 'reference', 'ref'],
  brand: ['brand', 'manufacturer', 'make', 'maker', 'vendor', 'brand name'],
  availability: ['availability', 'stock', 'in stock', 'stock status', 'inventory', 'available'],
  rating: ['rating', 'ratings', 'stars', 'star rating', 'score', 'grade', 'rank'],
  review_count: ['review count', 'number of reviews', 'reviews count', 'rating count', 'votes'],
  date: ['date', 'published', 'posted', 'time', 'when', 'published date', 'review date', 'day'],
  author: ['author', 'reviewer', 'user', 'username', 'writer', 'by', 'poster', 'reviewer name', 'author name', 'customer'],
  location: ['location', 'city', 'place', 'region', 'country', 'reviewer location', 'where'],
  summary: ['summary', 'headline', 'review title', 'subject', 'tagline'],
  text: ['text', 'body', 'content', 'review', 'review text', 'comment', 'comments', 'message', 'description', 'details', 'review body'],
  url: ['url', 'link', 'href', 'page url', 'product url', 'permalink', 'detail link'],
  image: ['image', 'photo', 'picture', 'thumbnail', 'image url', 'img', 'cover'],
  category: ['category', 'categories', 'genre', 'section', 'department', 'type'],
  address: ['address', 'street', 'street address'],
  phone: ['phone', 'telephone', 'phone number', 'tel', 'mobile'],
  email: ['email', 'e-mail', 'email address', 'mail'],
  other: [],
};

/**
 * Words found in class names, ids, itemprops and labels on pages, per concept, in several languages. Matched as
 * tokens (class names are split on - _ and camelCase), so keep them short and specific.
 */
export const CONCEPT_HINTS: Record<Concept, string[]> = {
  name: ['name', 'title', 'heading', 'headline', 'productname', 'product-name', 'naam', 'titel', 'nom', 'titre', 'nombre', 'titulo', 'nome', 'h1', 'h2', 'h3', 'h4'],
  price: ['price', 'prijs', 'preis', 'prix', 'precio', 'prezzo', 'preco', 'cena', 'cost', 'amount', 'saleprice', 'offer'],
  currency: ['currency', 'pricecurrency', 'valuta', 'wahrung', 'devise', 'moneda'],
  sku: ['sku', 'code', 'artikelnummer', 'artnr', 'article', 'reference', 'ref', 'mpn', 'gtin', 'ean', 'upc', 'model', 'productid', 'itemid', 'partnumber', 'codigo', 'codice', 'referencia'],
  brand: ['brand', 'manufacturer', 'merk', 'marke', 'marque', 'marca', 'hersteller', 'fabricant', 'vendor'],
  availability: ['availability', 'stock', 'instock', 'avail', 'available', 'voorraad', 'lager', 'verfugbarkeit', 'disponibilite', 'disponibilidad', 'disponibilita', 'inventory'],
  rating: ['rating', 'ratingvalue', 'stars', 'star', 'score', 'rate', 'beoordeling', 'cijfer', 'bewertung', 'note', 'valoracion', 'voto'],
  review_count: ['reviewcount', 'ratingcount', 'count', 'votes'],
  date: ['date', 'datepublished', 'time', 'published', 'dtreviewed', 'datum', 'fecha', 'data', 'posted', 'created'],
  author: ['author', 'reviewer', 'user', 'username', 'name', 'auteur', 'autor', 'by', 'member', 'customer', 'display'],
  location: ['location', 'city', 'place', 'region', 'locality', 'plaats', 'ort', 'lieu', 'ubicacion', 'country'],
  summary: ['summary', 'title', 'headline', 'subject', 'samenvatting', 'titel'],
  text: ['text', 'body', 'content', 'comment', 'description', 'review', 'reviewbody', 'message', 'tekst', 'beschreibung', 'descripcion', 'descrizione'],
  url: ['url', 'link', 'href', 'permalink'],
  image: ['image', 'img', 'photo', 'thumbnail', 'picture', 'cover'],
  category: ['category', 'categorie', 'kategorie', 'genre', 'breadcrumb'],
  address: ['address', 'street', 'streetaddress', 'adres', 'adresse', 'direccion'],
  phone: ['phone', 'telephone', 'tel', 'telefoon', 'telefon'],
  email: ['email', 'mail'],
  other: [],
};

/** Normalises what the user typed into an output field name: lower case, trimmed, spaces as underscores. */
export function outputName(words: string): string {
  return words.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim().replace(/\s+/g, '_');
}

/** The concept a phrase names: exact synonym, then the longest synonym contained as whole words; else other. */
export function conceptOf(phrase: string): Concept {
  const p = phrase.toLowerCase().replace(/[_\-]+/g, ' ').replace(/\s+/g, ' ').trim();
  let best: Concept = 'other';
  let bestLen = 0;
  for (const c of CONCEPTS) {
    for (const s of CONCEPT_SYNONYMS[c]) {
      if (p === s) return c;
      if (s.length > bestLen && new RegExp(`(^|\\s)${escapeRe(s)}(\\s|$)`).test(p)) { best = c; bestLen = s.length; }
    }
  }
  return best;
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
