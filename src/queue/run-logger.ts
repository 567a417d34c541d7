/**
 * A run's log: buffered in memory and flushed to the database in batches (the UI and the `log` file read
 * it from there, on any API server). Never logs page bodies or secrets.
 */
import type { FrontierRepo } from '../storage/repos/frontier-repo.ts';
import type { Clock } from '../domain/clock.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<string, number> = { trace: 0, debug: 0, info: 1, information: 1, warning: 2, warn: 2, error: 3, fatal: 4, critical: 4 };

export class RunLogger {
  private buffer: Array<{ level: string; message: string; ts: string }> = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly min: number;

  constructor(private readonly runId: number, private readonly repo: FrontierRepo, private readonly clock: Clock, minLevel = 'info') {
    this.min = RANK[minLevel.toLowerCase()] ?? 1;
  }

  log = (level: LogLevel, message: string): void => {
    if ((RANK[level] ?? 1) < this.min) return;
    this.buffer.push({ level, message: message.slice(0, 4000), ts: this.clock.now().toISOString() });
    if (this.buffer.length >= 200) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), 500);
  };

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const lines = this.buffer;
    this.buffer = [];
    try {
      await this.repo.log(this.runId, lines);
    } catch {
      // A log write failing (database briefly away) must not fail the run.
    }
  }
}
