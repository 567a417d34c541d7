/**
 * In-process notifications between the API, workers, the builder and the scheduler. They are latency
 * hints only: correctness never depends on them (workers also poll the database), so a cluster can relay
 * them over PostgreSQL LISTEN/NOTIFY (see pg-notifier.ts) or not at all.
 */
import { EventEmitter } from 'node:events';

export interface BusEvents {
  'run-queued': { runId: number };
  'run-changed': { runId: number };
  'run-finished': { runId: number };
  'run-control': { runId: number; control: number };
  'builder-event': { sessionId: string };
}

export type BusListener<K extends keyof BusEvents> = (payload: BusEvents[K]) => void;

export class EventBus {
  private readonly ee = new EventEmitter();
  /** Set by a relay so local emits are also published to other processes. */
  relay: (<K extends keyof BusEvents>(event: K, payload: BusEvents[K]) => void) | null = null;

  constructor() {
    this.ee.setMaxListeners(0);
  }

  on<K extends keyof BusEvents>(event: K, fn: BusListener<K>): () => void {
    this.ee.on(event, fn as (p: unknown) => void);
    return () => this.ee.off(event, fn as (p: unknown) => void);
  }

  emit<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void {
    this.ee.emit(event, payload);
    this.relay?.(event, payload);
  }

  /** Delivers an event that came from another process (not relayed again). */
  deliver<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void {
    this.ee.emit(event, payload);
  }

  /** Resolves when `predicate` holds, checking on each matching event and every `pollMs` (the fallback). */
  async waitFor<K extends keyof BusEvents>(event: K, predicate: () => Promise<boolean>, opts: { timeoutMs: number; pollMs: number; filter?: (p: BusEvents[K]) => boolean; signal?: AbortSignal }): Promise<boolean> {
    if (await predicate()) return true;
    return new Promise<boolean>((resolve) => {
      let settled = false;
      let checking = false;
      const done = (v: boolean) => {
        if (settled) return;
        settled = true;
        off();
        clearInterval(poll);
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const check = async () => {
        if (checking || settled) return;
        checking = true;
        try {
          if (await predicate()) done(true);
        } catch {
          /* try again on the next tick */
        } finally {
          checking = false;
        }
      };
      const off = this.on(event, (p) => {
        if (!opts.filter || opts.filter(p)) void check();
      });
      const poll = setInterval(() => void check(), opts.pollMs);
      const timer = setTimeout(() => done(false), opts.timeoutMs);
      const onAbort = () => done(false);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
