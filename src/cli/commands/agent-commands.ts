import type { Command } from 'commander';
import type { Agent } from '../../client/types.ts';
import { act, makeClient } from '../client-context.ts';
import { printJson, printTable, statusLabel } from '../output.ts';

export function registerAgentCommands(program: Command): void {
  program
    .command('agents')
    .description('List the agents you can see')
    .option('--search <text>', 'only agents whose name or description contains the text')
    .option('--archived', 'include archived agents')
    .option('--json', 'print JSON (for scripts)')
    .addHelpText('after', '\nExamples:\n  gleaner agents\n  gleaner agents --search products --json | jq ".[].id"')
    .action(
      act(async (opts: { search?: string; archived?: boolean; json?: boolean }) => {
        const client = makeClient();
        const agents = opts.search ? await client.agents.search(opts.search, 1000) : await client.agents.list(opts.archived ? { includeArchived: true } : {});
        if (opts.json) return printJson(agents);
        printTable<Agent>(
          agents,
          [
            { header: 'ID', get: (a) => a.id, right: true },
            { header: 'NAME', get: (a) => a.name, max: 40 },
            { header: 'VERSION', get: (a) => a.version, right: true },
            { header: 'LAST RUN', get: (a) => statusLabel(a.status) },
            { header: 'START URL', get: (a) => a.startUrl, max: 50 },
            { header: 'UPDATED', get: (a) => a.updated?.slice(0, 19).replace('T', ' ') },
          ],
          'No agents yet. Create one with `gleaner build "<what you want>" --name <name>`.',
        );
      }),
    );
}
