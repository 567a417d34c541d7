// One run: live status and counters (polled every second while active), stop / kill / restart,
// the records (paged on the server, sortable within a page), and downloads of every file.
import { api } from '../api.js';
import { ACTIVE, TERMINAL, errorBox, every, fill, fmtBytes, fmtDate, h, spinner, statusBadge, table, toast } from '../dom.js';
import { recordsTable } from './records.js';

const COUNTERS = [
  ['dataCount', 'Records'],
  ['pageCount', 'Pages'],
  ['requestCount', 'Requests'],
  ['errorCount', 'Errors'],
  ['exportCount', 'Exported'],
  ['runTimeSec', 'Seconds'],
];
const PAGE = 50;

export async function render(root, [agentId, runId]) {
  const base = `/api/v1/agent/${agentId}/run/${runId}`;
  const head = h('div', { class: 'page-head' }, h('h1', {}, `Run #${runId}`));
  const statusLine = h('div', { class: 'run-status', 'aria-live': 'polite' }, spinner());
  const counters = h('dl', { class: 'counters' });
  const actions = h('div', { class: 'toolbar' });
  const records = h('section', { class: 'card' }, h('h2', {}, 'Records'), h('div', { id: 'records' }, spinner('Records appear as they are extracted.')));
  const files = h('section', { class: 'card' }, h('h2', {}, 'Files'), h('div', { id: 'files' }, spinner()));
  root.append(h('p', { class: 'crumbs' }, h('a', { href: '#/agents' }, 'Agents'), ' / ', h('a', { href: `#/agents/${agentId}/runs`, id: 'agent-link' }, `Agent ${agentId}`), ` / Run ${runId}`), head, statusLine, counters, actions, records, files);

  let offset = 0;
  let lastStatus = null;
  let lastCount = -1;

  const act = async (verb, label) => {
    try {
      await api(`${base}/${verb}`, { method: 'POST' });
      toast(`${label} sent`, 'ok');
      // Resume live polling: a restarted run is active again.
      stopPolling();
      stopPolling = every(1000, poll);
    } catch (e) {
      toast(e.message, 'error');
    }
  };

  const loadRecords = async () => {
    const r = await api(`${base}/records`, { query: { offset, limit: PAGE } });
    const pages = Math.max(1, Math.ceil(r.total / PAGE));
    const page = Math.floor(offset / PAGE) + 1;
    document.getElementById('records').replaceChildren(
      h('p', { class: 'muted', id: 'records-total' }, `${r.total} records`),
      recordsTable(r.records, { columns: r.columns }),
      h(
        'div',
        { class: 'pager' },
        h('button', { type: 'button', class: 'secondary', disabled: page <= 1, onclick: () => ((offset -= PAGE), loadRecords()) }, '‹ Previous'),
        h('span', {}, ` Page ${page} of ${pages} `),
        h('button', { type: 'button', class: 'secondary', disabled: page >= pages, onclick: () => ((offset += PAGE), loadRecords()) }, 'Next ›'),
      ),
    );
  };

  const loadFiles = async () => {
    const list = await api(`${base}/files`);
    // A plain link: the session cookie authenticates the GET, and the response is an attachment.
    document.getElementById('files').replaceChildren(
      table(
        [
          { label: 'File', get: (f) => h('a', { href: `${base}/file/${f.id}/download`, download: f.name, class: 'file-link' }, f.name) },
          { label: 'Type', get: (f) => f.fileType },
          { label: 'Size', get: (f) => fmtBytes(f.fileSize) },
          { label: 'Created', get: (f) => fmtDate(f.created) },
        ],
        list,
        { class: 'files-table', empty: 'No files yet (they are written when the run ends).' },
      ),
      h('p', { class: 'muted' }, 'Export all records: ', ['csv', 'json', 'ndjson', 'xlsx'].flatMap((f, i) => [i ? ' · ' : '', h('a', { href: `${base}/records?format=${f}`, download: `run-${runId}.${f}` }, f.toUpperCase())])),
    );
  };

  const poll = async () => {
    const s = await api(`${base}/status`);
    head.firstChild.textContent = `Run #${runId}${s.configName ? ` of ${s.configName}` : ''}`;
    if (s.configName) document.getElementById('agent-link').textContent = s.configName;
    fill(statusLine, h('span', { id: 'run-status' }, statusBadge(s.status)), s.message ? h('span', { class: 'run-message' }, ` ${s.message}`) : '', h('span', { class: 'muted' }, ` · started ${fmtDate(s.startTime ?? s.created)}${s.endTime ? ` · ended ${fmtDate(s.endTime)}` : ''}`));
    counters.replaceChildren(...COUNTERS.flatMap(([k, l]) => [h('div', { class: 'counter' }, h('dt', {}, l), h('dd', { 'data-counter': k }, String(s[k] ?? 0)))]));
    if (s.status !== lastStatus) {
      fill(actions,
        ACTIVE.has(s.status) ? h('button', { type: 'button', class: 'secondary', id: 'stop-run', onclick: () => act('stop', 'Stop') }, 'Stop') : null,
        ACTIVE.has(s.status) ? h('button', { type: 'button', class: 'danger', id: 'kill-run', onclick: () => act('kill', 'Kill') }, 'Kill') : null,
        s.status === 6 ? h('button', { type: 'button', class: 'primary', id: 'restart-run', onclick: () => act('restart', 'Restart') }, 'Restart') : null,
      );
    }
    // Records refresh while the count grows; files once the run has ended.
    if (s.dataCount !== lastCount || (TERMINAL.has(s.status) && lastStatus !== s.status)) {
      lastCount = s.dataCount;
      await loadRecords().catch((e) => document.getElementById('records').replaceChildren(errorBox(e)));
    }
    if (TERMINAL.has(s.status) && lastStatus !== s.status) await loadFiles().catch((e) => document.getElementById('files').replaceChildren(errorBox(e)));
    else if (!TERMINAL.has(s.status) && lastStatus === null) await loadFiles().catch(() => {});
    lastStatus = s.status;
    if (TERMINAL.has(s.status)) stopPolling();
  };

  let stopPolling = () => {};
  stopPolling = every(1000, poll);
  return () => stopPolling();
}
