// One agent: a readable view of its definition, the JSON editor, runs, versions, schedules, and Run.
import { api } from '../api.js';
import { navigate } from '../app.js';
import { errorBox, fill, fmtBytes, fmtDate, h, spinner, statusBadge, table, text, toast } from '../dom.js';
import { definitionEditor } from './editor.js';
import { recordsTable } from './records.js';

const TABS = [
  ['overview', 'Definition'],
  ['edit', 'Edit JSON'],
  ['runs', 'Runs'],
  ['versions', 'Versions'],
  ['schedules', 'Schedules'],
];

function describeList(list) {
  if (!list) return 'None: each page is one record';
  return list.kind === 'css' ? `CSS ${list.selector}${list.span > 1 ? ` (span ${list.span})` : ''}` : `Structured data of type ${list.itemType}`;
}

function describePagination(p) {
  if (!p) return 'None';
  if (p.kind === 'next-link') return `Follow next link ${p.selector} (up to ${p.maxPages ?? 50} pages)`;
  if (p.kind === 'url-pattern') return `URL pattern ${p.template} (up to ${p.maxPages ?? 50} pages)`;
  if (p.kind === 'load-more') return `Click ${p.selector} (up to ${p.maxClicks ?? 50} times)`;
  return `Infinite scroll (up to ${p.maxScrolls ?? 50} scrolls)`;
}

function fieldsTable(fields) {
  return table(
    [
      { label: 'Field', get: (f) => f.name },
      { label: 'Selector', get: (f) => h('code', {}, f.selector ?? f.jsonPath ?? '(record)') },
      { label: 'Source', get: (f) => (f.source === 'attr' ? `attr ${f.attribute}` : (f.source ?? 'text')) },
      { label: 'Type', get: (f) => f.type ?? 'text' },
      { label: 'Required', get: (f) => (f.required ? 'yes' : '') },
    ],
    fields ?? [],
  );
}

function overview(agent) {
  const d = agent.definition ?? {};
  const dl = (pairs) => h('dl', { class: 'props' }, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, 'Definition'),
    dl([
      ['Start URLs', h('ul', { class: 'plain' }, (d.startUrls ?? []).map((u) => h('li', { class: 'url' }, u)))],
      ['Engine', d.engine ?? 'http'],
      ['Records', describeList(d.list)],
      ['Pagination', describePagination(d.pagination)],
      ['Follow', d.follow ? `Open ${d.follow.linkSelector} on each record and read ${d.follow.fields.length} more fields` : 'No'],
      ['Limits', d.limits ? `${d.limits.maxPages} pages, concurrency ${d.limits.concurrency}` : 'Defaults'],
    ]),
    h('h3', {}, 'Fields'),
    fieldsTable(d.fields),
    d.follow ? [h('h3', {}, 'Detail-page fields'), fieldsTable(d.follow.fields)] : null,
  );
}

async function runsTab(agent) {
  const runs = await api(`/api/v1/agent/${agent.id}/runs`, { query: { maxRecords: 50 } });
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, 'Runs'),
    table(
      [
        { label: 'Run', get: (r) => h('a', { href: `#/agents/${agent.id}/runs/${r.id}` }, `#${r.id}`) },
        { label: 'Status', get: (r) => statusBadge(r.status) },
        { label: 'Started', get: (r) => fmtDate(r.startTime ?? r.created) },
        { label: 'Records', get: (r) => String(r.recordsExtracted ?? 0) },
        { label: 'Errors', get: (r) => String(r.errorCount ?? 0) },
        { label: 'Message', get: (r) => r.errorMessage ?? r.message ?? '' },
      ],
      runs,
      { class: 'runs-table', empty: 'Not run yet.' },
    ),
  );
}

async function versionsTab(agent, reload) {
  const versions = await api(`/api/v1/agent/${agent.id}/versions`);
  const restore = async (v) => {
    try {
      await api(`/api/v1/agent/${agent.id}/version/${v}/restore`, { method: 'POST', json: { content: `Restored version ${v} from the Control Center` } });
      toast(`Version ${v} restored as a new version`, 'ok');
      reload();
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, 'Versions'),
    table(
      [
        { label: 'Version', get: (v) => `v${v.version}${v.version === agent.version ? ' (current)' : ''}` },
        { label: 'By', get: (v) => v.userName ?? '' },
        { label: 'Created', get: (v) => fmtDate(v.created) },
        { label: 'Comment', get: (v) => v.comments ?? '' },
        { label: 'Size', get: (v) => fmtBytes(v.fileSize) },
        { label: '', get: (v) => (v.version === agent.version ? '' : h('button', { type: 'button', class: 'secondary', onclick: () => restore(v.version) }, `Restore v${v.version}`)) },
      ],
      versions,
    ),
  );
}

function runControls(agent) {
  const out = h('div', { id: 'preview-out', 'aria-live': 'polite' });
  const start = async (sync) => {
    out.replaceChildren(spinner(sync ? 'Running a preview… records appear when the run ends.' : 'Starting…'));
    try {
      if (!sync) {
        const run = await api(`/api/v1/agent/${agent.id}/start`, { json: { isRunSynchronously: false } });
        navigate(`#/agents/${agent.id}/runs/${run.runId ?? run.id}`);
        return;
      }
      const res = await api(`/api/v1/agent/${agent.id}/start`, { json: { isRunSynchronously: true, timeout: 120 } });
      const records = Array.isArray(res) ? res : (Object.values(res ?? {})[0] ?? []);
      out.replaceChildren(h('h3', {}, `Preview: ${records.length} records`), recordsTable(records));
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };
  return h(
    'div',
    {},
    h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'primary', id: 'run-agent', onclick: () => start(false) }, 'Run'), h('button', { type: 'button', class: 'secondary', id: 'preview-agent', onclick: () => start(true) }, 'Run and show records')),
    out,
  );
}

export async function render(root, [id, tab = 'overview']) {
  root.append(spinner());
  const agent = await api(`/api/v1/agent/${id}`);
  const reload = () => navigate(`#/agents/${id}/${tab}`);
  fill(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: '#/agents' }, 'Agents'), ' / ', agent.name),
    h('div', { class: 'page-head' }, h('h1', { id: 'agent-name' }, agent.name), h('span', { class: 'muted' }, `v${agent.version} · `, statusBadge(agent.status))),
    agent.description ? h('p', {}, text(agent.description)) : null,
    runControls(agent),
    h('nav', { class: 'tabs', 'aria-label': 'Agent sections' }, TABS.map(([k, l]) => h('a', { href: `#/agents/${id}/${k}`, 'aria-current': k === tab ? 'page' : null }, l))),
  );
  const body = h('div', {}, spinner());
  root.append(body);
  try {
    let el;
    if (tab === 'edit') el = definitionEditor(agent, () => navigate(`#/agents/${id}/overview`));
    else if (tab === 'runs') el = await runsTab(agent);
    else if (tab === 'versions') el = await versionsTab(agent, reload);
    else if (tab === 'schedules') el = await (await import('./schedules.js')).schedulesSection(agent);
    else el = overview(agent);
    body.replaceChildren(el);
  } catch (e) {
    body.replaceChildren(errorBox(e));
  }
}
