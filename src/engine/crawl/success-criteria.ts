/**
 * Success (10) vs Completed (9) vs Failure (6): without criteria a finished run is Completed; with
 * criteria it is Success when they hold and Failure when they do not.
 */
import type { AgentSpec } from '../../domain/agent-spec.ts';

export interface RunTally {
  records: number;
  errors: number;
  pagesDone: number;
  /** Per field: records seen with the field empty. */
  fieldMissing: Record<string, number>;
  recordsSeen: number;
}

export type Verdict = { kind: 'completed' } | { kind: 'success' } | { kind: 'failure'; reason: string };

export function evaluateSuccess(spec: AgentSpec, t: RunTally): Verdict {
  const c = spec.successCriteria;
  if (!c) return { kind: 'completed' };
  if (c.minRecords !== undefined && t.records < c.minRecords) return { kind: 'failure', reason: `Success criteria failed: ${t.records} records, at least ${c.minRecords} required` };
  if (c.maxErrors !== undefined && t.errors > c.maxErrors) return { kind: 'failure', reason: `Success criteria failed: ${t.errors} failed requests, at most ${c.maxErrors} allowed` };
  for (const f of c.requiredFields) {
    const missing = t.fieldMissing[f] ?? 0;
    if (missing > 0) return { kind: 'failure', reason: `Success criteria failed: required field "${f}" is empty in ${missing} of ${t.recordsSeen} records` };
  }
  return { kind: 'success' };
}
