/** Next-page detection: rel=next, "next" link text in several languages, then ?page=N / /page/N URL arithmetic. */
import type { CheerioAPI } from 'cheerio/slim';
import type { PaginationSpecInput } from './spec-types.ts';
import { pageSelector, stableClasses, textOf, type El } from './dom.ts';

const NEXT_TEXT = /^(?:next|next page|next ›|next »|›|»|>|>>|→|volgende|volgende pagina|weiter|nächste|nächste seite|suivant|suivante|page suivante|siguiente|successivo|successiva|próxima|próximo|następna|dalej|次へ|下一页)$/i;

export function detectPagination($: CheerioAPI, url: string, maxPages?: number): { spec: PaginationSpecInput | undefined; how: string } {
  const mp = maxPages ? { maxPages } : {};
  if ($('a[rel~="next"][href]').length) return { spec: { kind: 'next-link', selector: 'a[rel~="next"]', ...mp }, how: 'a[rel=next]' };
  const linkNext = $('link[rel="next"][href]').get(0) as El | undefined;
  for (const a of $('a[href]').get() as El[]) {
    const t = textOf(a).replace(/[«‹]/g, '').trim();
    const label = (a.attribs['aria-label'] ?? a.attribs['title'] ?? '').trim();
    if (!NEXT_TEXT.test(t) && !NEXT_TEXT.test(label)) continue;
    if ((a.attribs['href'] ?? '').startsWith('#') || /^javascript:/i.test(a.attribs['href'] ?? '')) continue;
    const li = a.parent && a.parent.type === 'tag' ? (a.parent as El) : null;
    const cands: string[] = [];
    for (const c of stableClasses(a)) cands.push(`a.${c}`);
    if (li) for (const c of stableClasses(li)) if (/next|volgende|weiter|suiv|sig/i.test(c)) cands.push(`${li.name}.${c} > a`);
    const ps = pageSelector($, a);
    if (ps) cands.push(ps);
    for (const s of cands) if ($(s).get(0) === a) return { spec: { kind: 'next-link', selector: s, ...mp }, how: `link "${t || label}" (${s})` };
  }
  if (linkNext) return { spec: { kind: 'next-link', selector: 'link[rel="next"]', ...mp }, how: 'link[rel=next]' };
  // URL arithmetic: a link to this URL with page N+1.
  const u = url.replace(/#.*$/, '');
  const m = u.match(/([?&](?:page|p|pg|pagina|seite|start)=)(\d+)/i) ?? u.match(/(\/page\/)(\d+)/i);
  const hrefs = ($('a[href]').get() as El[]).map((a) => a.attribs['href']!);
  if (m) {
    const template = u.replace(m[0], `${m[1]}{page}`);
    return { spec: { kind: 'url-pattern', template, start: Number(m[2]) + 1, ...mp }, how: `URL pattern ${template}` };
  }
  const page2 = hrefs.find((h) => /[?&](?:page|p|pg)=2(?:&|$)|\/page\/2\/?$/.test(h));
  if (page2) {
    const abs = new URL(page2, url).href;
    const template = abs.replace(/([?&](?:page|p|pg)=)2|(\/page\/)2/, (_x, a: string | undefined, b: string | undefined) => `${a ?? b}{page}`);
    return { spec: { kind: 'url-pattern', template, start: 2, ...mp }, how: `page-2 link ${page2}` };
  }
  return { spec: undefined, how: 'no rel=next, next-text link or page-number URL found' };
}
