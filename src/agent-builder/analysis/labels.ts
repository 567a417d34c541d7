/**
 * "SKU: AB-123", "<th>Brand</th><td>Acme</td>", "Marque : Acme": values that sit next to a label. Labels are
 * matched in several languages; the value must have the field's shape. Each hit becomes a field spec that the
 * engine can re-run (a selector for the value element, or the label's element with a regex keeping the value),
 * checked against this page before it is offered.
 */
import { escapeRe } from '../prompt/concepts.ts';
import { textOf, type El } from './dom.ts';
import { isFirstMatch, pageSelector } from './page-index.ts';
import { runField, type DetailContext, type Source } from './detail-context.ts';

export type LabelKind = 'sku' | 'brand';
type Strength = 'strong' | 'medium' | 'weak';
export interface LabelHit { src: Source; how: string; value: string; strong: boolean }

/** Labels that name exactly this field (strong) or something close that often holds it (weak). */
const LABELS: Record<LabelKind, Record<Strength, string>> = {
  sku: {
    strong: [
      'sku', 'asin', 'art(?:ikel)?\\.?[\\s-]*(?:nr|no|nummer|num)\\.?', 'artikelnummer', 'article\\s*(?:number|no\\.?|code|#)',
      'item\\s*(?:#|no\\.?|number|code|id)', 'product\\s*(?:#|code|id|no\\.?|number)', 'prod\\.?\\s*(?:code|nr|no)\\.?', 'c[oó]d(?:\\.|igo|ice|e)?(?:\\s*(?:de\\s+|do\\s+|del\\s+)?(?:produs|produit|prodotto|producto|produto|artigo|art[ií]culo|articolo|article|art\\.?))?',
      // Romance word order: "ID Produto", "ID del producto".
      'id\\s*(?:(?:do|da|del|du|de|dell[oa])\\s+)?(?:produto|producto|produit|prodotto|artigo|art[ií]culo|articolo)',
      'post\\s*id', 'listing\\s*id', 'numer katalogowy', 'kod produktu', 'varenummer', 'varenr\\.?', 'artnr\\.?',
      'код(?:\\s*товара)?', 'артикул', '商品編號', '商品编号', '商品番号', '品番', '货号', '貨號', '상품번호',
    ].join('|'),
    // "Réf." is the shop's code on many French/Spanish shops but the maker's reference on others: after the above.
    medium: 'r[eé]f(?:\\.|erence|érence|erencia|erência)?(?:\\s*(?:produit|produto|producto|article))?',
    weak: ['model(?:\\s*(?:no\\.?|number|#))?', 'part\\s*(?:no\\.?|number|#)', 'mpn', 'manufacturer part number', '型番', '型號', '型号', 'modelo', 'modèle', 'modello'].join('|'),
  },
  brand: {
    medium: '',
    strong: ['brand', 'brand name', 'marca', 'marke', 'marque', 'merk', 'märke', 'merke', 'marka', 'značka', 'бренд', 'ブランド', '品牌', '브랜드'].join('|'),
    weak: ['manufacturer', 'make(?:\\s*/\\s*manufacturer)?', 'hersteller', 'fabricant', 'fabricante', 'producent', 'produttore', 'fabrikant', 'производитель', 'メーカー', '制造商'].join('|'),
  },
};

/** Value shapes: a code with a digit and no spaces; a brand of a few words. */
const VALUE: Record<LabelKind, string> = {
  sku: '[A-Za-z0-9][\\w./-]{1,39}',
  brand: '[^\\s:：|][^:：|<>]{0,38}[^\\s:：|.,;]',
};
const SEP = '\\s*[:：#]\\s*';
const WHOLE: Record<LabelKind, RegExp> = { sku: new RegExp(`^(?:${VALUE.sku})$`, 'u'), brand: new RegExp(`^(?:${VALUE.brand})$`, 'u') };

function okValue(kind: LabelKind, v: string): boolean {
  if (kind === 'sku') return /\d/.test(v) && v.length >= 3 && !/^\d{1,2}$/.test(v);
  const words = v.split(/\s+/);
  return v.length >= 2 && words.length <= 5 && !/^\d+([.,]\d+)?$/.test(v) && !/^(?:n\/?a|none|other|unknown|yes|no|-+)$/i.test(v);
}

const compiled = new Map<string, { pure: RegExp; inline: RegExp }>();
function patterns(kind: LabelKind, strength: Strength): { pure: RegExp; inline: RegExp } | null {
  const key = kind + strength;
  let p = compiled.get(key);
  if (!p) {
    const label = LABELS[kind][strength];
    if (!label) return null;
    p = {
      pure: new RegExp(`^[\\s〈(\\[]*(${label})\\s*[:：#.]?\\s*$`, 'iu'),
      // The label may follow a few words ("See more from Brand: X") and the value may be bracketed ("〈No.: X〉").
      inline: new RegExp(`(?:^|[\\s〈(\\[|,;/·])(${label})${SEP}(${VALUE[kind]})[\\s〉)\\]]*$`, 'iu'),
    };
    compiled.set(key, p);
  }
  return p;
}

/**
 * Labelled values for a field, best first: strong labels before weak, then document order. A label that
 * appears several times with different values (the parts of a set, a variant table) names no single value
 * and is left out.
 */
const MEMO = new WeakMap<DetailContext, Map<string, LabelHit[]>>();

export function labelledValues(ctx: DetailContext, name: string, kind: LabelKind, type: 'text'): LabelHit[] {
  let memo = MEMO.get(ctx);
  if (!memo) { memo = new Map(); MEMO.set(ctx, memo); }
  const key = `${kind}\u0000${name}`;
  let hits = memo.get(key);
  if (!hits) { hits = findLabelled(ctx, name, kind, type); memo.set(key, hits); }
  return hits;
}

function findLabelled(ctx: DetailContext, name: string, kind: LabelKind, type: 'text'): LabelHit[] {
  const out: LabelHit[] = [];
  for (const strength of ['strong', 'medium', 'weak'] as const) {
    const pats = patterns(kind, strength);
    if (!pats) continue;
    const { pure, inline } = pats;
    const raw: Array<{ el: El; label: string; value: string; pure: boolean }> = [];
    const matched = new Set<El>();
    for (const el of ctx.ix.short) {
      if (/^(script|style|option|select|button|title|a)$/.test(el.name) && !(kind === 'brand' && el.name === 'a')) continue;
      const t = textOf(el);
      const pm = pure.exec(t);
      if (pm) {
        const v = valueAfter(el);
        if (v && v.text.length <= 60 && WHOLE[kind].test(v.text) && okValue(kind, v.text)) raw.push({ el, label: pm[1]!, value: v.text, pure: true });
        continue;
      }
      const im = inline.exec(t);
      if (im && okValue(kind, im[2]!.trim())) matched.add(el);
    }
    // The innermost element holding "label: value": an ancestor whose text merely contains it is skipped.
    for (const el of matched) {
      let p = el.parent as El | null;
      while (p && p.type === 'tag') { matched.delete(p); p = p.parent as El | null; }
    }
    for (const el of matched) {
      const im = inline.exec(textOf(el))!;
      raw.push({ el, label: im[1]!, value: im[2]!.trim(), pure: false });
    }
    raw.sort((a, b) => ctx.ix.order.get(a.el)! - ctx.ix.order.get(b.el)!);
    const perLabel = new Map<string, Set<string>>();
    for (const r of raw) {
      const k = r.label.toLowerCase().replace(/\s+/g, ' ');
      perLabel.set(k, (perLabel.get(k) ?? new Set()).add(r.value));
    }
    for (const r of raw) {
      if (perLabel.get(r.label.toLowerCase().replace(/\s+/g, ' '))!.size > 1) continue;
      const hit = r.pure ? afterLabel(ctx, name, kind, r.el, type, strength) : inlineHit(ctx, name, kind, r.el, r.label, r.value, type, strength);
      if (hit) out.push(hit);
    }
  }
  // A value seen under several labels is one hit.
  const seen = new Set<string>();
  return out.filter((h) => (seen.has(h.value) ? false : (seen.add(h.value), true)));
}

function valueAfter(label: El): { el: El; text: string } | null {
  let nx = label.next;
  while (nx && nx.type === 'text' && !(nx as unknown as { data: string }).data.trim()) nx = nx.next;
  if (!nx || nx.type !== 'tag') return null;
  return { el: nx as El, text: textOf(nx) };
}

/** Label element alone; the value is the next element sibling (th → td, dt → dd, span → span). */
function afterLabel(ctx: DetailContext, name: string, kind: LabelKind, label: El, type: 'text', strength: string): LabelHit | null {
  const after = valueAfter(label);
  if (!after) return null;
  const { el: valueEl, text: v } = after;
  const literal = textOf(label).replace(/[:：#.\s]+$/, '').trim();
  const sels: string[] = [];
  const own = pageSelector(ctx.$, valueEl);
  if (own) sels.push(own);
  if (!/["\\]/.test(literal)) sels.push(`${label.name}:contains("${literal}") + ${valueEl.name}`);
  for (const selector of sels) {
    if (!isFirstMatch(ctx.$, selector, valueEl)) continue;
    const src: Source = { selector, source: 'text' };
    if (String(runField(ctx, name, type, src) ?? '') === v) return { src, how: `css ${selector} after label "${literal}" = "${v}"`, value: v, strong: strength !== 'weak' };
  }
  return null;
}

/** "Label: value" inside one element: that element (or the first one containing the label) plus a regex. */
function inlineHit(ctx: DetailContext, name: string, kind: LabelKind, el: El, labelText: string, value: string, type: 'text', strength: string): LabelHit | null {
  const regex = `${escapeRe(labelText).replace(/\s+/g, '\\s*')}${SEP}(${VALUE[kind]})`;
  const sels: string[] = [];
  const own = pageSelector(ctx.$, el);
  if (own) sels.push(own);
  if (!/["\\]/.test(labelText)) sels.push(`${el.name}:contains("${labelText}")`);
  for (const selector of sels) {
    const src: Source = { selector, source: 'text', regex };
    const got = runField(ctx, name, type, src);
    if (got !== null && String(got).trim() === value) return { src, how: `css ${selector} label "${labelText}" = "${value}"`, value, strong: strength !== 'weak' };
  }
  return null;
}
