import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename } from 'node:path';
import type { GleanerClient } from '../../client/client.ts';
import type { ExportFormat, RunFile, RunInfo, RunListItem } from '../../client/types.ts';
import { isTerminal, runStatusName } from '../../domain/run-status.ts';
import { CliError } from '../cli-error.ts';
import { act, intArg, makeClient } from '../client-context.ts';
import { duration, isSuccessful, printJson, printTable, Spinner, statusLabel, writeBody } from '../output.ts';

const FORMATS: readonly ExportFormat[] = ['json', 'csv', 'ndjson', 'xlsx'];

/** `<agent>` is an id or an exact (case-insensitive) name. */
export async function resolveAgentId(client: GleanerClient, ref: string): Promise<number> {
  if (/^\d+$/.test(ref.trim())) return Number(ref);
  const a = await client.agents.resolve(ref);
  if (!a) throw new CliError(`No agent named "${ref}" (see \`gleaner agents\`)`, 1);
  return a.id;
}

function collectInput(v: string, acc: Record<string, string>): Record<string, string> {
  const i = v.indexOf('=');
  if (i <= 0) throw new CliError(`--input expects key=value, got "${v}"`, 2);
  return { ...acc, [v.slice(0, i)]: v.slice(i + 1) };
}

function formatOf(format: string | undefined, out: string | undefined): ExportFormat | undefined {
  if (format) {
    const f = format.toLowerCase() as ExportFormat;
    if (!FORMATS.includes(f)) throw new CliError(`--format must be one of ${FORMATS.join(', ')}`, 2);
    return f;
  }
  if (!out) return undefined;
  const ext = /\.(\w+)$/.exec(out)?.[1]?.toLowerCase();
  return ext === 'jsonl' ? 'ndjson' : FORMATS.includes(ext as ExportFormat) ? (ext as ExportFormat) : 'json';
}

const progressLine = (r: RunInfo) => `Run ${r.id}: ${runStatusName(r.status)} · ${r.pageCount} pages · ${r.dataCount} records · ${r.errorCount} errors · ${duration(r.runTimeSec)}`;

/** Streams the records export to --out or stdout. */
async function writeExport(client: GleanerClient, agentId: number, runId: number, format: ExportFormat, out: string | undefined): Promise<void> {
  if (!out && format === 'xlsx' && process.stdout.isTTY) throw new CliError('xlsx is binary: add --out FILE (or redirect stdout)', 2);
  const res = await client.runs.exportRecords(agentId, runId, format);
  if (!out) {
    await writeBody(res.body, process.stdout);
    return;
  }
  const file = createWriteStream(out);
  const bytes = await writeBody(res.body, file);
  file.end();
  await once(file, 'close');
  process.stderr.write(`Wrote ${out} (${format}, ${bytes} bytes)\n`);
}

export function registerRunCommands(program: Command): void {
  program
    .command('run <agent>')
    .description('Start a run of an agent (id or exact name), show its progress, and optionally export its records')
    .option('--sync', 'run synchronously: the server holds the request until the run ends')
    .option('--input <key=value>', 'an input parameter (repeatable)', collectInput, {} as Record<string, string>)
    .option('--format <format>', `export the records as ${FORMATS.join('|')} (to stdout unless --out)`)
    .option('--out <file>', 'write the records export to this file (format from --format or the extension)')
    .option('--timeout <seconds>', 'give up waiting after this many seconds (the run goes on)', '3600')
    .option('--no-wait', 'print the run id and return at once')
    .option('--json', 'print the final run status as JSON')
    .addHelpText('after', '\nExit code 0 when the run ends Completed/Success, 1 otherwise.\n\nExamples:\n  gleaner run "Demo products" --format csv --out products.csv\n  gleaner run 12 --input url=https://example.com/ --sync --json\n  gleaner run 12 --no-wait')
    .action(
      act(async (ref: string, opts: { sync?: boolean; input: Record<string, string>; format?: string; out?: string; timeout: string; wait: boolean; json?: boolean }) => {
        const timeoutSec = intArg('--timeout', opts.timeout);
        const format = formatOf(opts.format, opts.out);
        const client = makeClient();
        const agentId = await resolveAgentId(client, ref);
        const inputParameters = Object.keys(opts.input).length ? opts.input : undefined;
        const spinner = new Spinner();
        let final: RunInfo;
        if (opts.sync) {
          spinner.start(`Running agent ${agentId} synchronously…`);
          let r;
          try {
            r = await client.runs.startSync(agentId, { ...(inputParameters ? { inputParameters } : {}), timeout: Math.min(timeoutSec, 3600) });
          } finally {
            spinner.stop();
          }
          if (r.runId === null) {
            if (!format && !opts.json) printJson(r.records);
            return;
          }
          final = await client.runs.status(agentId, r.runId);
        } else {
          const started = await client.runs.start(agentId, inputParameters ? { inputParameters } : {});
          const runId = started.runId ?? started.id;
          if (!opts.wait) {
            if (opts.json) printJson(started);
            else process.stdout.write(`Started run ${runId} of agent ${agentId} (${runStatusName(started.status)})\n`);
            return;
          }
          spinner.start(`Run ${runId}: ${runStatusName(started.status)}`);
          try {
            final = await client.waitForRun(agentId, runId, { timeoutMs: timeoutSec * 1000, onProgress: (r) => spinner.update(progressLine(r)) });
          } finally {
            spinner.stop();
          }
        }
        process.stderr.write(`${progressLine(final)}${final.message ? ` · ${final.message}` : ''}\n`);
        if (format && final.dataCount > 0) await writeExport(client, agentId, final.id, format, opts.out);
        else if (format) process.stderr.write('No records to export.\n');
        if (opts.json) printJson(final);
        else if (!format) process.stdout.write(`Run ${final.id} ${isSuccessful(final.status) ? 'finished' : 'ended'}: ${statusLabel(final.status)}, ${final.dataCount} records. Export them: gleaner records ${agentId} ${final.id} --format csv\n`);
        if (!isSuccessful(final.status)) process.exitCode = 1;
      }),
    );

  program
    .command('runs <agent>')
    .description('List the runs of an agent, newest first')
    .option('--limit <n>', 'at most this many', '20')
    .option('--json', 'print JSON (for scripts)')
    .addHelpText('after', '\nExample:\n  gleaner runs "Demo products" --limit 5')
    .action(
      act(async (ref: string, opts: { limit: string; json?: boolean }) => {
        const client = makeClient();
        const runs = await client.runs.list(await resolveAgentId(client, ref), intArg('--limit', opts.limit));
        if (opts.json) return printJson(runs);
        printTable<RunListItem>(runs, [
          { header: 'RUN', get: (r) => r.id, right: true },
          { header: 'STATUS', get: (r) => statusLabel(r.status) },
          { header: 'STARTED', get: (r) => (r.startTime ?? r.created)?.slice(0, 19).replace('T', ' ') },
          { header: 'TIME', get: (r) => duration(r.runTimeSec as number | undefined), right: true },
          { header: 'RECORDS', get: (r) => r.recordsExtracted, right: true },
          { header: 'ERRORS', get: (r) => r.errorCount, right: true },
          { header: 'BY', get: (r) => r.startedBy, max: 20 },
          { header: 'MESSAGE', get: (r) => r.errorMessage ?? r.message, max: 50 },
        ]);
      }),
    );

  program
    .command('status <agent> <run>')
    .description('Status and counters of one run')
    .option('--wait', 'wait until the run ends, showing progress')
    .option('--json', 'print JSON (for scripts)')
    .addHelpText('after', '\nExample:\n  gleaner status 12 345 --wait')
    .action(
      act(async (ref: string, run: string, opts: { wait?: boolean; json?: boolean }) => {
        const client = makeClient();
        const agentId = await resolveAgentId(client, ref);
        const runId = intArg('run', run);
        let r = await client.runs.status(agentId, runId);
        if (opts.wait && !isTerminal(r.status)) {
          const spinner = new Spinner().start(progressLine(r));
          try {
            r = await client.waitForRun(agentId, runId, { onProgress: (x) => spinner.update(progressLine(x)) });
          } finally {
            spinner.stop();
          }
        }
        if (opts.wait && !isSuccessful(r.status)) process.exitCode = 1;
        if (opts.json) return printJson(r);
        const rows: [string, unknown][] = [
          ['Run', r.id], ['Agent', `${r.configId}${r.configName ? ` (${r.configName})` : ''}`], ['Status', statusLabel(r.status)], ['Message', r.message],
          ['Created', r.created], ['Started', r.startTime], ['Ended', r.endTime], ['Run time', duration(r.runTimeSec)],
          ['Pages', r.pageCount], ['Requests', r.requestCount], ['Records', r.dataCount], ['Exported', r.exportCount], ['Errors', r.errorCount],
        ];
        process.stdout.write(`${rows.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => `${k.padEnd(9)} ${String(v)}`).join('\n')}\n`);
      }),
    );

  for (const [verb, what] of [['stop', 'Graceful stop: Stopping (5), then Stopped (8)'], ['kill', 'Forceful stop; on a run already stopping, ends it at once'], ['restart', 'Restart a Failure (6) run in place']] as const) {
    program
      .command(`${verb} <agent> <run>`)
      .description(what)
      .addHelpText('after', `\nExample:\n  gleaner ${verb} "Demo products" 345`)
      .action(
        act(async (ref: string, run: string) => {
          const client = makeClient();
          const agentId = await resolveAgentId(client, ref);
          const runId = intArg('run', run);
          await client.runs[verb](agentId, runId);
          process.stdout.write(`${verb === 'restart' ? 'Restarted' : verb === 'stop' ? 'Stop sent to' : 'Kill sent to'} run ${runId}\n`);
        }),
      );
  }

  program
    .command('files <agent> <run>')
    .description('Output files of a run')
    .option('--json', 'print JSON (for scripts)')
    .addHelpText('after', '\nExample:\n  gleaner files 12 345 && gleaner download 12 345 <file id or name>')
    .action(
      act(async (ref: string, run: string, opts: { json?: boolean }) => {
        const client = makeClient();
        const files = await client.runs.files(await resolveAgentId(client, ref), intArg('run', run));
        if (opts.json) return printJson(files);
        printTable<RunFile>(files, [
          { header: 'ID', get: (f) => f.id, right: true },
          { header: 'NAME', get: (f) => f.name },
          { header: 'TYPE', get: (f) => f.fileType },
          { header: 'BYTES', get: (f) => f.fileSize, right: true },
          { header: 'CREATED', get: (f) => f.created?.slice(0, 19).replace('T', ' ') },
        ]);
      }),
    );

  program
    .command('download <agent> <run> <file>')
    .description('Download an output file (by id or name) of a run')
    .option('--out <path>', 'where to write it (default: the file name in the current directory; - for stdout)')
    .addHelpText('after', '\nExample:\n  gleaner download 12 345 records.csv --out /tmp/records.csv')
    .action(
      act(async (ref: string, run: string, fileRef: string, opts: { out?: string }) => {
        const client = makeClient();
        const agentId = await resolveAgentId(client, ref);
        const runId = intArg('run', run);
        let fileId: number;
        let name = fileRef;
        if (/^\d+$/.test(fileRef)) fileId = Number(fileRef);
        else {
          const f = (await client.runs.files(agentId, runId)).find((x) => x.name === fileRef);
          if (!f) throw new CliError(`Run ${runId} has no file named "${fileRef}" (see \`gleaner files ${agentId} ${runId}\`)`, 1);
          fileId = f.id;
        }
        const res = await client.runs.download(agentId, runId, fileId);
        const disposition = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1];
        if (/^\d+$/.test(fileRef)) name = disposition ?? `file-${fileId}`;
        if (opts.out === '-') {
          await writeBody(res.body, process.stdout);
          return;
        }
        const out = opts.out ?? basename(name);
        const file = createWriteStream(out);
        const bytes = await writeBody(res.body, file);
        file.end();
        await once(file, 'close');
        process.stdout.write(`Wrote ${out} (${bytes} bytes)\n`);
      }),
    );

  program
    .command('records <agent> <run>')
    .description('Export the records of a finished run')
    .option('--format <format>', FORMATS.join('|'), 'json')
    .option('--out <file>', 'write to this file instead of stdout')
    .addHelpText('after', '\nExample:\n  gleaner records 12 345 --format csv --out products.csv')
    .action(
      act(async (ref: string, run: string, opts: { format: string; out?: string }) => {
        const client = makeClient();
        await writeExport(client, await resolveAgentId(client, ref), intArg('run', run), formatOf(opts.format, opts.out)!, opts.out);
      }),
    );
}
