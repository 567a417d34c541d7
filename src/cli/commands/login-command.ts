import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { GleanerClient } from '../../client/client.ts';
import { CliError } from '../cli-error.ts';
import { act, configPath, DEFAULT_URL, readStoredConfig, resolveConnection, toCliError, writeStoredConfig } from '../client-context.ts';
import { printJson } from '../output.ts';

/** The key from --key, the environment, or one line of stdin (so it need not appear in shell history). */
async function readKey(given: string | undefined): Promise<string> {
  if (given) return given.trim();
  const env = process.env.GLEANER_API_KEY || process.env.SEQUENTUM_API_KEY;
  if (env) return env.trim();
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: !!process.stdin.isTTY });
  try {
    const line = await rl.question(process.stdin.isTTY ? 'API key (sk-...): ' : '');
    return line.trim();
  } finally {
    rl.close();
  }
}

export function registerLoginCommands(program: Command): void {
  program
    .command('login')
    .description('Store the server URL and an API key in your config directory, after checking them with GET /api/v1/me')
    .option('--url <url>', `server URL (default: GLEANER_URL, the stored one, or ${DEFAULT_URL})`)
    .option('--key <key>', 'API key (default: GLEANER_API_KEY / SEQUENTUM_API_KEY, else read from stdin)')
    .option('--json', 'print the verified identity as JSON')
    .addHelpText('after', `\nThe file is $XDG_CONFIG_HOME/gleaner/config.json (or ~/.config/gleaner/config.json), mode 600.\n\nExamples:\n  gleaner login --url http://127.0.0.1:8080\n  echo "$KEY" | gleaner login --url https://gleaner.example.com`)
    .action(
      act(async (opts: { url?: string; key?: string; json?: boolean }) => {
        const { baseUrl } = resolveConnection({ url: opts.url });
        const apiKey = await readKey(opts.key);
        if (!apiKey) throw new CliError('No API key given (use --key, GLEANER_API_KEY, or type it on stdin)', 2);
        if (!apiKey.startsWith('sk-')) throw new CliError('An API key starts with "sk-"', 2);
        const client = new GleanerClient({ baseUrl, apiKey, retry: { retries: 1, baseDelayMs: 300 } });
        const me = await client.me().catch((e: unknown) => {
          throw toCliError(e);
        });
        const path = writeStoredConfig({ ...readStoredConfig(), url: client.baseUrl, apiKey });
        if (opts.json) printJson({ url: client.baseUrl, configPath: path, ...me });
        else process.stdout.write(`Logged in to ${client.baseUrl} as ${me.email} (${me.role}). Saved to ${path}\n`);
      }),
    );
  program
    .command('logout')
    .description('Forget the stored API key (the server URL is kept)')
    .action(
      act(() => {
        const c = readStoredConfig();
        delete c.apiKey;
        writeStoredConfig(c);
        process.stdout.write(`Removed the API key from ${configPath()}\n`);
      }),
    );
}
