/**
 * A finished run's files: records as JSON, CSV, NDJSON and XLSX, and the run log. The rows are created
 * when the run ends; the bytes are produced on first download from the stored records and kept in the
 * database, so every API server can serve them.
 */
import type { FrontierRepo } from '../storage/repos/frontier-repo.ts';

export const RECORD_FORMATS = ['json', 'csv', 'ndjson', 'xlsx'] as const;

export async function createRunFiles(frontier: FrontierRepo, runId: number, now: string): Promise<void> {
  const existing = await frontier.files(runId);
  const have = new Set(existing.map((f) => f.kind));
  for (const fmt of RECORD_FORMATS) {
    const kind = `export:${fmt}`;
    if (!have.has(kind)) await frontier.addFile({ runId, name: `run-${runId}-records.${fmt}`, fileType: fmt.toUpperCase(), kind, size: 0, content: null }, now);
  }
  if (!have.has('log')) await frontier.addFile({ runId, name: `run-${runId}.log`, fileType: 'LOG', kind: 'log', size: 0, content: null }, now);
}
