// Schedules of one agent: create/edit CRON, RunOnce and RunEvery schedules with a live preview of the
// next fire times in the chosen time zone (computed by the server's own scheduler rules), enable/disable.
import { api } from '../api.js';
import { errorBox, fmtDate, h, table, toast } from '../dom.js';

const TYPES = [
  [3, 'CRON'],
  [1, 'Run once'],
  [2, 'Run every'],
];
const PERIODS = [
  [1, 'minutes'],
  [2, 'hours'],
  [3, 'days'],
  [4, 'weeks'],
  [5, 'months'],
];

/** Offset (ms) of `tz` at instant `t`: what the wall clock there reads minus UTC. */
function tzOffset(t, tz) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - t;
}

/** A datetime-local value read as wall-clock time in `tz` → UTC ISO (two passes settle DST edges). */
export function zonedToUtc(local, tz) {
  const [d, t] = local.split('T');
  const [y, mo, da] = d.split('-').map(Number);
  const [hh, mm] = t.split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, da, hh, mm);
  let utc = wall - tzOffset(wall, tz);
  utc = wall - tzOffset(utc, tz);
  return new Date(utc).toISOString();
}

function utcToZonedInput(iso, tz) {
  const t = Date.parse(iso);
  return new Date(t + tzOffset(t, tz)).toISOString().slice(0, 16);
}

function scheduleForm(agent, existing, onSaved) {
  const tzDefault = existing?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  const name = h('input', { type: 'text', id: 'sched-name', required: true, value: existing?.name ?? `${agent.name} schedule` });
  const type = h('select', { id: 'sched-type' }, TYPES.map(([v, l]) => h('option', { value: v, selected: (existing?.scheduleType ?? 3) === v }, l)));
  const cron = h('input', { type: 'text', id: 'sched-cron', class: 'code', value: existing?.cronExpression ?? '0 9 * * 1-5', 'aria-describedby': 'cron-help' });
  const tz = h('input', { type: 'text', id: 'sched-tz', list: 'tz-list', value: tzDefault, autocomplete: 'off' });
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
  const start = h('input', { type: 'datetime-local', id: 'sched-start', value: existing?.startTime ? utcToZonedInput(existing.startTime, tzDefault) : '' });
  const count = h('input', { type: 'number', id: 'sched-count', min: 1, value: existing?.runEveryCount ?? 1 });
  const period = h('select', { id: 'sched-period' }, PERIODS.map(([v, l]) => h('option', { value: v, selected: (existing?.runEveryPeriod ?? 3) === v }, l)));
  const enabled = h('input', { type: 'checkbox', id: 'sched-enabled', checked: existing?.isEnabled ?? true });
  const preview = h('div', { id: 'sched-preview', class: 'preview', 'aria-live': 'polite' });
  const msg = h('div', { 'aria-live': 'polite' });
  const row = (label, input, extra) => h('div', { class: 'form-row' }, h('label', { for: input.id }, label), input, extra ?? null);
  const cronRow = row('CRON expression', cron, h('small', { id: 'cron-help', class: 'muted' }, 'minute hour day month weekday, e.g. 0 9 * * 1-5 = weekdays at 09:00'));
  const startRow = row('Start time (in the time zone below)', start);
  const everyRow = h('div', { class: 'form-row' }, h('label', { for: 'sched-count' }, 'Every'), h('div', { class: 'inline' }, count, period));

  const body = () => {
    const t = Number(type.value);
    const b = { name: name.value.trim(), scheduleType: t, timezone: tz.value.trim() || 'UTC', isEnabled: enabled.checked };
    if (t === 3) b.cronExpression = cron.value.trim();
    if (t === 2) Object.assign(b, { runEveryCount: Number(count.value), runEveryPeriod: Number(period.value) });
    if ((t === 1 || t === 2) && start.value) {
      try {
        b.startTime = zonedToUtc(start.value, b.timezone);
      } catch {
        b.startTime = null; // an unknown zone: the server reports it
      }
    }
    return b;
  };
  const sync = () => {
    const t = Number(type.value);
    cronRow.hidden = t !== 3;
    startRow.hidden = t === 3;
    everyRow.hidden = t !== 2;
  };
  let timer;
  const refresh = () => {
    sync();
    clearTimeout(timer);
    timer = setTimeout(async () => {
      try {
        const p = await api('/ui/schedule-preview', { json: body() });
        if (p.errors.length) return preview.replaceChildren(h('p', { class: 'muted' }, 'Preview: '), h('ul', { class: 'editor-errors' }, p.errors.map((e) => h('li', {}, e))));
        preview.replaceChildren(
          h('p', {}, h('strong', {}, p.localSchedule ?? '')),
          h('p', { class: 'muted' }, `Next fire times (${p.timezone}):`),
          h('ol', { class: 'next-times' }, p.nextRunTimes.map((x) => h('li', {}, `${x.local}`, h('span', { class: 'muted' }, ` · ${fmtDate(x.utc)} your time`)))),
        );
      } catch (e) {
        preview.replaceChildren(errorBox(e));
      }
    }, 250);
  };
  const form = h(
    'form',
    { class: 'card', id: 'schedule-form' },
    h('h3', {}, existing ? `Edit schedule ${existing.name}` : 'New schedule'),
    row('Name', name),
    row('Type', type),
    cronRow,
    everyRow,
    startRow,
    row('Time zone', tz, h('datalist', { id: 'tz-list' }, zones.map((z) => h('option', { value: z })))),
    h('div', { class: 'form-row check' }, enabled, h('label', { for: 'sched-enabled' }, 'Enabled')),
    preview,
    msg,
    h('button', { type: 'submit', class: 'primary', id: 'sched-save' }, existing ? 'Save schedule' : 'Create schedule'),
  );
  for (const el of [type, cron, tz, start, count, period]) el.addEventListener('input', refresh);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    try {
      const path = `/api/v1/agent/${agent.id}/schedules${existing ? `/${existing.id}` : ''}`;
      const saved = await api(path, { method: existing ? 'PUT' : 'POST', json: body() });
      toast(`Schedule saved; next run ${fmtDate(saved.nextRunTime)}`, 'ok');
      onSaved(saved);
    } catch (e) {
      msg.append(errorBox(e));
    }
  });
  refresh();
  return form;
}

export async function schedulesSection(agent) {
  const section = h('section', { class: 'card' }, h('h2', {}, 'Schedules'));
  const listBox = h('div', { id: 'schedules-list' });
  const formBox = h('div', {});
  section.append(listBox, h('button', { type: 'button', class: 'secondary', id: 'new-schedule', onclick: () => formBox.replaceChildren(scheduleForm(agent, null, reload)) }, 'New schedule'), formBox);

  const toggle = async (s) => {
    try {
      await api(`/api/v1/agent/${agent.id}/schedules/${s.id}/${s.isEnabled ? 'disable' : 'enable'}`, { method: 'POST' });
      await reload();
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  const remove = async (s) => {
    if (!confirm(`Delete schedule "${s.name}"?`)) return;
    try {
      await api(`/api/v1/agent/${agent.id}/schedules/${s.id}`, { method: 'DELETE' });
      await reload();
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  async function reload() {
    formBox.replaceChildren();
    let list;
    try {
      list = await api(`/api/v1/agent/${agent.id}/schedules`);
    } catch (e) {
      listBox.replaceChildren(e.status === 404 ? h('p', { class: 'muted' }, 'Schedules are not available on this server yet.') : errorBox(e));
      return;
    }
    listBox.replaceChildren(
      table(
        [
          { label: 'Name', get: (s) => s.name },
          { label: 'When', get: (s) => s.localSchedule ?? s.cronExpression ?? '' },
          { label: 'Next run', get: (s) => h('span', { class: 'next-run' }, s.isEnabled ? `${fmtDate(s.nextRunTime)}` : 'Disabled') },
          { label: 'Time zone', get: (s) => s.timezone ?? 'UTC' },
          {
            label: 'Actions',
            get: (s) =>
              h(
                'div',
                { class: 'row-actions' },
                h('button', { type: 'button', class: 'secondary', onclick: () => formBox.replaceChildren(scheduleForm(agent, s, reload)) }, 'Edit'),
                h('button', { type: 'button', class: 'secondary sched-toggle', onclick: () => toggle(s) }, s.isEnabled ? 'Disable' : 'Enable'),
                h('button', { type: 'button', class: 'danger', onclick: () => remove(s) }, 'Delete'),
              ),
          },
        ],
        list,
        { class: 'schedules-table', empty: 'No schedules.' },
      ),
    );
  }
  await reload();
  return section;
}
