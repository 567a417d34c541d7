import type { Command } from 'commander';
import { registerAgentCommands } from './agent-commands.ts';
import { registerBuildCommand } from './build-command.ts';
import { registerLoginCommands } from './login-command.ts';
import { registerRunCommands } from './run-commands.ts';
import { registerScheduleCommands, registerUserCommands } from './admin-commands.ts';

/** Commands that talk to a running server through the typed client (login, build, run, ...). */
export function registerClientCommands(program: Command): void {
  registerLoginCommands(program);
  registerBuildCommand(program);
  registerAgentCommands(program);
  registerRunCommands(program);
  registerScheduleCommands(program);
  registerUserCommands(program);
  program.addHelpText(
    'after',
    '\nConnection: GLEANER_URL (else the `gleaner login` file, else http://127.0.0.1:8080) and GLEANER_API_KEY or SEQUENTUM_API_KEY.\n' +
      'Exit codes: 0 ok, 1 run failed or server error, 2 usage error, 3 authentication error.\n\n' +
      'Examples:\n  gleaner serve --demo\n  gleaner login --url http://127.0.0.1:8080\n  gleaner build "product names and prices from http://127.0.0.1:8081/products/" --name "Demo products"\n  gleaner run "Demo products" --format csv --out products.csv',
  );
}
