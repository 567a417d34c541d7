/**
 * Environment → typed configuration, validated once at boot: a bad value stops the process with one
 * readable line instead of failing later. Names are part of the operator interface (README).
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { formatIssues } from '../domain/agent-spec.ts';

const intFrom = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

const EnvSchema = z.object({
  PORT: intFrom(8080, 0, 65535),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  GLEANER_API_KEY: z.string().regex(/^sk-[A-Za-z0-9_-]{16,200}$/, 'must look like sk- followed by at least 16 letters, digits, _ or -').optional(),
  GLEANER_ADMIN_EMAIL: z.string().default('admin@localhost'),
  GLEANER_SETUP_TOKEN: z.string().regex(/^[A-Za-z0-9._~-]{16,512}$/, 'must be 16 to 512 letters, digits, ., _, ~ or - (e.g. openssl rand -hex 32)').optional(),
  GLEANER_ALLOW_HOSTS: z.string().optional(),
  GLEANER_RATE_LIMIT: intFrom(100, 1, 1_000_000),
  GLEANER_RATE_WINDOW_SECONDS: intFrom(60, 1, 86_400),
  GLEANER_AUTH_FAILURE_LIMIT: intFrom(30, 1, 1_000_000),
  GLEANER_WORKERS: intFrom(4, 0, 256),
  GLEANER_LEASE_SECONDS: intFrom(30, 2, 3600),
  GLEANER_MAX_RUNS_PER_AGENT: z.coerce.number().int().min(1).optional(),
  GLEANER_MAX_RUNS_PER_SPACE: z.coerce.number().int().min(1).optional(),
  GLEANER_MAX_RUNS_TOTAL: z.coerce.number().int().min(1).optional(),
  GLEANER_RUN_MAX_ATTEMPTS: intFrom(3, 1, 1000),
  GLEANER_KEY_PEPPER: z.string().optional(),
  GLEANER_KEY_EXPIRY_DAYS: intFrom(365, 1, 36500),
  GLEANER_BUILDER_MAX_PAGES: intFrom(50, 1, 100000),
  GLEANER_LLM_BASE_URL: z.string().url().optional(),
  GLEANER_LLM_API_KEY: z.string().optional(),
  GLEANER_LLM_MODEL: z.string().optional(),
  GLEANER_BUILDER_STOP_MODE: z.enum(['interrupt', 'cleanup']).default('interrupt'),
  CHROMIUM_PATH: z.string().default('/usr/lib/chromium/chromium'),
  GLEANER_USER_AGENT: z.string().default('GleanerBot/0.1 (+https://github.com/gleaner)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  bootstrapApiKey: string | undefined;
  adminEmail: string;
  /**
   * First-run setup token (GLEANER_SETUP_TOKEN): while no administrator password is set, POST /ui/setup needs
   * it. Unset: each `serve` start that still needs setup generates one and prints the setup URL once.
   */
  setupToken?: string;
  allowHosts: string[];
  /** Exact origins (`http://127.0.0.1:8081`) the fetcher may reach although private: the demo store. */
  allowOrigins?: string[];
  /** `authFailures`: requests with a bad key one client address may make per window before it gets 429s. */
  rateLimit: { max: number; windowSeconds: number; authFailures?: number };
  workers: number;
  leaseSeconds: number;
  maxRunsPerAgent: number | undefined;
  maxRunsPerSpace: number | undefined;
  /** Cluster-wide cap on runs executing at once (all agents, all spaces). */
  maxRunsTotal: number | undefined;
  /** Claims of one run before a lost worker turns it into Failure instead of another takeover. */
  runMaxAttempts: number;
  keyPepper: string | undefined;
  keyExpiryDays: number;
  builderMaxPages: number;
  llm: { baseUrl: string; apiKey: string | undefined; model: string } | undefined;
  builderStopMode: 'interrupt' | 'cleanup';
  chromiumPath: string;
  userAgent: string;
  logLevel: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) throw new ConfigError(`invalid environment: ${formatIssues(parsed.error).join('; ')}`);
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const cfg: Config = {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL && /^postgres(ql)?:\/\//i.test(e.DATABASE_URL) ? e.DATABASE_URL : resolve(dataDir, 'gleaner.db'),
    bootstrapApiKey: e.GLEANER_API_KEY,
    adminEmail: e.GLEANER_ADMIN_EMAIL,
    setupToken: e.GLEANER_SETUP_TOKEN,
    allowHosts: (e.GLEANER_ALLOW_HOSTS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    rateLimit: { max: e.GLEANER_RATE_LIMIT, windowSeconds: e.GLEANER_RATE_WINDOW_SECONDS, authFailures: e.GLEANER_AUTH_FAILURE_LIMIT },
    workers: e.GLEANER_WORKERS,
    leaseSeconds: e.GLEANER_LEASE_SECONDS,
    maxRunsPerAgent: e.GLEANER_MAX_RUNS_PER_AGENT,
    maxRunsPerSpace: e.GLEANER_MAX_RUNS_PER_SPACE,
    maxRunsTotal: e.GLEANER_MAX_RUNS_TOTAL,
    runMaxAttempts: e.GLEANER_RUN_MAX_ATTEMPTS,
    keyPepper: e.GLEANER_KEY_PEPPER,
    keyExpiryDays: e.GLEANER_KEY_EXPIRY_DAYS,
    builderMaxPages: e.GLEANER_BUILDER_MAX_PAGES,
    llm: e.GLEANER_LLM_BASE_URL ? { baseUrl: e.GLEANER_LLM_BASE_URL, apiKey: e.GLEANER_LLM_API_KEY, model: e.GLEANER_LLM_MODEL ?? 'gpt-4o-mini' } : undefined,
    builderStopMode: e.GLEANER_BUILDER_STOP_MODE,
    chromiumPath: e.CHROMIUM_PATH,
    userAgent: e.GLEANER_USER_AGENT,
    logLevel: e.LOG_LEVEL,
  };
  return { ...cfg, ...overrides };
}
