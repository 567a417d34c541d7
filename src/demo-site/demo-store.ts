/**
 * A small, deterministic example shop served on loopback: product listings with pagination and detail
 * pages, and a book catalogue. The README quickstart, the tests and the benchmark all use it, so
 * trying Gleaner needs no internet. Its size is a parameter (the benchmark serves thousands of pages).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoStoreOptions {
  products?: number;
  perPage?: number;
  books?: number;
  /** Artificial latency per response, ms (benchmarks). */
  latencyMs?: number;
}

const ADJ = ['Classic', 'Compact', 'Deluxe', 'Eco', 'Rugged', 'Smart', 'Silent', 'Travel', 'Ultra', 'Vintage'];
const NOUN = ['Kettle', 'Lamp', 'Backpack', 'Headphones', 'Mug', 'Notebook', 'Umbrella', 'Blender', 'Chair', 'Watch', 'Speaker', 'Wallet'];
const BOOK_WORDS = ['River', 'Silent', 'Garden', 'Night', 'Paper', 'Winter', 'Glass', 'Harbor', 'Orchard', 'Lantern', 'Atlas', 'Echo'];
const RATINGS = ['One', 'Two', 'Three', 'Four', 'Five'];

export interface DemoProduct {
  id: number;
  slug: string;
  name: string;
  price: string;
  sku: string;
  rating: number;
  inStock: boolean;
  description: string;
}

export function demoProduct(i: number): DemoProduct {
  const name = `${ADJ[i % ADJ.length]} ${NOUN[(i * 7) % NOUN.length]} ${100 + i}`;
  const cents = ((i * 7919) % 9000) + 999;
  return {
    id: i,
    slug: name.toLowerCase().replace(/\s+/g, '-'),
    name,
    price: (cents / 100).toFixed(2),
    sku: `GL-${String(10000 + i * 37).padStart(6, '0')}`,
    rating: (i % 5) + 1,
    inStock: i % 6 !== 0,
    description: `The ${name} is a dependable everyday item, tested for ${(i % 9) + 2} years of use.`,
  };
}

export function demoBook(i: number) {
  const title = `The ${BOOK_WORDS[i % BOOK_WORDS.length]} of ${BOOK_WORDS[(i * 5 + 3) % BOOK_WORDS.length]} ${i + 1}`;
  return { id: i, title, price: (((i * 613) % 4000) / 100 + 10).toFixed(2), rating: RATINGS[i % 5]!, inStock: i % 4 !== 3 };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function layout(title: string, body: string, extraHead = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} | Gleaner Demo Store</title>${extraHead}
<style>body{font-family:sans-serif;max-width:960px;margin:auto}.grid{display:grid;grid-template-columns:repeat(3,1fr);gap:1em}.product-card,.book{border:1px solid #ddd;padding:1em}</style></head>
<body><header><nav><a href="/">Home</a> · <a href="/products/">Products</a> · <a href="/books/">Books</a> · <a href="/about">About us</a></nav></header>
<main>${body}</main><footer><p>Gleaner Demo Store · an example site for trying Gleaner · <a href="/contact">Contact</a></p></footer></body></html>`;
}

function pager(base: string, page: number, pages: number): string {
  const links: string[] = [];
  if (page > 1) links.push(`<a class="prev" rel="prev" href="${base}${page - 1 === 1 ? '' : `?page=${page - 1}`}">« Previous</a>`);
  for (let p = 1; p <= pages; p++) links.push(p === page ? `<span class="current">${p}</span>` : `<a href="${base}${p === 1 ? '' : `?page=${p}`}">${p}</a>`);
  if (page < pages) links.push(`<a class="next" rel="next" href="${base}?page=${page + 1}">Next »</a>`);
  return `<nav class="pagination">${links.join(' ')}</nav>`;
}

export function createDemoStoreHandler(opts: DemoStoreOptions = {}) {
  const products = opts.products ?? 24;
  const perPage = opts.perPage ?? 8;
  const books = opts.books ?? 40;
  const bookPerPage = 20;

  const route = (path: string, query: URLSearchParams): { status: number; html: string; type?: string } => {
    if (path === '/' || path === '/index.html') return { status: 200, html: layout('Home', `<h1>Welcome to the Gleaner Demo Store</h1><p>Browse our <a href="/products/">products</a> and <a href="/books/">books</a>.</p>`) };
    if (path === '/robots.txt') return { status: 200, html: 'User-agent: *\nDisallow: /private/\n', type: 'text/plain' };
    if (path === '/products' || path === '/products/') {
      const pages = Math.max(1, Math.ceil(products / perPage));
      const page = Math.min(Math.max(1, Number(query.get('page') ?? '1') || 1), pages + 1);
      if (page > pages) return { status: 404, html: layout('Not found', '<h1>No such page</h1>') };
      const items = [];
      for (let i = (page - 1) * perPage; i < Math.min(products, page * perPage); i++) {
        const p = demoProduct(i);
        items.push(`<article class="product-card">
  <a class="product-link" href="/products/${p.slug}"><h2 class="product-title">${esc(p.name)}</h2></a>
  <div class="price">$${p.price}</div>
  <div class="sku">SKU: ${p.sku}</div>
  <div class="stock ${p.inStock ? 'in-stock' : 'out-of-stock'}">${p.inStock ? 'In stock' : 'Out of stock'}</div>
</article>`);
      }
      return { status: 200, html: layout(`Products, page ${page}`, `<h1>All products</h1><p class="count">${products} products</p><section class="grid">${items.join('\n')}</section>${pager('/products/', page, pages)}`, page < pages ? `<link rel="next" href="/products/?page=${page + 1}">` : '') };
    }
    const pm = /^\/products\/([a-z0-9-]+)$/.exec(path);
    if (pm) {
      const i = Number(/-(\d+)$/.exec(pm[1]!)?.[1] ?? -1) - 100;
      if (i < 0 || i >= products || demoProduct(i).slug !== pm[1]) return { status: 404, html: layout('Not found', '<h1>Product not found</h1>') };
      const p = demoProduct(i);
      const ld = { '@context': 'https://schema.org', '@type': 'Product', name: p.name, sku: p.sku, description: p.description, offers: { '@type': 'Offer', price: p.price, priceCurrency: 'USD', availability: `https://schema.org/${p.inStock ? 'InStock' : 'OutOfStock'}` } };
      return {
        status: 200,
        html: layout(
          p.name,
          `<article class="product"><h1 class="product-title">${esc(p.name)}</h1><p class="price">$${p.price}</p>
<table class="specs"><tr><th>SKU</th><td class="sku">${p.sku}</td></tr><tr><th>Rating</th><td class="rating">${p.rating} out of 5</td></tr><tr><th>Availability</th><td class="availability">${p.inStock ? 'In stock' : 'Out of stock'}</td></tr></table>
<p class="description">${esc(p.description)}</p></article>`,
          `<script type="application/ld+json">${JSON.stringify(ld)}</script>`,
        ),
      };
    }
    if (path === '/books' || path === '/books/') {
      const pages = Math.max(1, Math.ceil(books / bookPerPage));
      const page = Math.min(Math.max(1, Number(query.get('page') ?? '1') || 1), pages + 1);
      if (page > pages) return { status: 404, html: layout('Not found', '<h1>No such page</h1>') };
      const items = [];
      for (let i = (page - 1) * bookPerPage; i < Math.min(books, page * bookPerPage); i++) {
        const b = demoBook(i);
        items.push(`<li class="book"><h3><a href="#" title="${esc(b.title)}">${esc(b.title.length > 22 ? `${b.title.slice(0, 20)}...` : b.title)}</a></h3><p class="star-rating ${b.rating}"></p><p class="price_color">£${b.price}</p><p class="availability">${b.inStock ? 'In stock' : 'Out of stock'}</p></li>`);
      }
      return { status: 200, html: layout(`Books, page ${page}`, `<h1>Books</h1><ol class="row">${items.join('\n')}</ol>${pager('/books/', page, pages)}`) };
    }
    if (path === '/about' || path === '/contact') return { status: 200, html: layout('About', '<h1>About us</h1><p>We are a demo.</p>') };
    return { status: 404, html: layout('Not found', '<h1>Page not found</h1>') };
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://demo.local');
    const r = route(u.pathname, u.searchParams);
    const send = () => {
      res.writeHead(r.status, { 'content-type': `${r.type ?? 'text/html'}; charset=utf-8`, 'cache-control': 'no-store' });
      res.end(r.html);
    };
    if (opts.latencyMs) setTimeout(send, opts.latencyMs);
    else send();
  };
}

export async function startDemoStore(opts: DemoStoreOptions & { port?: number; host?: string } = {}): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(createDemoStoreHandler(opts));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    server,
    url: `http://${a.address}:${a.port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
