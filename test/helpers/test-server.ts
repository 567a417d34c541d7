/** A real Gleaner server on 127.0.0.1 port 0 over a fresh database, for integration tests. */
import { loadConfig, type Config } from '../../src/config/config.ts';
import { serve, type RunningServer } from '../../src/server.ts';
import type { Clock } from '../../src/domain/clock.ts';
import { freshDatabase, type TestDialect } from './db.ts';

export const TEST_KEY = 'sk-test-admin-key-0123456789abcdef';

export interface TestServer extends RunningServer {
  key: string;
  /** fetch against the server with the admin key. */
  api(path: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<Response>;
}

export async function startTestServer(dialect: TestDialect, name: string, overrides: Partial<Config> = {}, opts: { clock?: Clock; workers?: boolean; database?: { url: string; schema?: string } } = {}): Promise<TestServer> {
  // `database`: reuse an existing SQLite file / PostgreSQL schema (a second process on the same data).
  const db = opts.database ?? freshDatabase(dialect, name);
  const config = loadConfig(
    { PORT: '0', HOST: '127.0.0.1', DATA_DIR: '/tmp/gleaner-unused', GLEANER_API_KEY: TEST_KEY, GLEANER_ALLOW_HOSTS: '127.0.0.1', LOG_LEVEL: 'silent', GLEANER_LEASE_SECONDS: '5', GLEANER_RATE_LIMIT: '1000000', GLEANER_AUTH_FAILURE_LIMIT: '1000000' },
    { databaseUrl: db.url, ...overrides },
  );
  const s = await serve(config, { quiet: true, workers: opts.workers, schema: db.schema, clock: opts.clock });
  const api: TestServer['api'] = (path, init = {}) => {
    const headers = new Headers(init.headers);
    if (init.key !== null) headers.set('Authorization', `ApiKey ${init.key ?? TEST_KEY}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('Content-Type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(`${s.url}${path}`, { ...init, headers, body });
  };
  return Object.assign(s, { key: TEST_KEY, api });
}
