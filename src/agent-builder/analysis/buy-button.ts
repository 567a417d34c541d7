/**
 * The last availability signal on a product page without stock markup or a stock phrase: a visible, enabled
 * "Add to cart" control. Shops hide or disable it (or replace it with "Notify me") when the item cannot be
 * bought, so its presence means in stock. At run time the agent keeps the rule as a presence flag
 * (`source: "exists"`, `value: "InStock"`): no button, no value, never a guessed "out of stock".
 */
import type { DetailContext, Source } from './detail-context.ts';
import { nameTokens, parentEl, textOf, type El } from './dom.ts';
import { selectorTest } from './page-index.ts';

/** Whole control texts, accents removed and lower case; a control saying more ("Buy MP3 album") is not one. */
const BUY_RE = new RegExp(
  '^(?:' +
    [
      'add to (?:cart|bag|basket|trolley)', 'buy now', 'buy it now',
      'in den (?:warenkorb|einkaufswagen)', 'in (?:de )?(?:winkelwagen|winkelmand)(?: plaatsen)?', 'toevoegen aan (?:winkelwagen|winkelmand)',
      'ajouter au panier', 'acheter maintenant', 'anadir al (?:carrito|cesta)', 'agregar al carrito', 'comprar(?: ahora| agora)?',
      'aggiungi al carrello', 'adicionar ao carrinho', '(?:dodaj )?do koszyka', 'в корзину', 'добавить в корзину', 'купить',
      'lagg i (?:varukorgen|kundvagnen)', 'lag i kurv', 'legg i handlekurven', 'sepete ekle',
      '加入購物車', '加入购物车', '立即購買', '立即购买', 'カートに入れる', '장바구니 담기',
    ].join('|') +
    ')[\\s!+›>]*$',
);
/** Blocks about other products: their buttons say nothing about this one. */
const OTHER = /^(related|similar|recommend|recommended|recommendations|upsell|crosssell|suggest|suggestions|recent|recently|viewed|compare|carousel|bundle|accessories)$/;
const DISABLED = /^(disabled|is-disabled|inactive|unavailable|soldout|sold-out|out-of-stock|outofstock)$/;

export const buyText = (t: string): boolean => BUY_RE.test(t.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim());

/** Candidates for the availability field: at most one, whose selector matches only acceptable controls here. */
export function buyButtonCands(ctx: DetailContext, hidden: (el: El) => boolean): Array<{ src: Source; how: string }> {
  const controls: Array<{ el: El; label: string }> = [];
  for (const el of ctx.ix.all) {
    const input = el.name === 'input' && /^(submit|button|image)$/i.test(el.attribs['type'] ?? '');
    if (el.name !== 'button' && el.name !== 'a' && !input) continue;
    const label = input ? (el.attribs['value'] ?? '').trim() : textOf(el);
    if (!label || label.length > 40 || !buyText(label)) continue;
    controls.push({ el, label });
  }
  const usable = controls.filter((c) => !blocked(c.el, hidden));
  // The same label many times: a grid of products, each with its own; one cannot tell which is this page's.
  // A page's own pair ("Add to cart" + "Buy now", or one at the top and one at the bottom) is fine.
  const perLabel = new Map<string, number>();
  for (const c of controls) perLabel.set(c.label, (perLabel.get(c.label) ?? 0) + 1);
  if (!usable.length || [...perLabel.values()].some((n) => n > 2)) return [];
  const { el, label } = usable[0]!;
  if (/["\\]/.test(label)) return [];
  const sel = el.name === 'input' ? `input[value="${label}"]:not([disabled])` : `${el.name}:contains("${label}"):not([disabled])`;
  // The selector must not also reach a hidden or disabled copy, which at run time would say in stock wrongly.
  const test = selectorTest(sel);
  const ok = new Set(usable.map((u) => u.el));
  if (!test || ctx.ix.all.some((e) => test(e) && !ok.has(e) && !usable.some((u) => contains(e, u.el)))) return [];
  return [{ src: { selector: sel, source: 'exists', value: 'InStock' }, how: `an enabled "${label}" button (${sel})` }];
}

function blocked(el: El, hidden: (el: El) => boolean): boolean {
  const a = el.attribs;
  if (a['disabled'] !== undefined || a['aria-disabled'] === 'true' || hidden(el)) return true;
  if (nameTokens(el).some((t) => DISABLED.test(t))) return true;
  for (let p = parentEl(el); p; p = parentEl(p)) {
    if (/^(nav|header|footer|aside|template)$/.test(p.name)) return true;
    if (nameTokens(p).some((t) => OTHER.test(t))) return true;
  }
  return false;
}

/** An ancestor of an accepted control (`a:contains` also matches an outer link around the button). */
function contains(outer: El, inner: El): boolean {
  for (let p = parentEl(inner); p; p = parentEl(p)) if (p === outer) return true;
  return false;
}
