/**
 * The Platform facade: one database, the repositories, the services, the engine's seams and the
 * background loops (workers, scheduler, lease recovery), wired once from the configuration. The API,
 * UI, CLI and tests all go through it.
 */
import { openDb, type Db } from './storage/db.ts';
import type { Config } from './config/config.ts';
import { systemClock, type Clock } from './domain/clock.ts';
import { IdentityRepo } from './storage/repos/identity-repo.ts';
import { AgentsRepo } from './storage/repos/agents-repo.ts';
import { RunsRepo } from './storage/repos/runs-repo.ts';
import { FrontierRepo } from './storage/repos/frontier-repo.ts';
import { BuilderRepo } from './storage/repos/builder-repo.ts';
import { SchedulesRepo } from './storage/repos/schedules-repo.ts';
import { AuthService } from './services/auth-service.ts';
import { AgentService } from './services/agent-service.ts';
import { RunService } from './services/run-service.ts';
import { FileService } from './services/file-service.ts';
import { ScheduleService } from './services/schedule-service.ts';
import { UserService } from './services/user-service.ts';
import { SpaceService } from './services/space-service.ts';
import { AnalyticsService } from './services/analytics-service.ts';
import { AnalyticsRepo } from './storage/repos/analytics-repo.ts';
import { Ticker } from './scheduler/ticker.ts';
import { EventBus } from './queue/event-bus.ts';
import { startPgNotifier, type PgNotifier } from './queue/pg-notifier.ts';
import { WorkerPool } from './queue/worker-pool.ts';
import { createNetworkPolicy } from './engine/http/ssrf.ts';
import { withAllowedOrigins } from './engine/http/allowed-origins.ts';
import { createHttpClient } from './engine/http/client.ts';
import { createRobotsCache } from './engine/http/robots.ts';
import { createHostLimiter } from './engine/http/host-limiter.ts';
import { createPgHostLimiter } from './storage/repos/host-slots-repo.ts';
import { RateLimitRepo } from './storage/repos/rate-limit-repo.ts';
import { DbRateLimiter, MemoryRateLimiter, type RateLimiter } from './services/rate-limiter.ts';
import type { HttpClient, NetworkPolicy } from './engine/types.ts';
import { BuilderService } from './agent-builder/builder-service.ts';
import { createLlmAssist } from './agent-builder/llm/llm-assist.ts';
import { bootstrapOrganization, type BootstrapResult } from './services/bootstrap.ts';
import { createBrowserSupport, type BrowserSupport } from './engine/browser/browser-support.ts';

export interface PlatformOptions {
  clock?: Clock;
  /** Run workers in this process (default: config.workers > 0). */
  workers?: boolean;
  /** PostgreSQL schema to use (tests). */
  schema?: string;
  /** Background loops (scheduler, recovery). Default true. */
  background?: boolean;
}

export class Platform {
  readonly bus = new EventBus();
  readonly identity: IdentityRepo;
  readonly agentsRepo: AgentsRepo;
  readonly runsRepo: RunsRepo;
  readonly frontier: FrontierRepo;
  readonly builderRepo: BuilderRepo;
  readonly schedulesRepo: SchedulesRepo;
  readonly auth: AuthService;
  readonly agents: AgentService;
  readonly runs: RunService;
  readonly files: FileService;
  readonly schedules: ScheduleService;
  readonly users: UserService;
  readonly spaces: SpaceService;
  readonly analytics: AnalyticsService;
  readonly ticker: Ticker;
  readonly policy: NetworkPolicy;
  readonly http: HttpClient;
  readonly browser: BrowserSupport;
  readonly workerPool: WorkerPool;
  readonly builder: BuilderService;
  /** API request limits per API key, (larger) per signed-in browser session, and failed authentications per client address. */
  readonly rateLimits: { key: RateLimiter; session: RateLimiter; authFailures: RateLimiter };
  bootstrap: BootstrapResult | null = null;
  private timers: NodeJS.Timeout[] = [];
  private notifier: PgNotifier | null = null;
  private readonly closers: Array<() => Promise<void> | void> = [];

  private constructor(readonly config: Config, readonly db: Db, readonly clock: Clock, private readonly opts: PlatformOptions) {
    const k = db.kysely;
    this.identity = new IdentityRepo(k);
    this.agentsRepo = new AgentsRepo(k);
    this.runsRepo = new RunsRepo(k, db.dialect);
    this.frontier = new FrontierRepo(k, db.dialect, db.sqlite);
    this.builderRepo = new BuilderRepo(k);
    this.schedulesRepo = new SchedulesRepo(k);
    this.auth = new AuthService(this.identity, clock);
    this.agents = new AgentService(this.agentsRepo, this.identity, clock);
    const pollMs = db.dialect === 'postgres' ? 250 : 1000;
    this.runs = new RunService(this.runsRepo, this.frontier, this.agents, this.bus, clock, pollMs);
    this.files = new FileService(this.frontier, this.runs, clock);
    this.schedules = new ScheduleService(this.schedulesRepo, this.agents, this.runs, clock);
    this.users = new UserService(this.identity, this.auth, clock, config.keyExpiryDays);
    this.spaces = new SpaceService(this.identity, this.agentsRepo, this.runs, clock);
    this.analytics = new AnalyticsService(new AnalyticsRepo(k), this.frontier, this.agents, this.runs, clock);
    this.ticker = new Ticker({ db: k, schedules: this.schedulesRepo, runs: this.runs, clock, onError: (e) => this.reportError(e) });
    this.schedules.onChange = () => this.ticker.wake();
    this.policy = withAllowedOrigins(createNetworkPolicy({ allowHosts: config.allowHosts }), config.allowOrigins ?? []);
    this.http = createHttpClient({ policy: this.policy, userAgent: config.userAgent });
    const robots = createRobotsCache(this.http, { userAgent: config.userAgent });
    // On PostgreSQL the per-host spacing is reserved in the database, so it holds across every worker process.
    const limiter = db.dialect === 'postgres' ? createPgHostLimiter(k, createHostLimiter()) : createHostLimiter();
    this.browser = createBrowserSupport({
      policy: this.policy,
      executablePath: config.chromiumPath,
      // Agents with `screenshots: true`: each page (first 20) becomes a PNG run file.
      onScreenshot: async (run, _url, png, n) => void (await this.frontier.addFile({ runId: run.id, name: `run-${run.id}-page-${n}.png`, fileType: 'PNG', kind: 'screenshot', size: png.length, content: png }, clock.now().toISOString())),
    });
    this.builder = new BuilderService(this, config.llm ? createLlmAssist(config.llm) : null);
    this.rateLimits = createRateLimits(config, db, (e) => this.reportError(e));
    this.workerPool = new WorkerPool({
      runs: this.runsRepo,
      frontier: this.frontier,
      agents: this.agentsRepo,
      clock,
      bus: this.bus,
      engineFor: (run, log, signal) => {
        const browser = this.browser.rendererFor(run, log, signal);
        // dispose gives the run's browser context back to the pool (it is held for the whole run).
        return { http: this.http, robots, limiter, browser, log, dispose: async () => browser?.dispose() };
      },
      concurrency: config.workers,
      leaseMs: config.leaseSeconds * 1000,
      pollMs,
      maxAttempts: config.runMaxAttempts,
      limits: { maxPerAgent: config.maxRunsPerAgent, maxPerSpace: config.maxRunsPerSpace, maxTotal: config.maxRunsTotal },
      onError: (e) => this.reportError(e),
      onRunEnded: async (run) => {
        if (run.parent_run_id !== null) await this.runs.parallel.settle(run.parent_run_id);
      },
    });
  }

  static async open(config: Config, opts: PlatformOptions = {}): Promise<Platform> {
    const db = await openDb({ url: config.databaseUrl, schema: opts.schema });
    const p = new Platform(config, db, opts.clock ?? systemClock, opts);
    await p.auth.init(config.keyPepper);
    p.bootstrap = await bootstrapOrganization(p);
    return p;
  }

  /** Starts workers and background loops. A single-process SQLite deployment first fails over runs left active by a previous process. */
  async start(): Promise<void> {
    if (this.db.dialect === 'postgres' && !this.notifier) this.notifier = await startPgNotifier(this.bus, this.config.databaseUrl, this.opts.schema ?? 'public', (e) => this.reportError(e));
    if (this.db.dialect === 'sqlite') await this.recover(true);
    else await this.recover(false);
    if (this.opts.workers ?? this.config.workers > 0) this.workerPool.start();
    if (this.opts.background ?? true) {
      const every = Math.max(1000, Math.floor((this.config.leaseSeconds * 1000) / 2));
      this.timers.push(setInterval(() => void this.recover(false).catch((e) => this.reportError(e)), every));
      this.ticker.start();
      await this.builder.resumeOrphans().catch((e) => this.reportError(e));
      this.timers.push(setInterval(() => void this.builder.resumeOrphans().catch((e) => this.reportError(e)), 30_000));
    }
  }

  onClose(fn: () => Promise<void> | void): void {
    this.closers.push(fn);
  }

  private async recover(allForeign: boolean): Promise<void> {
    const now = this.clock.now().toISOString();
    const r = await this.runsRepo.recoverExpired(now, this.config.runMaxAttempts, allForeign ? { notOwner: this.workerPool.id } : undefined);
    for (const id of [...r.requeued]) this.bus.emit('run-queued', { runId: id });
    for (const id of [...r.failed, ...r.stopped]) this.bus.emit('run-finished', { runId: id });
    // Parallel parents follow their children, including children ended by this sweep or by a worker that died after.
    await this.runs.parallel.settleAll();
  }

  reportError(e: unknown): void {
    if (this.config.logLevel !== 'silent') console.error(`[gleaner] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.ticker.stop();
    await this.builder.close();
    for (const c of this.closers.reverse()) await c();
    await this.workerPool.stop(5000);
    await this.browser.close();
    await this.http.close();
    await this.notifier?.close();
    await this.db.close();
  }
}

// On PostgreSQL any API server may answer any request, so the counters live in the database; the single
// SQLite process keeps them in memory (no write per request).
function createRateLimits(config: Config, db: Db, onError: (e: unknown) => void): Platform['rateLimits'] {
  const { max, windowSeconds, authFailures = 30 } = config.rateLimit;
  const windowMs = windowSeconds * 1000;
  // A signed-in browser polls run status every second: it gets its own, larger allowance.
  const sessionMax = max * 10;
  if (db.dialect === 'sqlite') return { key: new MemoryRateLimiter(max, windowMs), session: new MemoryRateLimiter(sessionMax, windowMs), authFailures: new MemoryRateLimiter(authFailures, windowMs) };
  const repo = new RateLimitRepo(db.kysely);
  return { key: new DbRateLimiter(max, windowMs, repo, onError), session: new DbRateLimiter(sessionMax, windowMs, repo, onError), authFailures: new DbRateLimiter(authFailures, windowMs, repo, onError) };
}
