/**
 * Parallel runs (api-spec §3.5): a start with `parallelism` N > 1 becomes a parent run and up to N child
 * runs (parent_run_id, parallel_set = parent id, sequence 1..N), each an ordinary queued run that any worker
 * may claim; `parallelMaxConcurrency` caps how many children execute at once (enforced in claimNext, so it
 * holds across machines). The parent never holds a worker: it is Running while any child is active, then takes
 * the combined status and the summed counters. Export: Combined merges the children's records into the
 * parent's files; Separated leaves each child its own files, listed on the parent.
 */
import { ValidationError } from '../domain/errors.ts';
import { RunStatus, isTerminal } from '../domain/run-status.ts';
import { fillTemplate, parseAgentSpec, type AgentSpec } from '../domain/agent-spec.ts';
import type { Clock } from '../domain/clock.ts';
import type { NewRun, RunRow, RunsRepo } from '../storage/repos/runs-repo.ts';
import type { FrontierRepo } from '../storage/repos/frontier-repo.ts';
import type { EventBus } from '../queue/event-bus.ts';
import { createRunFiles } from '../queue/run-files.ts';
import type { AgentService } from './agent-service.ts';

/**
 * Pulls list-valued input parameters out of the raw `inputParameters` JSON: a JSON array, or a string holding
 * one (`"[\"a\",\"b\"]"`, since the wire format is itself a JSON string). The rest is returned as JSON for the
 * ordinary validation. Unparseable input is handed back untouched so that validation reports it.
 */
export function extractListInputs(raw: string | null | undefined): { rest: string | null | undefined; lists: Record<string, string[]> } {
  if (!raw || !raw.trim()) return { rest: raw, lists: {} };
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch {
    return { rest: raw, lists: {} };
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return { rest: raw, lists: {} };
  const rest: Record<string, unknown> = {};
  const lists: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const arr = Array.isArray(v) ? v : typeof v === 'string' && v.trim().startsWith('[') ? tryArray(v) : null;
    if (arr && arr.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x))) lists[k] = arr.map((x) => (x === null ? '' : String(x)));
    else rest[k] = v;
  }
  return { rest: JSON.stringify(rest), lists };
}

function tryArray(s: string): unknown[] | null {
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * The start URLs after filling the input parameters, split round-robin into at most `n` non-empty shares.
 * A single start URL with one list-valued parameter gives one URL per value.
 */
export function splitStartUrls(spec: AgentSpec, inputs: Record<string, string>, lists: Record<string, string[]>, n: number): string[][] {
  const params = { ...spec.inputParameters, ...inputs };
  const listKeys = Object.keys(lists);
  if (listKeys.length > 1) throw new ValidationError([`inputParameters: only one parameter may hold a list of values to split (got ${listKeys.join(', ')})`]);
  let urls: string[];
  if (listKeys.length === 1) {
    const key = listKeys[0]!;
    if (spec.startUrls.length !== 1) throw new ValidationError([`inputParameters.${key}: a list of values is split only for an agent with a single start URL`]);
    urls = lists[key]!.map((v) => fillTemplate(spec.startUrls[0]!, { ...params, [key]: v }));
  } else urls = spec.startUrls.map((u) => fillTemplate(u, params));
  urls = urls.filter((u) => u.trim() !== '');
  if (!urls.length) throw new ValidationError(['startUrls: every start URL is empty after filling input parameters']);
  const shares: string[][] = Array.from({ length: Math.min(n, urls.length) }, () => []);
  urls.forEach((u, i) => shares[i % shares.length]!.push(u));
  return shares;
}

export class ParallelRuns {
  constructor(
    private readonly runs: RunsRepo,
    private readonly frontier: FrontierRepo,
    private readonly agents: AgentService,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  private now() {
    return this.clock.now().toISOString();
  }

  /** Creates the parent (Running) and its queued children; returns the parent. */
  async create(base: NewRun, inputs: Record<string, string>, lists: Record<string, string[]>, parallelism: number): Promise<RunRow> {
    const plan = this.plan(base, inputs, lists, parallelism);
    const created = await this.runs.createParallel(plan.parent, plan.children, this.now());
    this.queued(created.childIds, plan.cap);
    return created.parent;
  }

  /**
   * The parent and children of a split, not yet stored (the scheduler stores them with its slot claim, then
   * calls `queued`). Throws ValidationError when the inputs cannot be split.
   */
  plan(base: NewRun, inputs: Record<string, string>, lists: Record<string, string[]>, parallelism: number): { parent: NewRun; children: NewRun[]; cap: number } {
    const parsed = parseAgentSpec(JSON.parse(base.spec));
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    const shares = splitStartUrls(parsed.value, inputs, lists, parallelism);
    const opts = JSON.parse(base.options) as Record<string, unknown>;
    const cap = Math.max(1, Math.min(Number(opts.parallelMaxConcurrency ?? 1) || 1, shares.length));
    const childOptions = JSON.stringify({ ...opts, parallelMaxConcurrency: cap });
    // The child's own spec carries its share of the (already filled) start URLs: it then runs like any run.
    // Children never count as exclusive: exclusivity was decided once, for the parent, by the caller.
    const children = shares.map((urls, i) => ({ ...base, spec: JSON.stringify({ ...(JSON.parse(base.spec) as object), startUrls: urls }), isExclusive: false, sequence: i + 1, options: childOptions }));
    const note = base.message ? `; ${base.message}` : '';
    return { parent: { ...base, status: RunStatus.Running, message: `Split into ${shares.length} parallel runs${note}` }, children, cap };
  }

  /** Wakes workers for the children that may start now (the rest start as earlier ones end). */
  queued(childIds: number[], cap: number): void {
    for (const id of childIds.slice(0, cap)) this.bus.emit('run-queued', { runId: id });
  }

  isParent(run: RunRow): boolean {
    return run.parent_run_id === null && run.parallel_set !== null;
  }

  /** Brings a parent up to date with its children; ends it (files, events) once they have all ended. */
  async settle(parentId: number): Promise<void> {
    const status = await this.runs.settleParent(parentId, this.now());
    if (status === undefined) {
      this.bus.emit('run-changed', { runId: parentId });
      return;
    }
    const parent = (await this.runs.get(parentId))!;
    if (exportMode(parent) === 'Combined') await createRunFiles(this.frontier, parentId, this.now());
    await this.agents.touch(parent.agent_id, status);
    this.bus.emit('run-changed', { runId: parentId });
    this.bus.emit('run-finished', { runId: parentId });
  }

  async settleAll(): Promise<void> {
    for (const id of await this.runs.openParents()) await this.settle(id);
  }

  /** Stop or kill of the parent, applied to each active child through `stopChild` (the single-run path). */
  async stopChildren(parent: RunRow, stopChild: (child: RunRow) => Promise<void>): Promise<void> {
    for (const k of await this.runs.children(parent.id)) if (!isTerminal(k.status)) await stopChild(k).catch(() => {});
  }

  /** Restart of a Failure parent: its Failure children restart (same semantics), the parent is Running again. */
  async restart(parent: RunRow, restartChild: (child: RunRow) => Promise<void>): Promise<void> {
    const failed = (await this.runs.children(parent.id)).filter((k) => k.status === RunStatus.Failure);
    await this.frontier.deleteFiles(parent.id, ['blob']);
    for (const k of failed) await restartChild(k);
    await this.runs.reopenParent(parent.id, this.now());
    // No Failure child (say it was stopped): the parent settles again at once.
    await this.settle(parent.id);
  }

  /** Separated output: the parent's files are its children's, with the child that owns each. */
  async childFiles(parent: RunRow) {
    if (exportMode(parent) !== 'Separated') return null;
    const out = [];
    for (const k of await this.runs.children(parent.id)) out.push(...(await this.frontier.files(k.id)));
    return out;
  }
}

export function exportMode(run: RunRow): 'Combined' | 'Separated' {
  try {
    return (JSON.parse(run.options) as { parallelExport?: string }).parallelExport === 'Separated' ? 'Separated' : 'Combined';
  } catch {
    return 'Combined';
  }
}
