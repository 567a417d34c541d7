/** An error the CLI prints as one line and turns into an exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 | 3 = 1) {
    super(message);
  }
}
