import type { Command } from 'commander';
import type { ApiKeyInfo, Schedule, ScheduleInput, User } from '../../client/types.ts';
import { CliError } from '../cli-error.ts';
import { act, intArg, makeClient } from '../client-context.ts';
import { printJson, printTable } from '../output.ts';
import { resolveAgentId } from './run-commands.ts';

const PERIODS: Record<string, number> = { m: 1, h: 2, d: 3, w: 4, mo: 5 };

/** `30m`, `2h`, `1d`, `1w`, `1mo` → RunEvery count + period (api-spec §4: 1 minutes … 5 months). */
function parseEvery(v: string): { runEveryCount: number; runEveryPeriod: number } {
  const m = /^(\d+)\s*(mo|m|h|d|w)$/i.exec(v.trim());
  if (!m) throw new CliError(`--every expects a number and a unit (m, h, d, w, mo), e.g. 30m; got "${v}"`, 2);
  return { runEveryCount: Number(m[1]), runEveryPeriod: PERIODS[m[2]!.toLowerCase()]! };
}

export function registerScheduleCommands(program: Command): void {
  const sched = program.command('schedules').description('List, create, enable and disable the schedules of an agent');
  sched.addHelpText('after', '\nExamples:\n  gleaner schedules list 12\n  gleaner schedules create 12 --cron "0 9 * * 1-5" --timezone Europe/Berlin\n  gleaner schedules create 12 --every 30m\n  gleaner schedules disable 12 7');
  sched
    .command('list <agent>', { isDefault: true })
    .description('Schedules of an agent')
    .option('--json', 'print JSON (for scripts)')
    .action(
      act(async (ref: string, opts: { json?: boolean }) => {
        const client = makeClient();
        const rows = await client.schedules.list(await resolveAgentId(client, ref));
        if (opts.json) return printJson(rows);
        printTable<Schedule>(rows, [
          { header: 'ID', get: (s) => s.id, right: true },
          { header: 'NAME', get: (s) => s.name, max: 30 },
          { header: 'ENABLED', get: (s) => (s.isEnabled ? 'yes' : 'no') },
          { header: 'SCHEDULE', get: (s) => s.localSchedule ?? s.schedule, max: 40 },
          { header: 'TIMEZONE', get: (s) => s.timezone },
          { header: 'NEXT RUN (UTC)', get: (s) => s.nextRunTime?.slice(0, 16).replace('T', ' ') },
        ]);
      }),
    );
  sched
    .command('create <agent>')
    .description('Create a schedule: --cron, --every or --at')
    .option('--name <name>', 'schedule name (default: derived from the timing)')
    .option('--cron <expr>', '5-field cron expression, e.g. "0 9 * * 1,4"')
    .option('--every <interval>', 'run every interval: 30m, 2h, 1d, 1w, 1mo')
    .option('--at <iso>', 'run once at this UTC time (ISO 8601)')
    .option('--timezone <tz>', 'IANA time zone for cron and --every (default UTC)')
    .option('--input <json>', 'input parameters as a JSON object string')
    .option('--disabled', 'create it disabled')
    .option('--json', 'print the created schedule as JSON')
    .action(
      act(async (ref: string, o: { name?: string; cron?: string; every?: string; at?: string; timezone?: string; input?: string; disabled?: boolean; json?: boolean }) => {
        const kinds = [o.cron, o.every, o.at].filter(Boolean).length;
        if (kinds !== 1) throw new CliError('Give exactly one of --cron, --every or --at', 2);
        const body: ScheduleInput = { name: o.name ?? (o.cron ? `cron ${o.cron}` : o.every ? `every ${o.every}` : `once at ${o.at}`) };
        if (o.cron) Object.assign(body, { scheduleType: 3, cronExpression: o.cron });
        if (o.every) Object.assign(body, { scheduleType: 2, ...parseEvery(o.every) });
        if (o.at) Object.assign(body, { scheduleType: 1, startTime: o.at });
        if (o.timezone) body.timezone = o.timezone;
        if (o.input) body.inputParameters = o.input;
        if (o.disabled) body.isEnabled = false;
        const client = makeClient();
        const s = await client.schedules.create(await resolveAgentId(client, ref), body);
        if (o.json) return printJson(s);
        process.stdout.write(`Created schedule ${s.id} "${s.name}"${s.nextRunTime ? `, next run ${s.nextRunTime}` : ''}\n`);
      }),
    );
  for (const verb of ['enable', 'disable', 'delete'] as const) {
    sched
      .command(`${verb} <agent> <schedule>`)
      .description(`${verb[0]!.toUpperCase()}${verb.slice(1)} a schedule`)
      .action(
        act(async (ref: string, id: string) => {
          const client = makeClient();
          const scheduleId = intArg('schedule', id);
          await client.schedules[verb](await resolveAgentId(client, ref), scheduleId);
          process.stdout.write(`Schedule ${scheduleId} ${verb}d\n`);
        }),
      );
  }
}

export function registerUserCommands(program: Command): void {
  const users = program.command('users').description('Users of the organization (administrators)');
  users.addHelpText('after', '\nExamples:\n  gleaner users list\n  gleaner users create --email ana@example.com --name Ana --role User');
  users
    .command('list', { isDefault: true })
    .description('List users')
    .option('--json', 'print JSON (for scripts)')
    .action(
      act(async (opts: { json?: boolean }) => {
        const rows = await makeClient().users.list();
        if (opts.json) return printJson(rows);
        printTable<User>(rows, [
          { header: 'ID', get: (u) => u.id, right: true },
          { header: 'EMAIL', get: (u) => u.email },
          { header: 'NAME', get: (u) => u.name, max: 30 },
          { header: 'ROLE', get: (u) => u.role },
          { header: 'DISABLED', get: (u) => (u.isDisabled ?? u.disabled ? 'yes' : '') },
        ]);
      }),
    );
  users
    .command('create')
    .description('Create a user')
    .requiredOption('--email <email>', 'login e-mail')
    .option('--name <name>', 'display name')
    .option('--role <role>', 'User or Administrator', 'User')
    .option('--password <password>', 'initial password for the web UI')
    .option('--json', 'print the created user as JSON')
    .action(
      act(async (o: { email: string; name?: string; role: string; password?: string; json?: boolean }) => {
        const u = await makeClient().users.create({ email: o.email, name: o.name ?? o.email.split('@')[0]!, role: o.role, ...(o.password ? { password: o.password } : {}) });
        if (o.json) return printJson(u);
        process.stdout.write(`Created user ${u.id} ${u.email} (${u.role})\n`);
      }),
    );

  const keys = program.command('keys').description('API keys (yours, or any user\'s as an administrator)');
  keys.addHelpText('after', '\nExamples:\n  gleaner keys list\n  gleaner keys create --user 3 --description "nightly export" --expires 2027-01-01T00:00:00Z\n  gleaner keys revoke 5');
  const userOf = async (user: string | undefined) => (user ? intArg('--user', user) : (await makeClient().me()).userId);
  keys
    .command('list', { isDefault: true })
    .description("List API keys: the organization's, or one user's")
    .option('--user <id>', 'only this user\'s keys')
    .option('--json', 'print JSON (for scripts)')
    .action(
      act(async (o: { user?: string; json?: boolean }) => {
        const client = makeClient();
        const rows = o.user ? await client.apiKeys.list(intArg('--user', o.user)) : await client.apiKeys.listAll();
        if (o.json) return printJson(rows);
        printTable<ApiKeyInfo>(rows, [
          { header: 'ID', get: (k) => k.id, right: true },
          { header: 'KEY', get: (k) => (k.prefix ? `${String(k.prefix)}…${String(k.last4 ?? '')}` : '') },
          { header: 'USER', get: (k) => k.userEmail ?? k.userId, max: 30 },
          { header: 'DESCRIPTION', get: (k) => k.description, max: 40 },
          { header: 'EXPIRES', get: (k) => k.expiresAt },
          { header: 'LAST USED', get: (k) => k.lastUsedAt },
          { header: 'ACTIVE', get: (k) => (k.isActive === false || k.revokedAt ? 'no' : 'yes') },
        ]);
      }),
    );
  keys
    .command('create')
    .description('Issue an API key (shown once)')
    .option('--user <id>', 'user id (default: you)')
    .option('--description <text>', 'what the key is for')
    .option('--expires <iso>', 'expiry time (default: one year)')
    .option('--days <n>', 'expire after this many days')
    .option('--json', 'print JSON (for scripts)')
    .action(
      act(async (o: { user?: string; description?: string; expires?: string; days?: string; json?: boolean }) => {
        const k = await makeClient().apiKeys.create(await userOf(o.user), { ...(o.description ? { description: o.description } : {}), ...(o.expires ? { expiresAt: o.expires } : {}), ...(o.days ? { expiresInDays: intArg('--days', o.days) } : {}) });
        if (o.json) return printJson(k);
        process.stdout.write(`${k.key}\n`);
        process.stderr.write(`Key ${k.id} created${k.expiresAt ? `, expires ${k.expiresAt}` : ''}. It is shown only now: store it safely.\n`);
      }),
    );
  keys
    .command('revoke <id>')
    .description('Revoke an API key at once')
    .action(
      act(async (id: string) => {
        await makeClient().apiKeys.revoke(intArg('id', id));
        process.stdout.write(`Key ${id} revoked\n`);
      }),
    );
}
