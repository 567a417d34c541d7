// A records table with sortable columns (header buttons, aria-sort). Values are scraped data: text only.
import { h, text } from '../dom.js';

export function columnsOf(records, declared) {
  const cols = [...(declared ?? [])];
  for (const r of records) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return cols;
}

const cmp = (a, b) => {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return text(a).localeCompare(text(b), undefined, { numeric: true });
};

/** opts: {columns, fillRates: {field: 0..1}} → element; re-renders itself on header clicks. */
export function recordsTable(records, opts = {}) {
  const cols = columnsOf(records, opts.columns);
  const wrap = h('div', { class: 'table-wrap' });
  let sortKey = null;
  let desc = false;
  const draw = () => {
    const rows = sortKey ? [...records].sort((x, y) => (desc ? -1 : 1) * cmp(x[sortKey] ?? '', y[sortKey] ?? '')) : records;
    const head = h(
      'tr',
      {},
      cols.map((c) =>
        h(
          'th',
          { scope: 'col', 'aria-sort': sortKey === c ? (desc ? 'descending' : 'ascending') : 'none' },
          h('button', { type: 'button', class: 'sort-button', onclick: () => ((desc = sortKey === c ? !desc : false), (sortKey = c), draw()) }, c, sortKey === c ? (desc ? ' ▼' : ' ▲') : ''),
          opts.fillRates && c in opts.fillRates ? h('span', { class: 'fill-rate', title: 'Share of records with this field filled' }, `${Math.round(opts.fillRates[c] * 100)}% filled`) : null,
        ),
      ),
    );
    const body = rows.map((r) => h('tr', {}, cols.map((c) => h('td', { 'data-label': c }, text(r[c])))));
    wrap.replaceChildren(h('table', { class: 'data records-table' }, h('thead', {}, head), h('tbody', {}, body.length ? body : h('tr', {}, h('td', { colspan: Math.max(1, cols.length), class: 'muted' }, 'No records.')))));
  };
  draw();
  return wrap;
}
