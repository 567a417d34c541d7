/**
 * Script-rendered target sites for the browser tests, all on one node:http server on 127.0.0.1 port 0:
 *  /api-list/  an app shell that fetch()es /api/items and draws cards
 *  /scroll/    infinite scroll: 100 records in batches of 10, the next batch when scrolled to the bottom
 *  /more/      10 records served in the HTML, 25 more behind a "Load more" button (fetch, 10 per click)
 *  /delayed/   an app shell whose records appear ~500 ms after load (timer, no network)
 *  /account/   a login form in front of the list (demo / s3cret), cookie session
 *  /leaky/     a static list whose script and <img> try the canary on 127.0.0.2 (must stay untouched)
 *  /endless/   an infinite scroll that never ends, slowly (for stop/kill tests)
 *  /static/    a plain server-rendered list with next links (bench: HTTP vs browser)
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface JsSites {
  base: string;
  /** Path → requests served, e.g. hits['/api/scroll'] */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export interface Canary {
  url: string;
  connections: () => number;
  close(): Promise<void>;
}

const card = (prefix: string, i: number) => `<article class="item"><h2 class="item-name">${prefix} ${i}</h2><span class="item-price">$${i}.50</span></article>`;
const cardJs = `(it) => '<article class="item"><h2 class="item-name">' + it.name + '</h2><span class="item-price">$' + it.price + '</span></article>'`;
const items = (prefix: string, from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, k) => ({ name: `${prefix} ${from + k + 1}`, price: `${from + k + 1}.50` }));
const STYLE = '<style>article.item{display:block;min-height:160px;border:1px solid #ccc;margin:8px}</style>';
const shell = (title: string, script: string) =>
  `<!doctype html><html><head><title>${title}</title>${STYLE}</head><body><h1>${title}</h1><div id="app"></div><noscript>Please enable JavaScript to use this site.</noscript><script>${script}</script></body></html>`;

export const SCROLL_TOTAL = 100;
export const MORE_TOTAL = 35;

export async function startJsSites(opts: { canaryUrl?: string } = {}): Promise<JsSites> {
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    hits.set(u.pathname, (hits.get(u.pathname) ?? 0) + 1);
    const html = (body: string, status = 200, headers: Record<string, string> = {}) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(body);
    const json = (v: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    const page = Number(u.searchParams.get('page') ?? '1');
    switch (u.pathname) {
      case '/api-list/':
        return html(shell('Gadgets', `fetch('/api/items').then(r => r.json()).then(list => { document.getElementById('app').innerHTML = list.map(${cardJs}).join(''); });`));
      case '/api/items':
        return json(items('Gadget', 0, 12));
      case '/scroll/':
        return html(
          shell(
            'Feed',
            `let page = 0, busy = false, done = false;
             const app = document.getElementById('app');
             async function next() { if (busy || done) return; busy = true; page++;
               const list = await (await fetch('/api/scroll?page=' + page)).json();
               if (!list.length) done = true; app.insertAdjacentHTML('beforeend', list.map(${cardJs}).join('')); busy = false; }
             window.addEventListener('scroll', () => { if (window.innerHeight + window.scrollY >= document.body.scrollHeight - 200) next(); });
             next();`,
          ),
        );
      case '/api/scroll':
        return json(items('Post', (page - 1) * 10, Math.min(SCROLL_TOTAL, page * 10)));
      case '/more/':
        return html(
          `<!doctype html><html><head><title>Catalogue</title>${STYLE}</head><body><h1>Catalogue</h1><div id="list">${items('Lamp', 0, 10).map((_, i) => card('Lamp', i + 1)).join('')}</div>
           <button type="button" class="btn load-more">Load more</button>
           <script>let offset = 10; const btn = document.querySelector('.load-more');
             btn.addEventListener('click', async () => { const list = await (await fetch('/api/more?offset=' + offset)).json(); offset += list.length;
               document.getElementById('list').insertAdjacentHTML('beforeend', list.map(${cardJs}).join('')); if (offset >= ${MORE_TOTAL}) btn.remove(); });</script></body></html>`,
        );
      case '/api/more': {
        const off = Number(u.searchParams.get('offset') ?? '0');
        return json(items('Lamp', off, Math.min(MORE_TOTAL, off + 10)));
      }
      case '/delayed/':
        return html(shell('Deals', `const data = ${JSON.stringify(items('Deal', 0, 15))}; setTimeout(() => { document.getElementById('app').innerHTML = data.map(${cardJs}).join(''); }, 500);`));
      case '/account/':
        return html(`<!doctype html><html><head><title>Sign in</title></head><body><h1>Members area</h1><form id="signin" method="post" action="/account/login"><label>Username <input type="text" name="username" id="user"></label><label>Password <input type="password" name="password" id="pass"></label><button type="submit">Sign in</button></form></body></html>`);
      case '/account/login': {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const f = new URLSearchParams(body);
          if (f.get('username') === 'demo' && f.get('password') === 's3cret') return html('', 303, { location: '/account/items', 'set-cookie': 'sid=ok; Path=/; HttpOnly' });
          html('<p>Wrong username or password</p>', 401);
        });
        return;
      }
      case '/account/items':
        if (!/\bsid=ok\b/.test(req.headers.cookie ?? '')) return html('', 303, { location: '/account/' });
        return html(`<!doctype html><html><head><title>Your items</title></head><body><h1>Your items</h1>${items('Secret', 0, 12).map((_, i) => card('Secret', i + 1)).join('')}</body></html>`);
      case '/leaky/': {
        const c = opts.canaryUrl ?? 'http://127.0.0.2:9/';
        return html(
          `<!doctype html><html><head><title>Leaky</title></head><body>${items('Leak', 0, 3).map((_, i) => card('Leak', i + 1)).join('')}
           <img src="${c}img.png"><iframe src="${c}frame"></iframe><link rel="stylesheet" href="${c}style.css">
           <script>fetch('${c}fetch').catch(() => {}); new Image().src = '${c}img2'; navigator.sendBeacon && navigator.sendBeacon('${c}beacon', 'x');</script></body></html>`,
        );
      }
      case '/endless/':
        return html(
          shell(
            'Endless',
            `let page = 0; const app = document.getElementById('app');
             async function next() { page++; const list = await (await fetch('/api/endless?page=' + page)).json(); app.insertAdjacentHTML('beforeend', list.map(${cardJs}).join('')); }
             window.addEventListener('scroll', () => next()); next();`,
          ),
        );
      case '/api/endless':
        // Slow batches: a render of this page never finishes on its own within a test's time.
        setTimeout(() => json(items('Never', (page - 1) * 10, page * 10)), 400);
        return;
      case '/static/': {
        const next = page < 1000 ? `<a rel="next" href="/static/?page=${page + 1}">Next</a>` : '';
        return html(`<!doctype html><html><head><title>Static ${page}</title></head><body>${items('Static', (page - 1) * 10, page * 10).map((_, i) => card('Static', (page - 1) * 10 + i + 1)).join('')}${next}</body></html>`);
      }
      default:
        html('not found', 404);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A listener on 127.0.0.2 (loopback on Linux, but outside GLEANER_ALLOW_HOSTS): counts every TCP connection. */
export async function startCanary(): Promise<Canary> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((_req, res) => res.end('canary'));
  server.on('connection', (s) => {
    n++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.2', () => r()));
  return {
    url: `http://127.0.0.2:${(server.address() as AddressInfo).port}/`,
    connections: () => n,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
