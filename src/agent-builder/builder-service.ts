/**
 * Agent Builder sessions over Sequentum's session API: start → processing → ready (phase
 * ready_to_finish) → finish → completed, with follow-ups, stop, cancel and a long-poll event cursor.
 * Sessions and events live in the database: a restart resumes sessions that were building.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, ValidationError, errorMessage } from '../domain/errors.ts';
import { outputFieldNames, type AgentSpec } from '../domain/agent-spec.ts';
import type { Platform } from '../platform.ts';
import { canSeeSpace, isAdmin, type Principal } from '../services/access.ts';
import type { BuilderSessionRow } from '../storage/repos/builder-repo.ts';
import { parsePrompt, type PromptIntent } from './prompt/parse-prompt.ts';
import { parseCredentials, type Credentials } from './prompt/credentials.ts';
import { BuildError, runBuild } from './build-pipeline.ts';
import { createPageSource, type PageSource } from './page-source.ts';
import { applyFollowup } from './followups.ts';
import type { LlmAssist } from './llm/llm-assist.ts';

export type SessionStatus = 'processing' | 'ready' | 'completed' | 'error' | 'cancelled';
export type SessionPhase = 'building' | 'ready_to_finish' | 'finished';

export interface ConversationMessage { role: 'user' | 'assistant'; content: string; timestamp: string }

export interface SessionState {
  intent: PromptIntent | null;
  draft: AgentSpec | null;
  conversation: ConversationMessage[];
  suggestedName: string;
  recordCount?: number;
  fillRates?: Record<string, number>;
  /** The follow-up being applied (kept so a restart can redo it). */
  pending?: string | null;
  /** Login credentials taken out of the prompt (which is stored and shown with the password masked). */
  credentials?: Credentials | null;
}

const LEASE_MS = 60_000;

export class BuilderService {
  private readonly running = new Map<string, AbortController>();
  private readonly owner = `builder:${randomUUID().slice(0, 8)}`;
  private sources = new Map<string, PageSource>();
  /** Long-poll hold; tests shorten it. */
  longPollMs = 25_000;

  constructor(private readonly p: Platform, private readonly llm: LlmAssist | null = null) {}

  private now() {
    return this.p.clock.now().toISOString();
  }

  async start(principal: Principal, body: { mode?: string | null; prompt?: string | null; url?: string | null; spaceId?: number | null }) {
    const mode = (body.mode ?? (body.prompt ? 'prompt' : body.url ? 'url' : 'prompt')).toLowerCase();
    if (mode !== 'prompt' && mode !== 'url') throw new ValidationError(['mode: must be "prompt" or "url"']);
    const prompt = (body.prompt ?? '').trim();
    const url = body.url?.trim() || null;
    if (mode === 'url') {
      if (!url) throw new ValidationError(['url: is required when mode is "url"']);
      if (!/^https?:\/\/\S+$/i.test(url)) throw new ValidationError(['url: must be an http(s) URL']);
    } else if (prompt.length < 10 || prompt.length > 5000) {
      throw new ValidationError([`prompt: must be 10 to 5000 characters after trimming (got ${prompt.length})`]);
    }
    const spaceId = await this.p.agents.resolveSpace(principal, body.spaceId);
    const given = mode === 'url' ? `${prompt || 'Extract the records'} from ${url}` : prompt;
    // The password never reaches events, the conversation or the agent's description: only the masked text.
    const cred = parseCredentials(given);
    const full = cred.redacted;
    const id = randomUUID();
    const state: SessionState = { intent: null, draft: null, conversation: [{ role: 'user', content: full, timestamp: this.now() }], suggestedName: suggestName(full), pending: null, credentials: cred.credentials };
    await this.p.builderRepo.create({ id, userId: principal.userId, spaceId, mode, prompt: full, url, state: JSON.stringify(state) }, this.now());
    await this.emit(id, 'session_started', { sessionId: id, mode });
    await this.emit(id, 'user_prompt', { prompt: full });
    this.launch(id);
    return { success: true, sessionId: id, error: null };
  }

  async get(principal: Principal, id: string): Promise<BuilderSessionRow> {
    const s = await this.p.builderRepo.get(id);
    if (!s || (!isAdmin(principal) && (s.user_id !== principal.userId || !canSeeSpace(principal, s.space_id)))) throw ApiError.notFound(`No builder session ${id}`);
    return s;
  }

  async status(principal: Principal, id: string) {
    const s = await this.get(principal, id);
    return { status: s.status, phase: s.phase, lastEventIndex: s.last_event_index, configId: s.agent_id, agentId: s.agent_id, agentName: s.agent_name ?? (s.status === 'ready' ? stateOf(s).suggestedName : null), error: s.error };
  }

  async events(principal: Principal, id: string, after: number, signal?: AbortSignal) {
    await this.get(principal, id);
    const read = () => this.p.builderRepo.events(id, after);
    let events = await read();
    if (!events.length) {
      await this.p.bus.waitFor('builder-event', async () => (await this.p.builderRepo.get(id))!.last_event_index > after, { timeoutMs: this.longPollMs, pollMs: this.p.db.dialect === 'postgres' ? 500 : 1000, filter: (e) => e.sessionId === id, signal });
      events = await read();
    }
    const s = (await this.p.builderRepo.get(id))!;
    const last = events.length ? events[events.length - 1]!.eventIndex : after;
    return { events, lastEventIndex: last, phase: s.phase, status: s.status };
  }

  async followup(principal: Principal, id: string, message: string | null | undefined) {
    const s = await this.get(principal, id);
    const text = (message ?? '').trim();
    if (!text) throw new ValidationError(['message: is required']);
    if (s.status !== 'ready') throw ApiError.conflict(`Session is ${s.status}; follow-ups are accepted when it is ready`);
    const state = stateOf(s);
    state.conversation.push({ role: 'user', content: text, timestamp: this.now() });
    state.pending = text;
    if (!(await this.p.builderRepo.transition(id, ['ready'], { status: 'processing', phase: 'building', state: JSON.stringify(state), error: null }, this.now()))) throw ApiError.conflict('Session changed state; try again');
    await this.emit(id, 'user_prompt', { prompt: text });
    this.launch(id);
    return { success: true, error: null };
  }

  async finish(principal: Principal, id: string, agentName: string | null | undefined) {
    const s = await this.get(principal, id);
    if (s.status !== 'ready') throw ApiError.conflict(`Session is ${s.status}; only a ready session can be finished`);
    const state = stateOf(s);
    if (!state.draft) throw ApiError.conflict('The session has no draft agent yet: send a follow-up with what is missing');
    const name = (agentName ?? '').trim() || state.suggestedName;
    const owner = await this.principalOf(s);
    const agent = await this.p.agents.create(owner, { name, description: `Built by the Agent Builder from: ${s.prompt ?? ''}`.slice(0, 2000), definition: state.draft, spaceId: s.space_id });
    state.conversation.push({ role: 'assistant', content: `Saved agent "${name}" (id ${agent.id}).`, timestamp: this.now() });
    if (!(await this.p.builderRepo.transition(id, ['ready'], { status: 'completed', phase: 'finished', agent_id: agent.id, agent_name: name, state: JSON.stringify(state) }, this.now()))) {
      await this.p.agents.delete(owner, agent.id);
      throw ApiError.conflict('Session changed state while finishing; try again');
    }
    await this.emit(id, 'agent_saved', { configId: agent.id, agentId: agent.id, agentName: name });
    await this.emit(id, 'session_completed', { agentId: agent.id, agentName: name, phase: 'finished' });
    return { success: true, agentId: agent.id, configId: agent.id, agentName: name, error: null };
  }

  async cancel(principal: Principal, id: string) {
    const s = await this.get(principal, id);
    if (!(await this.p.builderRepo.transition(id, ['processing', 'ready'], { status: 'cancelled', phase: s.phase === 'finished' ? 'finished' : s.phase }, this.now()))) throw ApiError.conflict(`Session is ${s.status} and cannot be cancelled`);
    this.running.get(id)?.abort(new Error('cancelled'));
    this.bus(id);
    return { success: true, error: null };
  }

  /** Gen-A: interrupt the current operation, keep the session (ready). Gen-B (cleanup mode or ?cleanup=true): end it. */
  async stop(principal: Principal, id: string, cleanup: boolean) {
    const s = await this.get(principal, id);
    if (cleanup) {
      if (s.status === 'processing' || s.status === 'ready') await this.cancel(principal, id);
      return { success: true, error: null };
    }
    if (s.status !== 'processing') return { success: true, error: null };
    const ctrl = this.running.get(id);
    ctrl?.abort(new Error('stopped'));
    const state = stateOf(s);
    state.pending = null;
    await this.p.builderRepo.transition(id, ['processing'], { status: 'ready', phase: state.draft ? 'ready_to_finish' : 'building', state: JSON.stringify(state) }, this.now());
    await this.emit(id, 'ready_for_interaction', { snapshot: '', message: 'Stopped. Send a follow-up to continue, or finish with the current draft.', configId: null, agentName: state.suggestedName, hasBrowserUrl: false, phase: state.draft ? 'ready_to_finish' : 'building' });
    return { success: true, error: null };
  }

  async conversation(principal: Principal, id: string) {
    const s = await this.get(principal, id);
    const state = stateOf(s);
    const lastUser = [...state.conversation].reverse().find((m) => m.role === 'user');
    return { sessionId: s.id, configId: s.agent_id ?? 0, status: s.status, totalMessageCount: state.conversation.length, lastUserPrompt: lastUser?.content ?? null, messageHistory: JSON.stringify(state.conversation.slice(-50)), summarizedContext: null, updated: s.updated };
  }

  /** Resumes sessions left building by a process that died (their lease lapsed). */
  async resumeOrphans(): Promise<void> {
    for (const s of await this.p.builderRepo.orphaned(this.now())) {
      if (this.running.has(s.id)) continue;
      await this.emit(s.id, 'thinking', { message: 'Resuming the build after a server restart.' });
      this.launch(s.id);
    }
  }

  async close(): Promise<void> {
    for (const c of this.running.values()) c.abort(new Error('server shutting down'));
  }

  private launch(id: string): void {
    const ctrl = new AbortController();
    this.running.set(id, ctrl);
    void this.build(id, ctrl.signal)
      .catch((e) => this.p.reportError(e))
      .finally(() => {
        if (this.running.get(id) === ctrl) this.running.delete(id);
      });
  }

  private async build(id: string, signal: AbortSignal): Promise<void> {
    const now = this.p.clock.now();
    if (!(await this.p.builderRepo.claim(id, this.owner, new Date(now.getTime() + LEASE_MS).toISOString(), now.toISOString()))) return;
    const s = (await this.p.builderRepo.get(id))!;
    const state = stateOf(s);
    const source = this.sourceFor(id);
    try {
      let intent = state.intent;
      if (!intent) {
        // Without the login clause: "password ***" is not a field.
        const text = parseCredentials(s.prompt ?? '').stripped;
        intent = parsePrompt(text);
        if (this.llm && (intent.fields.every((f) => f.concept === 'other') || intent.urls.length === 0)) intent = await this.llm.improveIntent(text, intent, signal).catch(() => intent!);
      }
      if (state.pending) {
        const applied = applyFollowup(intent, state.pending, state.draft ? outputFieldNames(state.draft) : []);
        if (applied.problems.length && !applied.changed) {
          await this.emit(id, 'error', { message: `Could not apply the follow-up: ${applied.problems.join('; ')}. Try e.g. "add the brand", "remove price", "rename price to cost", "only the first 2 pages", "at most 50 records", "follow each item's page".`, stepNumber: null, isRecoverable: true });
          state.pending = null;
          await this.toReady(id, state, 'The previous draft is unchanged.');
          return;
        }
        intent = applied.intent;
        await this.emit(id, 'thinking', { message: applied.summary });
      }
      state.intent = intent;
      const result = await runBuild(intent, { source, emit: (t, pl) => this.emit(id, t, pl, signal), signal, maxPages: this.p.config.builderMaxPages, allowBrowser: true, credentials: state.credentials ?? null });
      if (signal.aborted) return;
      state.draft = result.spec;
      state.pending = null;
      state.recordCount = result.test.recordCount;
      state.fillRates = result.test.fillRates;
      const msg = result.test.recordCount
        ? `Found ${result.test.recordCount} records on ${result.test.pagesTested} tested page(s)${result.spec.pagination ? ', with pagination' : ''}. Finish to save the agent, or send a follow-up.`
        : 'The draft found no records on the page. Send a follow-up to adjust, or finish anyway.';
      state.conversation.push({ role: 'assistant', content: msg, timestamp: this.now() });
      await this.toReady(id, state, msg);
    } catch (e) {
      if (signal.aborted) return;
      const message = e instanceof BuildError ? e.message : `The build failed: ${errorMessage(e)}`;
      if (state.draft) {
        await this.emit(id, 'error', { message, stepNumber: null, isRecoverable: true });
        state.pending = null;
        await this.toReady(id, state, 'The previous draft is unchanged.');
        return;
      }
      await this.p.builderRepo.transition(id, ['processing'], { status: 'error', error: message, state: JSON.stringify(state), lease_owner: null, lease_expires_at: null }, this.now());
      await this.emit(id, 'error', { message, stepNumber: null, isRecoverable: false });
    }
  }

  private async toReady(id: string, state: SessionState, message: string): Promise<void> {
    const phase = state.draft ? 'ready_to_finish' : 'building';
    // Status first, then the event: a client that sees the event may call finish at once.
    if (!(await this.p.builderRepo.transition(id, ['processing'], { status: 'ready', phase, state: JSON.stringify(state), lease_owner: null, lease_expires_at: null }, this.now()))) return;
    await this.emit(id, 'ready_for_interaction', { snapshot: '', message, configId: null, agentName: state.suggestedName, hasBrowserUrl: false, phase, recordCount: state.recordCount ?? 0 });
  }

  private sourceFor(id: string): PageSource {
    let s = this.sources.get(id);
    if (!s) {
      s = createPageSource(this.p.http, () => this.p.browser.pool());
      this.sources.set(id, s);
      if (this.sources.size > 100) this.sources.delete(this.sources.keys().next().value!);
    }
    return s;
  }

  private async emit(id: string, type: string, payload: Record<string, unknown>, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new Error('aborted');
    await this.p.builderRepo.appendEvent(id, type, payload, this.now());
    this.bus(id);
  }

  private bus(id: string): void {
    this.p.bus.emit('builder-event', { sessionId: id });
  }

  private async principalOf(s: BuilderSessionRow): Promise<Principal> {
    const u = await this.p.identity.getUser(s.user_id);
    if (!u || u.disabled) throw ApiError.forbidden('The user who started this session is disabled');
    return { userId: u.id, organizationId: u.organization_id, role: u.role, email: u.email, name: u.name, spaceIds: await this.p.identity.spaceIdsOfUser(u.id), via: 'session' };
  }
}

function stateOf(s: BuilderSessionRow): SessionState {
  return JSON.parse(s.state) as SessionState;
}

/** "Pull product name, price, and SKU from https://shop.example/products/" → "shop.example products". */
export function suggestName(prompt: string): string {
  const url = /\bhttps?:\/\/[^\s"'<>]+/i.exec(prompt)?.[0];
  if (!url) return 'New agent';
  try {
    const u = new URL(url);
    const seg = u.pathname.split('/').filter(Boolean).pop()?.replace(/\.[a-z]+$/i, '').replace(/[-_]+/g, ' ');
    return `${u.hostname.replace(/^www\./, '')}${seg ? ` ${seg}` : ''}`.slice(0, 100);
  } catch {
    return 'New agent';
  }
}
