// Agent Builder: a prompt (and optionally a URL) starts a session; its events arrive by long-poll and
// are shown as they come; sample records with fill rates; follow-ups; Finish (name → agent) or Cancel.
import { api } from '../api.js';
import { navigate } from '../app.js';
import { errorBox, h, text, toast } from '../dom.js';
import { recordsTable } from './records.js';

const B = '/api/v1/agent-builder';

/** One event → a list item. Every payload value is rendered as text. */
function eventItem(ev) {
  const li = h('li', { class: `event event-${ev.type}`, 'data-type': ev.type });
  const tag = h('span', { class: 'event-type' }, ev.type.replace(/_/g, ' '));
  switch (ev.type) {
    case 'session_started':
      li.append(tag, ` Session started (${text(ev.mode)})`);
      break;
    case 'user_prompt':
      li.append(tag, ' ', h('q', {}, text(ev.prompt)));
      break;
    case 'thinking':
    case 'user_message':
      li.append(tag, ' ', text(ev.message));
      break;
    case 'plan_generated': {
      const steps = Array.isArray(ev.plan) ? ev.plan : (ev.plan?.steps ?? []);
      li.append(tag, h('ol', { class: 'plan' }, steps.map((s) => h('li', {}, text(s.description), s.actionType ? h('span', { class: 'muted' }, ` (${text(s.actionType)})`) : null))));
      break;
    }
    case 'step_started':
      li.append(tag, ` Step ${text(ev.stepNumber)}${ev.totalSteps ? ` of ${text(ev.totalSteps)}` : ''}: ${text(ev.description)}`);
      break;
    case 'step_completed':
      li.append(tag, ` Step ${text(ev.stepNumber)} ${ev.success === false ? 'failed' : 'done'}`);
      break;
    case 'navigation_completed':
      li.append(tag, ' ', h('span', { class: 'url' }, text(ev.url)), ev.title ? ` · ${text(ev.title)}` : '');
      break;
    case 'command_added':
      li.append(tag, ' ', h('code', {}, text(typeof ev.command === 'string' ? ev.command : (ev.command?.description ?? ev.command))));
      break;
    case 'sample_records':
      li.append(tag, ` ${text(ev.recordCount ?? ev.records?.length ?? 0)} sample records`);
      break;
    case 'ready_for_interaction':
      li.append(tag, ' ', text(ev.message ?? 'Ready: refine with a follow-up, or finish.'));
      break;
    case 'error':
      li.append(tag, ' ', text(ev.message), ev.isRecoverable ? ' (recoverable)' : '');
      li.classList.add('event-bad');
      break;
    case 'screenshot':
      // Only base64 characters reach the data: URL, so it cannot become another scheme or markup.
      if (typeof ev.imageBase64 === 'string' && /^[A-Za-z0-9+/=\s]+$/.test(ev.imageBase64)) li.append(tag, h('img', { class: 'shot', alt: 'Page screenshot', src: `data:image/png;base64,${ev.imageBase64.replace(/\s/g, '')}` }));
      else li.append(tag);
      break;
    default:
      li.append(tag, ' ', text(ev.message ?? ''));
  }
  return li;
}

export async function render(root, _params, query) {
  const url = h('input', { type: 'url', id: 'builder-url', placeholder: 'https://example.com/products/ (optional)', 'aria-label': 'Start URL (optional)' });
  const prompt = h('textarea', { id: 'builder-prompt', rows: 3, placeholder: 'Get the product name, price and SKU from https://…', 'aria-label': 'What data do you want?' });
  const startBtn = h('button', { type: 'submit', class: 'primary', id: 'builder-start' }, 'Build agent');
  const startMsg = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card form-stack', id: 'builder-form' }, h('label', { for: 'builder-prompt' }, 'Describe the data you want'), prompt, h('label', { for: 'builder-url' }, 'Start URL'), url, startMsg, startBtn);
  const phase = h('p', { id: 'builder-phase', class: 'muted', 'aria-live': 'polite' });
  const events = h('ol', { id: 'builder-events', class: 'events', 'aria-live': 'polite', 'aria-label': 'Builder events' });
  const sample = h('div', { id: 'builder-sample' });
  const followInput = h('input', { type: 'text', id: 'builder-followup', placeholder: 'e.g. also get the rating', 'aria-label': 'Follow-up instruction' });
  const followBtn = h('button', { type: 'submit', class: 'secondary', id: 'builder-followup-send' }, 'Send follow-up');
  const nameInput = h('input', { type: 'text', id: 'builder-name', placeholder: 'Agent name', 'aria-label': 'Agent name' });
  const finishBtn = h('button', { type: 'submit', class: 'primary', id: 'builder-finish' }, 'Finish and save agent');
  const cancelBtn = h('button', { type: 'button', class: 'danger', id: 'builder-cancel' }, 'Cancel');
  const actMsg = h('div', { 'aria-live': 'polite' });
  const session = h(
    'section',
    { class: 'card', hidden: true, id: 'builder-session' },
    h('h2', {}, 'Building'),
    phase,
    events,
    sample,
    h('form', { class: 'toolbar', id: 'followup-form' }, followInput, followBtn),
    h('form', { class: 'toolbar', id: 'finish-form' }, nameInput, finishBtn, cancelBtn),
    actMsg,
  );
  root.append(h('h1', {}, 'Agent Builder'), h('p', {}, 'Describe the data in plain words. The builder opens the page, finds the records and fields, and shows you samples before you save.'), form, session);

  const ctl = new AbortController();
  let sessionId = null;
  let ready = false;
  let done = false;

  const setReady = (r) => {
    ready = r;
    for (const el of [followInput, followBtn, nameInput, finishBtn]) el.disabled = !r || done;
    cancelBtn.disabled = done;
  };

  const handle = (ev) => {
    events.append(eventItem(ev));
    events.lastChild.scrollIntoView?.({ block: 'nearest' });
    if (ev.type === 'sample_records') {
      const recs = Array.isArray(ev.records) ? ev.records : [];
      sample.replaceChildren(h('h3', {}, `Sample records (${text(ev.recordCount ?? recs.length)})`), recordsTable(recs, { columns: ev.fields, fillRates: ev.fillRates ?? {} }));
    }
    if (ev.type === 'ready_for_interaction') setReady(true);
    if (ev.type === 'error' && !ev.isRecoverable) {
      done = true;
      setReady(false);
    }
    if (ev.type === 'navigation_completed' && ev.title && !nameInput.value) nameInput.value = String(ev.title).slice(0, 100);
  };

  const pollLoop = async () => {
    let last = -1;
    while (!ctl.signal.aborted && !done) {
      try {
        const r = await api(`${B}/${sessionId}/events`, { query: { lastEventIndex: last }, signal: ctl.signal });
        for (const ev of r.events ?? []) handle(ev);
        last = r.lastEventIndex ?? last;
        if (r.phase) phase.textContent = `Phase: ${r.phase}`;
        if (r.phase === 'ready_to_finish' || r.status === 'ready') setReady(true);
        if (['finished', 'completed', 'cancelled', 'error'].includes(r.phase ?? r.status)) done = true;
      } catch (e) {
        if (ctl.signal.aborted) return;
        if (e.status === 404) {
          done = true;
          phase.textContent = 'This session has ended.';
          setReady(false);
          return;
        }
        await new Promise((res) => setTimeout(res, 2000)); // transient: retry
      }
    }
  };

  const begin = (id) => {
    sessionId = id;
    history.replaceState(null, '', `#/builder?session=${encodeURIComponent(id)}`);
    session.hidden = false;
    setReady(false);
    phase.textContent = 'Phase: building';
    void pollLoop();
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    startMsg.replaceChildren();
    const body = url.value.trim() ? { mode: 'url', url: url.value.trim(), prompt: prompt.value.trim() || null } : { mode: 'prompt', prompt: prompt.value.trim() };
    startBtn.disabled = true;
    try {
      const r = await api(`${B}/start`, { json: body });
      if (r.success === false || !r.sessionId) throw new Error(r.error ?? 'The builder did not start');
      events.replaceChildren();
      sample.replaceChildren();
      done = false;
      begin(r.sessionId);
    } catch (e) {
      startMsg.append(errorBox(e));
    } finally {
      startBtn.disabled = false;
    }
  });

  session.querySelector('#followup-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!followInput.value.trim() || !ready) return;
    actMsg.replaceChildren();
    try {
      const r = await api(`${B}/${sessionId}/followup`, { json: { message: followInput.value.trim() } });
      if (r?.success === false) throw new Error(r.error ?? 'Follow-up refused');
      followInput.value = '';
      setReady(false);
    } catch (e) {
      actMsg.append(errorBox(e));
    }
  });

  session.querySelector('#finish-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    actMsg.replaceChildren();
    if (!nameInput.value.trim()) return actMsg.append(errorBox(new Error('Give the agent a name')));
    try {
      const r = await api(`${B}/${sessionId}/finish`, { json: { agentName: nameInput.value.trim() } });
      if (r?.success === false) throw new Error(r.error ?? 'Finish refused');
      done = true;
      ctl.abort();
      toast(`Agent "${r.agentName ?? nameInput.value}" saved`, 'ok');
      navigate(`#/agents/${r.agentId ?? r.configId}`);
    } catch (e) {
      actMsg.append(errorBox(e));
    }
  });

  cancelBtn.addEventListener('click', async () => {
    try {
      await api(`${B}/${sessionId}/cancel`, { method: 'POST' });
      done = true;
      setReady(false);
      phase.textContent = 'Cancelled: no agent was created.';
    } catch (e) {
      actMsg.append(errorBox(e));
    }
  });

  const resume = query.get('session');
  if (resume) begin(resume);
  else prompt.focus();
  return () => ctl.abort();
}
