import type { Command } from 'commander';
import { CliError } from '../cli-error.ts';

// The server modules load the whole platform (database drivers, engine, UI): imported only by the
// commands that need them, so client commands (`gleaner agents`, ...) start fast.
async function config() {
  const { ConfigError, loadConfig } = await import('../../config/config.ts');
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, 2);
    throw e;
  }
}

export function registerServerCommands(program: Command): void {
  program
    .command('serve')
    .description('Run the API, web UI, scheduler and workers in one process (SQLite by default; DATABASE_URL=postgres://... for PostgreSQL)')
    .option('--no-workers', 'do not execute runs in this process (use `gleaner worker` processes)')
    .option('--demo', 'also serve the demo store on a loopback port, reachable by the fetcher')
    .addHelpText('after', '\nEnvironment: PORT (8080), HOST (127.0.0.1), DATA_DIR (./data), DATABASE_URL, GLEANER_API_KEY, GLEANER_ALLOW_HOSTS, GLEANER_WORKERS (4)\n\nExamples:\n  gleaner serve --demo\n  DATABASE_URL=postgres://user@db/gleaner gleaner serve --no-workers')
    .action(async (opts: { workers: boolean; demo?: boolean }) => {
      const { serve, closeOnSignals } = await import('../../server.ts');
      const s = await serve(await config(), { workers: opts.workers, demo: opts.demo });
      closeOnSignals(() => s.close());
      await new Promise(() => {});
    });
  program
    .command('worker')
    .description('Run workers only (scale-out: several of these on several machines, one PostgreSQL)')
    .option('--concurrency <n>', 'runs executed at once by this process', '4')
    .addHelpText('after', '\nExample:\n  DATABASE_URL=postgres://user@db/gleaner gleaner worker --concurrency 4')
    .action(async (opts: { concurrency: string }) => {
      const n = Number(opts.concurrency);
      if (!Number.isInteger(n) || n < 1 || n > 256) throw new CliError('--concurrency must be an integer from 1 to 256', 2);
      const cfg = await config();
      if (!/^postgres/.test(cfg.databaseUrl)) console.error('Note: without DATABASE_URL=postgres://... this worker uses the local SQLite file; run it on the same machine as `serve`.');
      const { runWorker, closeOnSignals } = await import('../../server.ts');
      const w = await runWorker(cfg, n);
      closeOnSignals(() => w.close());
      await new Promise(() => {});
    });
  program
    .command('demo-site')
    .description('Serve the demo store (products with pagination and detail pages, books) on a loopback port')
    .option('--port <port>', 'port (0 = any free port)', '8081')
    .option('--products <n>', 'number of products', '24')
    .addHelpText('after', '\nThe fetcher refuses loopback addresses unless allowed: start the server with GLEANER_ALLOW_HOSTS=127.0.0.1, or use `gleaner serve --demo`.')
    .action(async (opts: { port: string; products: string }) => {
      const { startDemoStore } = await import('../../demo-site/demo-store.ts');
      const { closeOnSignals } = await import('../../server.ts');
      const d = await startDemoStore({ port: Number(opts.port), products: Number(opts.products) });
      console.log(`Demo store at ${d.url}/products/ and ${d.url}/books/`);
      closeOnSignals(() => d.close());
      await new Promise(() => {});
    });
}
