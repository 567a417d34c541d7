/**
 * Terminal output without dependencies: aligned tables, JSON for scripts, and a small spinner. Data goes
 * to stdout and progress to stderr, so `gleaner run x --format csv > out.csv` stays clean. The spinner
 * animates only on a TTY outside CI; elsewhere it prints plain lines, and only when the text changes.
 */
import { RunStatus, runStatusName } from '../domain/run-status.ts';

export interface Column<T> {
  header: string;
  get: (row: T) => unknown;
  /** Right-align (numbers). */
  right?: boolean;
  /** Cut cell text at this width. */
  max?: number;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v).replace(/\s+/g, ' ');
}

export function formatTable<T>(rows: readonly T[], cols: readonly Column<T>[]): string {
  const body = rows.map((r) =>
    cols.map((c) => {
      const s = cell(c.get(r));
      return c.max && s.length > c.max ? `${s.slice(0, c.max - 1)}…` : s;
    }),
  );
  const widths = cols.map((c, i) => Math.max(c.header.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((s, i) => (cols[i]!.right ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(cols.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function printTable<T>(rows: readonly T[], cols: readonly Column<T>[], empty = '(none)'): void {
  process.stdout.write(rows.length ? `${formatTable(rows, cols)}\n` : `${empty}\n`);
}

export function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

export const interactive = (stream: NodeJS.WriteStream = process.stderr) => !!stream.isTTY && process.env.CI !== 'true' && !process.env.NO_SPINNER;

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Spinner {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private text = '';
  private lastPrinted = '';
  private readonly tty: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = interactive(stream);
  }

  start(text: string): this {
    this.text = text;
    if (this.tty) {
      this.timer = setInterval(() => this.render(), 80);
      this.timer.unref();
      this.render();
    } else this.plain(text);
    return this;
  }

  update(text: string): void {
    this.text = text;
    if (this.tty) this.render();
    else this.plain(text);
  }

  /** A line that stays (an event), printed above the spinner. */
  log(line: string): void {
    if (this.tty) this.stream.write(`\r\x1b[2K${line}\n`);
    else this.stream.write(`${line}\n`);
    if (this.tty && this.timer) this.render();
  }

  stop(finalLine?: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) this.stream.write('\r\x1b[2K');
    if (finalLine) this.stream.write(`${finalLine}\n`);
  }

  private render(): void {
    const cols = this.stream.columns || 100;
    const t = `${FRAMES[this.frame++ % FRAMES.length]} ${this.text}`;
    this.stream.write(`\r\x1b[2K${t.length > cols - 1 ? t.slice(0, cols - 2) : t}`);
  }

  private plain(text: string): void {
    if (text !== this.lastPrinted) this.stream.write(`${text}\n`);
    this.lastPrinted = text;
  }
}

export function statusLabel(s: number | null | undefined): string {
  return s === null || s === undefined ? '' : `${runStatusName(s)} (${s})`;
}

export function duration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined) return '';
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${String(sec % 60).padStart(2, '0')}s`;
  return `${Math.floor(sec / 3600)}h${String(Math.floor((sec % 3600) / 60)).padStart(2, '0')}m`;
}

export const isSuccessful = (s: number) => s === RunStatus.Completed || s === RunStatus.Success;

/** Write a streamed HTTP body to a Node stream (stdout or a file), honouring back-pressure. */
export async function writeBody(body: ReadableStream<Uint8Array> | null, out: NodeJS.WritableStream): Promise<number> {
  if (!body) return 0;
  let bytes = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  return bytes;
}
