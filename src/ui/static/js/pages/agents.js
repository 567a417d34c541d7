// Agent list: search by name, sort by column, filter by space, paged (server-side via /agent/all).
import { api } from '../api.js';
import { errorBox, fmtDate, h, spinner, statusBadge, table } from '../dom.js';

const SORTS = [
  ['name', 'Name'],
  ['lastActivity', 'Last activity'],
  ['created', 'Created'],
  ['updated', 'Updated'],
  ['status', 'Last run status'],
];
const PAGE = 20;

export async function render(root) {
  const state = { name: '', sortColumn: 'name', sortOrder: 0, spaceId: '', pageIndex: 1 };
  const search = h('input', { type: 'search', id: 'agent-search', placeholder: 'Search by name', 'aria-label': 'Search agents by name' });
  const sort = h('select', { id: 'agent-sort', 'aria-label': 'Sort by' }, SORTS.map(([v, l]) => h('option', { value: v }, l)));
  const order = h('button', { type: 'button', id: 'agent-order', class: 'secondary', 'aria-label': 'Toggle sort order' }, '↑ Ascending');
  const space = h('select', { id: 'agent-space', 'aria-label': 'Space' }, h('option', { value: '' }, 'All spaces'));
  const list = h('div', {}, spinner());
  const pager = h('div', { class: 'pager' });
  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Agents'), h('a', { class: 'button primary', href: '#/builder' }, 'New agent')),
    h('div', { class: 'toolbar' }, search, sort, order, space),
    list,
    pager,
  );

  try {
    const spaces = await api('/api/v1/spaces');
    for (const s of spaces) space.append(h('option', { value: s.id }, s.name));
  } catch {
    space.hidden = true; // spaces endpoint not available: nothing to filter by
  }

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    try {
      const r = await api('/api/v1/agent/all', { query: { ...state, recordsPerPage: PAGE } });
      if (mine !== seq) return; // a newer search already replaced this one
      list.replaceChildren(
        table(
          [
            { label: 'Name', get: (a) => h('a', { href: `#/agents/${a.id}` }, a.name) },
            { label: 'Start URL', get: (a) => h('span', { class: 'url' }, a.startUrl ?? '') },
            { label: 'Last run', get: (a) => statusBadge(a.status) },
            { label: 'Version', get: (a) => String(a.version) },
            { label: 'Last activity', get: (a) => fmtDate(a.lastActivity ?? a.updated) },
          ],
          r.agents,
          { class: 'agents-table', empty: state.name ? 'No agent matches.' : 'No agents yet. Build one with the Agent Builder.' },
        ),
      );
      const pages = Math.max(1, Math.ceil(r.totalRecordCount / PAGE));
      pager.replaceChildren(
        h('button', { type: 'button', class: 'secondary', disabled: state.pageIndex <= 1, onclick: () => ((state.pageIndex -= 1), load()) }, '‹ Previous'),
        h('span', {}, ` Page ${state.pageIndex} of ${pages} · ${r.totalRecordCount} agents `),
        h('button', { type: 'button', class: 'secondary', disabled: state.pageIndex >= pages, onclick: () => ((state.pageIndex += 1), load()) }, 'Next ›'),
      );
    } catch (e) {
      list.replaceChildren(errorBox(e));
    }
  };
  let debounce;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      state.name = search.value.trim();
      state.pageIndex = 1;
      void load();
    }, 250);
  });
  sort.addEventListener('change', () => ((state.sortColumn = sort.value), (state.pageIndex = 1), load()));
  space.addEventListener('change', () => ((state.spaceId = space.value), (state.pageIndex = 1), load()));
  order.addEventListener('click', () => {
    state.sortOrder = state.sortOrder ? 0 : 1;
    order.textContent = state.sortOrder ? '↓ Descending' : '↑ Ascending';
    void load();
  });
  await load();
  return () => clearTimeout(debounce);
}
