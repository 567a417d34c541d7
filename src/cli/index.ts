/**
 * The `gleaner` command. Errors are one readable line (never a stack trace) with meaningful exit codes:
 * 0 ok, 1 run failed or server error, 2 usage error, 3 authentication error.
 */
import { Command, CommanderError } from 'commander';
import { registerServerCommands } from './commands/server-commands.ts';
import { registerClientCommands } from './commands/register-client-commands.ts';
import { CliError } from './cli-error.ts';

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('gleaner')
    .description('Gleaner: describe the data you want, get a tested scraping agent, run it on demand or on a schedule.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  registerServerCommands(program);
  registerClientCommands(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (e instanceof CliError) {
      process.stderr.write(`gleaner: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`gleaner: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
