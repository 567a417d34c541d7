// Dashboard: agent total, runs by status for the last 7 days (SVG), recent failures, upcoming schedules.
import { api } from '../api.js';
import { stackedBars } from '../chart.js';
import { ACTIVE, errorBox, fmtDate, h, spinner, table } from '../dom.js';

const SERIES = [
  { key: 'ok', label: 'Succeeded', cls: 's-ok' },
  { key: 'failed', label: 'Failed', cls: 's-bad' },
  { key: 'stopped', label: 'Stopped', cls: 's-idle' },
  { key: 'active', label: 'Running or queued', cls: 's-busy' },
];

function bucketOf(status) {
  if (status === 9 || status === 10) return 'ok';
  if (status === 6 || status === 7) return 'failed';
  if (ACTIVE.has(status)) return 'active';
  return 'stopped';
}

function lastDays(n) {
  const days = [];
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  for (let i = n - 1; i >= 0; i--) {
    const start = new Date(today.getTime() - i * 86400_000);
    days.push({ start, end: new Date(start.getTime() + 86400_000), label: start.toLocaleDateString(undefined, { weekday: 'short' }), counts: {} });
  }
  return days;
}

/** Preferred: the analytics summary per day. Fallback: walk each agent's run list (smaller installs). */
async function runsByDay(agents) {
  const days = lastDays(7);
  let failures = [];
  try {
    for (const d of days) {
      const r = await api('/api/v1/analytics/runs/summary', { query: { startDate: d.start.toISOString(), endDate: d.end.toISOString(), includeDetails: true } });
      d.counts = { ok: r.completedRuns ?? 0, failed: r.failedRuns ?? 0, stopped: r.stoppedRuns ?? 0, active: (r.runningRuns ?? 0) + (r.queuedRuns ?? 0) };
      failures.push(...(r.failedRunDetails ?? []).map((f) => ({ ...f, message: f.errorMessage })));
    }
    return { days, failures, source: 'analytics' };
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  failures = [];
  for (const a of agents.slice(0, 50)) {
    const runs = await api(`/api/v1/agent/${a.id}/runs`, { query: { maxRecords: 200 } });
    for (const r of runs) {
      const t = new Date(r.startTime ?? r.created);
      const d = days.find((x) => t >= x.start && t < x.end);
      if (d) d.counts[bucketOf(r.status)] = (d.counts[bucketOf(r.status)] ?? 0) + 1;
      if ((r.status === 6 || r.status === 7) && t >= days[0].start) failures.push({ runId: r.id, agentId: a.id, agentName: a.name, startTime: r.startTime, message: r.errorMessage ?? r.message });
    }
  }
  failures.sort((x, y) => String(y.startTime).localeCompare(String(x.startTime)));
  return { days, failures, source: 'runs' };
}

export async function render(root) {
  root.append(h('h1', {}, 'Dashboard'));
  const stats = h('div', { class: 'stats' }, spinner());
  const chart = h('section', { class: 'card', 'aria-labelledby': 'chart-h' }, h('h2', { id: 'chart-h' }, 'Runs by status, last 7 days'), spinner());
  const fails = h('section', { class: 'card' }, h('h2', {}, 'Recent failures'), spinner());
  const upcoming = h('section', { class: 'card' }, h('h2', {}, 'Upcoming scheduled runs'), spinner());
  root.append(stats, chart, h('div', { class: 'two-col' }, fails, upcoming));

  const all = await api('/api/v1/agent/all', { query: { pageIndex: 1, recordsPerPage: 100, sortColumn: 'lastActivity', sortOrder: 1 } });
  stats.replaceChildren(
    h('div', { class: 'stat' }, h('span', { class: 'stat-n', id: 'agents-total' }, String(all.totalRecordCount)), h('span', {}, 'agents')),
    h('a', { class: 'stat stat-link', href: '#/builder' }, h('span', { class: 'stat-n' }, '+'), h('span', {}, 'Build a new agent')),
  );

  try {
    const { days, failures } = await runsByDay(all.agents);
    chart.lastChild.replaceWith(stackedBars(days, SERIES, 'Runs per day by status'));
    fails.lastChild.replaceWith(
      table(
        [
          { label: 'Agent', get: (f) => h('a', { href: `#/agents/${f.agentId}/runs/${f.runId}` }, f.agentName ?? `Agent ${f.agentId}`) },
          { label: 'When', get: (f) => fmtDate(f.startTime ?? f.endTime) },
          { label: 'Message', get: (f) => f.message ?? '' },
        ],
        failures.slice(0, 10),
        { empty: 'No failed runs in the last 7 days.' },
      ),
    );
  } catch (e) {
    chart.lastChild.replaceWith(errorBox(e));
    fails.lastChild.replaceWith(h('p', { class: 'muted' }, 'Unavailable.'));
  }

  try {
    const start = new Date();
    const up = await api('/api/v1/analytics/schedules/upcoming', { query: { startDate: start.toISOString(), endDate: new Date(start.getTime() + 7 * 86400_000).toISOString() } });
    const rows = (Array.isArray(up) ? up : (up.schedules ?? [])).filter((u) => u.isEnabled !== false).sort((a, b) => String(a.nextRunTime).localeCompare(String(b.nextRunTime)));
    upcoming.lastChild.replaceWith(
      table(
        [
          { label: 'Agent', get: (u) => h('a', { href: `#/agents/${u.agentId}/schedules` }, u.agentName ?? `Agent ${u.agentId}`) },
          { label: 'Schedule', get: (u) => u.scheduleName ?? '' },
          { label: 'Next run', get: (u) => `${fmtDate(u.nextRunTime)}${u.timezone ? ` (${u.timezone})` : ''}` },
        ],
        rows.slice(0, 10),
        { empty: 'No runs scheduled in the next 7 days.' },
      ),
    );
  } catch (e) {
    upcoming.lastChild.replaceWith(e.status === 404 ? h('p', { class: 'muted' }, 'Schedules are not available on this server yet.') : errorBox(e));
  }
}
