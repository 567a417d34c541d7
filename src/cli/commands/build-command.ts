import type { Command } from 'commander';
import type { BuilderEvent, SampleRecordsEvent } from '../../client/types.ts';
import { CliError } from '../cli-error.ts';
import { act, intArg, makeClient } from '../client-context.ts';
import { formatTable, interactive, printJson, Spinner } from '../output.ts';

/** One human line per builder event; undefined for events not worth a line (snapshots, screenshots). */
export function describeEvent(e: BuilderEvent): string | undefined {
  const s = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : '');
  switch (e.type) {
    case 'session_started':
      return `Session ${s('sessionId')} started`;
    case 'user_prompt':
      return undefined;
    case 'thinking':
    case 'user_message':
      return s('message') || undefined;
    case 'plan_generated':
      return `Plan: ${Array.isArray(e.plan) ? (e.plan as { description?: string }[]).map((p) => p.description ?? '').filter(Boolean).join(' → ') : JSON.stringify(e.plan)}`;
    case 'step_started':
      return `Step ${e.stepNumber}${e.totalSteps ? `/${e.totalSteps}` : ''}: ${s('description')}`;
    case 'step_completed':
      return e.success === false ? `Step ${e.stepNumber} failed` : undefined;
    case 'navigation_completed':
      return `Loaded ${s('url')}${s('title') ? ` (${s('title')})` : ''}`;
    case 'error':
      return `${e.isRecoverable === false ? 'Error' : 'Warning'}: ${s('message')}`;
    case 'sample_records':
      return `Sample: ${e.recordCount ?? (e.records as unknown[] | undefined)?.length ?? 0} records`;
    case 'ready_for_interaction':
      return s('message') || 'Ready';
    case 'screenshot':
    case 'command_added':
      return undefined;
    default:
      return s('message') || undefined;
  }
}

/** The sample as a table (first rows, long values cut) and the fill rate of each field. */
export function formatSample(sample: SampleRecordsEvent, maxRows = 10): string {
  const fields = Object.keys(sample.fillRates ?? {}).length ? Object.keys(sample.fillRates) : [...new Set((sample.records ?? []).flatMap((r) => Object.keys(r)))];
  const rows = (sample.records ?? []).slice(0, maxRows);
  const table = formatTable(rows, fields.map((f) => ({ header: f, get: (r: Record<string, unknown>) => r[f], max: 32 })));
  const rates = fields.map((f) => `${f} ${Math.round((sample.fillRates?.[f] ?? 0) * 100)}%`).join(' · ');
  const total = sample.recordCount ?? sample.records?.length ?? 0;
  return `${table}\n${rows.length < total ? `(${rows.length} of ${total} sample records)\n` : ''}Fill rates: ${rates}`;
}

export function registerBuildCommand(program: Command): void {
  program
    .command('build <prompt>')
    .description('Describe the data you want; the Agent Builder makes and tests an agent, and shows a sample')
    .option('--name <name>', 'save the agent under this name when the builder is ready (without it, the draft is left for review)')
    .option('--space <id>', 'space to save the agent in (default: your default space)')
    .option('--timeout <seconds>', 'give up after this many seconds', '900')
    .option('--json', 'print the result (session, sample, agent) as JSON')
    .addHelpText('after', '\nExamples:\n  gleaner build "product names and prices from http://127.0.0.1:8081/products/" --name "Demo products"\n  gleaner build "books with title, price and rating from http://127.0.0.1:8081/books/" --json')
    .action(
      act(async (prompt: string, opts: { name?: string; space?: string; timeout: string; json?: boolean }) => {
        if (prompt.trim().length < 10) throw new CliError('Describe what you want in at least 10 characters', 2);
        const client = makeClient();
        const spinner = new Spinner();
        spinner.start('Starting the builder…');
        const tty = interactive();
        let result;
        try {
          result = await client.buildAgent(prompt, {
            timeoutMs: intArg('--timeout', opts.timeout) * 1000,
            ...(opts.name ? { agentName: opts.name } : {}),
            ...(opts.space ? { spaceId: intArg('--space', opts.space) } : {}),
            onEvent: (e) => {
              const line = describeEvent(e);
              if (!line) return;
              // On a TTY the spinner carries thinking; steps and results stay on screen.
              if (tty && (e.type === 'thinking' || e.type === 'step_started')) spinner.update(line);
              else spinner.log(line);
            },
          });
        } finally {
          spinner.stop();
        }
        if (opts.json) return printJson({ sessionId: result.sessionId, status: result.status, agent: result.agent, sample: result.sample });
        if (result.sample) process.stdout.write(`${formatSample(result.sample)}\n`);
        else process.stdout.write('The builder produced no sample records.\n');
        if (result.agent) process.stdout.write(`Saved agent ${result.agent.agentId} "${result.agent.agentName}". Run it: gleaner run ${result.agent.agentId} --format csv --out data.csv\n`);
        else process.stdout.write(`Session ${result.sessionId} is ready. Save it with: gleaner build ... --name "<name>" (or finish it in the web UI)\n`);
      }),
    );
}
