/**
 * A real Gleaner cluster for tests and the cluster bench: a fresh PostgreSQL DATABASE (not a schema: the
 * processes are the product's own `serve` / `worker` commands, which use the default search path), API
 * servers and workers as child processes of `node bin/gleaner.js`, killed and restarted at will.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { PG_URL } from './db.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLUSTER_KEY = 'sk-cluster-admin-key-0123456789abcdef';

export interface ClusterDb {
  url: string;
  name: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** CREATE DATABASE gleaner_cluster_<random> next to the test database; drop() terminates its sessions and drops it. */
export async function createClusterDb(adminUrl = PG_URL): Promise<ClusterDb> {
  const name = `gleaner_cluster_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on('error', () => {});
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end().catch(() => {});
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface GleanerProc {
  child: ChildProcess;
  pid: number;
  /** serve: the API URL. */
  url: string | null;
  output(): string;
  /** SIGKILL (crash) or SIGTERM (drain); resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function clusterEnv(db: ClusterDb, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'gleaner-cluster-')),
    GLEANER_API_KEY: CLUSTER_KEY,
    GLEANER_ALLOW_HOSTS: '127.0.0.1',
    GLEANER_LEASE_SECONDS: '3',
    GLEANER_RATE_LIMIT: '1000000',
    GLEANER_AUTH_FAILURE_LIMIT: '1000000',
    LOG_LEVEL: 'error',
    ...extra,
  };
}

/** Spawns `node bin/gleaner.js <args>` and waits for its ready line. */
export async function spawnGleaner(args: string[], env: Record<string, string>, readyMs = 30_000): Promise<GleanerProc> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'gleaner.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gleaner ${args.join(' ')} not ready in ${readyMs} ms:\n${out}`)), readyMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Gleaner is running at (http:\/\/\S+)/.exec(out);
      if (m || /Gleaner worker \S+ started/.test(out)) {
        clearTimeout(timer);
        resolve(m ? m[1]! : null);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gleaner ${args.join(' ')} exited with ${code} before ready:\n${out}`));
    });
  });
  return {
    child,
    pid: child.pid!,
    url,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** fetch against an API server with the cluster's admin key; JSON in and out. */
export async function clusterApi(base: string, path: string, json?: unknown, method?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method: method ?? (json === undefined ? 'GET' : 'POST'),
    headers: { authorization: `ApiKey ${CLUSTER_KEY}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}
