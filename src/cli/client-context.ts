/**
 * What the client commands share: where the server is and which key to send (environment, then the
 * `gleaner login` file), and the translation of client errors into one line plus an exit code.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { GleanerClient } from '../client/client.ts';
import { GleanerApiError, GleanerConnectionError } from '../client/http.ts';
import { GleanerBuildError, GleanerTimeoutError } from '../client/helpers.ts';
import { CliError } from './cli-error.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface StoredConfig {
  url?: string;
  apiKey?: string;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.trim() ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'gleaner', 'config.json');
}

export function readStoredConfig(env: NodeJS.ProcessEnv = process.env): StoredConfig {
  const p = configPath(env);
  if (!existsSync(p)) return {};
  try {
    const j = JSON.parse(readFileSync(p, 'utf8')) as StoredConfig;
    return j && typeof j === 'object' ? j : {};
  } catch {
    throw new CliError(`${p} is not valid JSON; run \`gleaner login\` again or delete it`, 2);
  }
}

/** The key is a secret: the directory is 700 and the file 600, set explicitly in case a umask widened them. */
export function writeStoredConfig(c: StoredConfig, env: NodeJS.ProcessEnv = process.env): string {
  const p = configPath(env);
  mkdirSync(dirname(p), { recursive: true, mode: 0o700 });
  writeFileSync(p, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  chmodSync(p, 0o600);
  return p;
}

export interface Connection {
  baseUrl: string;
  apiKey: string | undefined;
}

export function resolveConnection(overrides: { url?: string | undefined; apiKey?: string | undefined } = {}, env: NodeJS.ProcessEnv = process.env): Connection {
  const stored = readStoredConfig(env);
  const baseUrl = overrides.url || env.GLEANER_URL || stored.url || DEFAULT_URL;
  if (!/^https?:\/\/[^/]/i.test(baseUrl)) throw new CliError(`Invalid server URL "${baseUrl}": expected http(s)://host[:port]`, 2);
  const apiKey = overrides.apiKey || env.GLEANER_API_KEY || env.SEQUENTUM_API_KEY || stored.apiKey || undefined;
  return { baseUrl, apiKey };
}

export function makeClient(conn: Connection = resolveConnection()): GleanerClient {
  if (!conn.apiKey) throw new CliError('No API key: set GLEANER_API_KEY (or SEQUENTUM_API_KEY), or run `gleaner login`', 3);
  // A CLI user waits at a terminal: fewer, shorter retries than a batch client would use.
  return new GleanerClient({ baseUrl: conn.baseUrl, apiKey: conn.apiKey, retry: { retries: 3, baseDelayMs: 400, maxDelayMs: 10_000 }, userAgent: 'gleaner-cli/0.1.0' });
}

/** Any error of the client → a CliError with a one-line message and the documented exit code. */
export function toCliError(e: unknown): unknown {
  if (e instanceof CliError) return e;
  if (e instanceof GleanerApiError) {
    const detail = e.problem?.errors?.length ? e.problem.errors.join('; ') : e.message;
    if (e.status === 401) return new CliError(`authentication failed: ${detail} (check GLEANER_API_KEY or run \`gleaner login\`)`, 3);
    if (e.status === 403) return new CliError(`not allowed: ${detail}`, 3);
    if (e.status === 400 || e.status === 422) return new CliError(`rejected by the server: ${detail}`, 2);
    return new CliError(`${detail} (HTTP ${e.status})`, 1);
  }
  if (e instanceof GleanerConnectionError) return new CliError(`${e.message}. Is the server running? Set GLEANER_URL or run \`gleaner login --url ...\``, 1);
  if (e instanceof GleanerBuildError) return new CliError(`build failed: ${e.message}${e.sessionId ? ` (session ${e.sessionId})` : ''}`, 1);
  if (e instanceof GleanerTimeoutError) return new CliError(e.message, 1);
  return e;
}

/** Wraps a command action so every failure becomes one readable line (main() prints CliErrors). */
export function act<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      throw toCliError(e);
    }
  };
}

/** `12` → 12, or a usage error naming the argument. */
export function intArg(name: string, v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new CliError(`${name} must be a number, got "${v}"`, 2);
  return Number(v);
}
