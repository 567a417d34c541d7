/** Agents: validated definitions, versions, archive, search. Space checks happen in every query. */
import { parseAgentSpec, type AgentSpec } from '../domain/agent-spec.ts';
import { ApiError, ValidationError } from '../domain/errors.ts';
import type { Clock } from '../domain/clock.ts';
import { validateSelectors } from '../engine/extract/extract.ts';
import type { AgentListQuery, AgentRow, AgentsRepo } from '../storage/repos/agents-repo.ts';
import type { IdentityRepo } from '../storage/repos/identity-repo.ts';
import { canSeeSpace, scopeOf, type Principal } from './access.ts';

export interface AgentInput {
  name?: string;
  description?: string | null;
  documentation?: string | null;
  spaceId?: number | null;
  definition?: unknown;
  configType?: string | number;
  maxConcurrentRuns?: number | null;
  comments?: string | null;
}

/** Validates an agent definition; errors name the bad path (`definition.fields[1].selector: ...`). */
export function validateDefinition(input: unknown): AgentSpec {
  let raw = input;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new ValidationError(['definition: is not valid JSON']);
    }
  }
  const r = parseAgentSpec(raw);
  if (!r.ok) throw new ValidationError(r.errors.map((e) => `definition.${e}`));
  const sel = validateSelectors(r.value);
  if (sel.length) throw new ValidationError(sel.map((e) => `definition.${e}`));
  return r.value;
}

export class AgentService {
  constructor(private readonly agents: AgentsRepo, private readonly identity: IdentityRepo, private readonly clock: Clock) {}

  private now() {
    return this.clock.now().toISOString();
  }

  async get(p: Principal, id: number): Promise<AgentRow> {
    const a = await this.agents.get(id, scopeOf(p), p.organizationId);
    if (!a) throw ApiError.notFound(`No agent with id ${id}`);
    return a;
  }

  list(p: Principal, q: Omit<AgentListQuery, 'scope' | 'organizationId'>) {
    return this.agents.list({ ...q, scope: scopeOf(p), organizationId: p.organizationId });
  }

  search(p: Principal, query: string, max: number) {
    return this.agents.search(scopeOf(p), p.organizationId, query, max);
  }

  async resolveSpace(p: Principal, spaceId: number | null | undefined): Promise<number> {
    if (spaceId === undefined || spaceId === null) {
      const def = await this.identity.defaultSpace(p.organizationId);
      if (def && canSeeSpace(p, def.id)) return def.id;
      if (p.spaceIds[0] !== undefined) return p.spaceIds[0];
      throw ApiError.forbidden('You are not a member of any space; ask an administrator to add you to one');
    }
    const s = await this.identity.getSpace(spaceId);
    if (!s || s.organization_id !== p.organizationId || !canSeeSpace(p, spaceId)) throw ApiError.notFound(`No space with id ${spaceId}`);
    return spaceId;
  }

  async create(p: Principal, input: AgentInput): Promise<AgentRow> {
    const name = input.name?.trim();
    if (!name) throw new ValidationError(['name: is required']);
    if (name.length > 200) throw new ValidationError(['name: at most 200 characters']);
    if (input.definition === undefined) throw new ValidationError(['definition: is required (the agent definition, see docs/agent-spec.md)']);
    const spec = validateDefinition(input.definition);
    const spaceId = await this.resolveSpace(p, input.spaceId);
    return this.agents.create({ spaceId, userId: p.userId, name, description: input.description ?? null, documentation: input.documentation ?? null, configType: normalizeConfigType(input.configType), spec: JSON.stringify(spec), userName: p.email }, this.now());
  }

  async update(p: Principal, id: number, input: AgentInput): Promise<AgentRow> {
    await this.get(p, id);
    const spec = input.definition !== undefined ? JSON.stringify(validateDefinition(input.definition)) : undefined;
    const spaceId = input.spaceId !== undefined && input.spaceId !== null ? await this.resolveSpace(p, input.spaceId) : undefined;
    if (input.name !== undefined && !input.name.trim()) throw new ValidationError(['name: must not be empty']);
    return this.agents.update(id, { name: input.name?.trim(), description: input.description, documentation: input.documentation, spec, spaceId, maxConcurrentRuns: input.maxConcurrentRuns, userName: p.email, comments: input.comments ?? null }, this.now());
  }

  async versions(p: Principal, id: number) {
    await this.get(p, id);
    return this.agents.versions(id);
  }

  async restore(p: Principal, id: number, version: number, comments: string | null): Promise<AgentRow> {
    await this.get(p, id);
    const v = await this.agents.version(id, version);
    if (!v) throw ApiError.notFound(`Agent ${id} has no version ${version}`);
    // A restore always creates a new version, even when the content equals the current one.
    return this.agents.update(id, { spec: v.spec, forceNewVersion: true, userName: p.email, comments: comments ?? `Restored version ${version}` }, this.now());
  }

  async touch(id: number, status: number) {
    await this.agents.touchRunStatus(id, status, this.now());
  }

  async setArchived(p: Principal, id: number, archived: boolean) {
    await this.get(p, id);
    await this.agents.setArchived(id, archived, this.now());
  }

  async delete(p: Principal, id: number) {
    await this.get(p, id);
    await this.agents.delete(id);
  }
}

const CONFIG_TYPES: Record<string, string> = { '1': 'Agent', '2': 'Command', '3': 'Api', '4': 'Shared', agent: 'Agent', command: 'Command', api: 'Api', shared: 'Shared' };
export function normalizeConfigType(v: unknown): string {
  if (v === undefined || v === null || v === '') return 'Agent';
  const t = CONFIG_TYPES[String(v).toLowerCase()];
  if (!t) throw new ValidationError([`configType: must be one of Agent, Command, Api, Shared (or 1-4)`]);
  return t;
}
