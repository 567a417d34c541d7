/**
 * Spaces (api-spec §1.4): every agent lives in one; Users see the spaces they are members of, administrators
 * all of their organization. Creating, renaming, deleting and membership are ours and admin-only. A space
 * the caller cannot see is "not found" (ids cannot be probed).
 */
import { ApiError, ValidationError } from '../domain/errors.ts';
import type { Clock } from '../domain/clock.ts';
import type { IdentityRepo, SpaceRow } from '../storage/repos/identity-repo.ts';
import type { AgentsRepo } from '../storage/repos/agents-repo.ts';
import type { RunService } from './run-service.ts';
import { canSeeSpace, requireAdmin, scopeOf, type Principal } from './access.ts';

export function spaceModel(s: SpaceRow) {
  return { id: s.id, name: s.name, description: s.description, organizationId: s.organization_id, created: s.created, updated: s.updated, isDefaultAccess: s.is_default === 1 };
}

export interface RunAllResult {
  spaceId: number;
  spaceName: string;
  totalAgents: number;
  agentsStarted: number;
  agentsFailed: number;
  results: Array<{ agentId: number; agentName: string; success: boolean; runId?: number; errorMessage?: string }>;
}

export class SpaceService {
  constructor(private readonly identity: IdentityRepo, private readonly agents: AgentsRepo, private readonly runs: RunService, private readonly clock: Clock) {}

  private now() {
    return this.clock.now().toISOString();
  }

  list(p: Principal): Promise<SpaceRow[]> {
    return this.identity.listSpaces(p.organizationId, scopeOf(p) ?? undefined);
  }

  async get(p: Principal, id: number): Promise<SpaceRow> {
    const s = await this.identity.getSpace(id);
    if (!s || s.organization_id !== p.organizationId || !canSeeSpace(p, id)) throw ApiError.notFound(`No space with id ${id}`);
    return s;
  }

  /** Exact name first (case-insensitive), then the first partial match; 404 when none. */
  async search(p: Principal, name: string): Promise<SpaceRow> {
    const q = name.trim().toLowerCase();
    if (!q) throw new ValidationError(['name: is required']);
    const all = await this.list(p);
    const hit = all.find((s) => s.name.toLowerCase() === q) ?? all.find((s) => s.name.toLowerCase().includes(q));
    if (!hit) throw ApiError.notFound(`No space named '${name}'`);
    return hit;
  }

  async create(p: Principal, input: { name: string; description?: string | null }): Promise<SpaceRow> {
    requireAdmin(p);
    const name = input.name.trim();
    await this.uniqueName(p, name);
    return this.identity.createSpace({ organizationId: p.organizationId, name, description: input.description ?? null }, this.now());
  }

  async update(p: Principal, id: number, input: { name?: string; description?: string | null }): Promise<SpaceRow> {
    requireAdmin(p);
    await this.get(p, id);
    const name = input.name?.trim();
    if (name !== undefined) await this.uniqueName(p, name, id);
    await this.identity.updateSpace(id, { name, description: input.description }, this.now());
    return (await this.identity.getSpace(id))!;
  }

  /** Refused while the space holds agents (archived ones too) and for the default space: both would orphan work. */
  async delete(p: Principal, id: number): Promise<void> {
    requireAdmin(p);
    const s = await this.get(p, id);
    if (s.is_default) throw ApiError.conflict(`Space ${id} is the default space and cannot be deleted`);
    const n = Number((await this.agents.countBySpace([id]))[0]?.n ?? 0);
    if (n > 0) throw ApiError.conflict(`Space ${id} still holds ${n} agent(s); move or delete them first`, { agentCount: n });
    await this.identity.deleteSpace(id);
  }

  async listAgents(p: Principal, id: number) {
    await this.get(p, id);
    const { rows } = await this.agents.list({ scope: scopeOf(p), organizationId: p.organizationId, spaceId: id, sortColumn: 'name', descending: false });
    return rows.map((a) => ({ id: a.id, name: a.name, description: a.description, configType: a.config_type, status: a.last_run_status, validationStatus: a.validation_status, lastActivity: a.last_activity }));
  }

  async members(p: Principal, id: number) {
    await this.get(p, id);
    return this.identity.listMembers(id);
  }

  async addMember(p: Principal, id: number, userId: number): Promise<void> {
    requireAdmin(p);
    await this.get(p, id);
    const u = await this.identity.getUser(userId);
    if (!u || u.organization_id !== p.organizationId) throw ApiError.notFound(`No user with id ${userId}`);
    await this.identity.addMember(id, userId, this.now());
  }

  async removeMember(p: Principal, id: number, userId: number): Promise<void> {
    requireAdmin(p);
    await this.get(p, id);
    const members = await this.identity.listMembers(id);
    if (!members.some((m) => m.id === userId)) throw ApiError.notFound(`User ${userId} is not a member of space ${id}`);
    await this.identity.removeMember(id, userId);
  }

  /** Starts every (unarchived) agent of the space; a failure of one is reported in the body, not as an HTTP error. */
  async runAll(p: Principal, id: number, inputParameters: string | null | undefined): Promise<RunAllResult> {
    const s = await this.get(p, id);
    const { rows } = await this.agents.list({ scope: scopeOf(p), organizationId: p.organizationId, spaceId: id, sortColumn: 'name', descending: false });
    const results: RunAllResult['results'] = [];
    for (const a of rows) {
      try {
        const run = await this.runs.start(p, a.id, { inputParameters });
        results.push({ agentId: a.id, agentName: a.name, success: true, runId: run.id });
      } catch (e) {
        if (!(e instanceof ApiError) && !(e instanceof ValidationError)) throw e;
        results.push({ agentId: a.id, agentName: a.name, success: false, errorMessage: e.message });
      }
    }
    const started = results.filter((r) => r.success).length;
    return { spaceId: s.id, spaceName: s.name, totalAgents: rows.length, agentsStarted: started, agentsFailed: rows.length - started, results };
  }

  private async uniqueName(p: Principal, name: string, except?: number): Promise<void> {
    if (!name) throw new ValidationError(['name: must not be empty']);
    const clash = (await this.identity.listSpaces(p.organizationId)).find((s) => s.id !== except && s.name.toLowerCase() === name.toLowerCase());
    if (clash) throw ApiError.conflict(`A space named '${clash.name}' already exists (id ${clash.id})`);
  }
}
