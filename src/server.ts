/**
 * Process roles. `serve`: API (+ UI) + scheduler + workers (unless disabled), one process: the embedded
 * default. `worker`: workers only, for scale-out on PostgreSQL. Both drain on SIGTERM/SIGINT.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/config.ts';
import type { Clock } from './domain/clock.ts';
import { Platform } from './platform.ts';
import { buildApp } from './api/app.ts';
import { startDemoStore } from './demo-site/demo-store.ts';
import { serverExtensions } from './server-extensions.ts';
import { prepareFirstRunSetup } from './ui/setup-token.ts';

export interface ServeOptions {
  workers?: boolean;
  demo?: boolean;
  quiet?: boolean;
  /** PostgreSQL schema (tests). */
  schema?: string;
  clock?: Clock;
}

export interface RunningServer {
  platform: Platform;
  app: FastifyInstance;
  url: string;
  demoUrl: string | null;
  /** First run only (no administrator password yet): the one-time setup link printed on the console. */
  setupUrl: string | null;
  close(): Promise<void>;
}

export async function serve(config: Config, opts: ServeOptions = {}): Promise<RunningServer> {
  let demo: Awaited<ReturnType<typeof startDemoStore>> | null = null;
  if (opts.demo) {
    demo = await startDemoStore({ host: '127.0.0.1', port: 0 });
    // Only the demo store's own origin is let through, not all of loopback.
    config = { ...config, allowOrigins: [...(config.allowOrigins ?? []), demo.url] };
  }
  const platform = await Platform.open(config, { workers: opts.workers ?? config.workers > 0, schema: opts.schema, clock: opts.clock });
  const app = await buildApp(platform, { extensions: serverExtensions });
  await platform.start();
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const log = (s: string) => !opts.quiet && console.log(s);
  log(`Gleaner is running at ${url}  (database: ${platform.db.dialect === 'sqlite' ? config.databaseUrl : 'PostgreSQL'}, workers: ${opts.workers === false ? 0 : config.workers})`);
  if (platform.bootstrap?.generatedKey) {
    log(`\nYour administrator API key (shown once, store it now):\n\n    ${platform.bootstrap.generatedKey}\n\n  export GLEANER_API_KEY=${platform.bootstrap.generatedKey}\n`);
  }
  if (demo) log(`Demo store: ${demo.url}/products/  (try: "Pull product name, price, and SKU from ${demo.url}/products/")`);
  // The only place the generated setup token is ever shown (setup-token.ts): never logged elsewhere.
  const setup = await prepareFirstRunSetup(platform, url);
  if (setup) log(`\n${setup.message}\n`);
  let closed = false;
  return {
    platform,
    app,
    url,
    demoUrl: demo?.url ?? null,
    setupUrl: setup?.url ?? null,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await platform.close();
      await demo?.close();
    },
  };
}

export async function runWorker(config: Config, concurrency: number, quiet = false): Promise<{ platform: Platform; close(): Promise<void> }> {
  const platform = await Platform.open({ ...config, workers: concurrency }, { workers: true });
  await platform.start();
  if (!quiet) console.log(`Gleaner worker ${platform.workerPool.id} started (concurrency ${concurrency}, database ${platform.db.dialect})`);
  return { platform, close: () => platform.close() };
}

export function closeOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  const handler = (sig: string) => {
    if (stopping) {
      console.error(`\nReceived ${sig} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.error(`\nReceived ${sig}: shutting down (running runs are handed back to the queue)...`);
    close().then(
      () => process.exit(0),
      (e) => {
        console.error(String(e));
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}
