import type { Command } from 'commander';

/** Commands that talk to a running server through the typed client (login, build, run, ...). */
export function registerClientCommands(program: Command): void {
  void program;
}
