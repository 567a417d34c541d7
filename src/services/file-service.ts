/**
 * Run files. Record exports are produced from the stored records on first download and cached in the
 * database (so any API server can serve them); the log is rendered from the run's log lines.
 */
import { PassThrough } from 'node:stream';
import { ApiError } from '../domain/errors.ts';
import type { Clock } from '../domain/clock.ts';
import type { FrontierRepo } from '../storage/repos/frontier-repo.ts';
import type { RunRow } from '../storage/repos/runs-repo.ts';
import { contentTypeFor, isExportFormat, writeExport, type ExportFormat } from '../export/write-export.ts';
import type { RunService } from './run-service.ts';
import { isTerminal } from '../domain/run-status.ts';

export interface FileContent {
  name: string;
  contentType: string;
  body: Buffer;
}

export class FileService {
  constructor(private readonly frontier: FrontierRepo, private readonly runs: RunService, private readonly clock: Clock) {}

  /** A parallel parent with Separated export lists its children's files (each child's run id is on its file). */
  async list(run: RunRow) {
    const files = (await this.runs.parallel.childFiles(run)) ?? (await this.frontier.files(run.id));
    // Rendered files only learn their size when first produced, so a listing made before any download would
    // report 0: produce them now (content() caches them for a finished run) so fileSize is what a download returns.
    for (const f of files) if (f.size === 0 && isRendered(f.kind)) f.size = (await this.content(run, f.id)).body.length;
    return files;
  }

  async content(run: RunRow, fileId: number): Promise<FileContent> {
    const f = await this.frontier.file(run.id, fileId);
    if (!f && (await this.runs.parallel.childFiles(run))?.some((c) => c.id === fileId)) {
      // A child's file downloaded through its parent: rendered from the child's own records.
      const child = await this.childOf(run, fileId);
      if (child) return this.content(child, fileId);
    }
    if (!f) throw ApiError.notFound(`Run ${run.id} has no file ${fileId}`);
    if (f.content) return { name: f.name, contentType: typeFor(f.kind), body: Buffer.from(f.content) };
    let body: Buffer;
    if (f.kind === 'log') body = await this.renderLog(run);
    else if (f.kind.startsWith('export:') && isExportFormat(f.kind.slice(7))) body = await this.renderExport(run, f.kind.slice(7) as ExportFormat);
    else throw ApiError.notFound(`File ${fileId} has no content`);
    // Cache only once the run is over: a later restart clears the cache.
    if (isTerminal(run.status)) await this.cache(f.id, body);
    return { name: f.name, contentType: typeFor(f.kind), body };
  }

  /** Streams an export of the run's records straight to `out` (no caching): for large downloads and the CLI. */
  async exportTo(run: RunRow, format: ExportFormat, out: NodeJS.WritableStream): Promise<void> {
    const ids = await this.runs.outputRunIds(run);
    await writeExport(format, this.runs.columnsOf(run), this.frontier.streamRecords(ids), out, { sheetName: 'Records' });
  }

  private async renderExport(run: RunRow, format: ExportFormat): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => chunks.push(c));
    await this.exportTo(run, format, sink);
    sink.end();
    return Buffer.concat(chunks);
  }

  private async renderLog(run: RunRow): Promise<Buffer> {
    const ids = [run.id, ...(await this.runs.outputRunIds(run)).filter((i) => i !== run.id)];
    const lines: string[] = [];
    for await (const l of this.frontier.streamLogs(ids)) lines.push(`${l.ts} ${l.level.toUpperCase().padEnd(5)} ${ids.length > 1 ? `[run ${l.run_id}] ` : ''}${l.message}`);
    return Buffer.from(lines.join('\n') + (lines.length ? '\n' : ''), 'utf8');
  }

  private async childOf(parent: RunRow, fileId: number): Promise<RunRow | undefined> {
    const f = (await this.runs.parallel.childFiles(parent))?.find((c) => c.id === fileId);
    return f ? this.runs.runRow(f.run_id) : undefined;
  }

  private async cache(fileId: number, body: Buffer): Promise<void> {
    await this.frontier.cacheFile(fileId, body);
  }
}

function isRendered(kind: string): boolean {
  return kind === 'log' || (kind.startsWith('export:') && isExportFormat(kind.slice(7)));
}

function typeFor(kind: string): string {
  if (kind === 'log') return 'text/plain; charset=utf-8';
  if (kind.startsWith('export:') && isExportFormat(kind.slice(7))) return contentTypeFor(kind.slice(7) as ExportFormat);
  if (kind === 'screenshot') return 'image/png';
  return 'application/octet-stream';
}
