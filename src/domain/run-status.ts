/** Sequentum's integer RunStatus, emitted as integers on the wire. */
export const RunStatus = {
  Invalid: 0,
  Running: 1,
  Exporting: 2,
  Starting: 3,
  Queuing: 4,
  Stopping: 5,
  Failure: 6,
  Failed: 7,
  Stopped: 8,
  Completed: 9,
  Success: 10,
  Skipped: 11,
  Waiting: 12,
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];
export type RunStatusName = keyof typeof RunStatus;

export const TERMINAL_STATUSES: ReadonlySet<number> = new Set([RunStatus.Failure, RunStatus.Failed, RunStatus.Stopped, RunStatus.Completed, RunStatus.Success, RunStatus.Skipped]);
export const ACTIVE_STATUSES: ReadonlySet<number> = new Set([RunStatus.Running, RunStatus.Exporting, RunStatus.Starting, RunStatus.Queuing, RunStatus.Stopping, RunStatus.Waiting]);

export function isTerminal(status: number): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function runStatusName(status: number): RunStatusName {
  const entry = Object.entries(RunStatus).find(([, v]) => v === status);
  return (entry?.[0] ?? 'Invalid') as RunStatusName;
}

/** Accepts a number, a numeric string or a name (any case); undefined when it is none of these. */
export function parseRunStatus(input: unknown): RunStatus | undefined {
  if (typeof input === 'number' && Object.values(RunStatus).includes(input as RunStatus)) return input as RunStatus;
  if (typeof input !== 'string') return undefined;
  if (/^\d+$/.test(input.trim())) return parseRunStatus(Number(input));
  const key = Object.keys(RunStatus).find((k) => k.toLowerCase() === input.trim().toLowerCase());
  return key ? RunStatus[key as RunStatusName] : undefined;
}

/** Allowed transitions of the run state machine; anything else is a bug or a race lost. */
const TRANSITIONS: Record<number, readonly number[]> = {
  [RunStatus.Queuing]: [RunStatus.Starting, RunStatus.Stopped, RunStatus.Skipped, RunStatus.Failure, RunStatus.Waiting],
  [RunStatus.Waiting]: [RunStatus.Queuing, RunStatus.Stopped, RunStatus.Failure],
  [RunStatus.Starting]: [RunStatus.Running, RunStatus.Stopping, RunStatus.Stopped, RunStatus.Failure, RunStatus.Queuing],
  [RunStatus.Running]: [RunStatus.Exporting, RunStatus.Stopping, RunStatus.Stopped, RunStatus.Failure, RunStatus.Completed, RunStatus.Success, RunStatus.Queuing],
  [RunStatus.Exporting]: [RunStatus.Completed, RunStatus.Success, RunStatus.Failure, RunStatus.Stopping, RunStatus.Stopped, RunStatus.Queuing],
  [RunStatus.Stopping]: [RunStatus.Stopped, RunStatus.Failure],
  [RunStatus.Failure]: [RunStatus.Queuing, RunStatus.Failed],
};

export function canTransition(from: number, to: number): boolean {
  return TRANSITIONS[from]?.includes(to) ?? false;
}
