/**
 * Relays event-bus notifications between processes over PostgreSQL LISTEN/NOTIFY: a run queued on one API
 * server wakes a worker on another machine at once, and stop/kill reach the worker holding the run
 * without waiting for its next lease renewal. Only a latency hint: workers and waiters also poll.
 */
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { BusEvents, EventBus } from './event-bus.ts';


export interface PgNotifier {
  close(): Promise<void>;
}

/** `namespace` separates deployments (or test schemas) sharing one PostgreSQL database. */
export async function startPgNotifier(bus: EventBus, url: string, namespace: string, onError: (e: unknown) => void): Promise<PgNotifier> {
  const CHANNEL = `gleaner_${createHash('sha1').update(namespace).digest('hex').slice(0, 16)}`;
  const origin = randomUUID();
  let closed = false;
  let listener: pg.Client | null = null;
  const publisher = new pg.Pool({ connectionString: url, max: 2 });
  publisher.on('error', () => {});

  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = new pg.Client({ connectionString: url });
    c.on('error', (e) => {
      onError(e);
      listener = null;
      if (!closed) setTimeout(() => void connect().catch(onError), 1000);
    });
    c.on('notification', (msg) => {
      if (!msg.payload) return;
      try {
        const m = JSON.parse(msg.payload) as { o: string; e: keyof BusEvents; p: BusEvents[keyof BusEvents] };
        if (m.o !== origin) bus.deliver(m.e, m.p as never);
      } catch {
        /* a foreign or truncated payload is ignored */
      }
    });
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    listener = c;
  };
  await connect();

  bus.relay = (event, payload) => {
    if (closed) return;
    publisher.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ o: origin, e: event, p: payload })]).catch(onError);
  };

  return {
    async close() {
      closed = true;
      bus.relay = null;
      await listener?.end().catch(() => {});
      await publisher.end().catch(() => {});
    },
  };
}
