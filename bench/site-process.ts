/**
 * The target site in its own process, so serving pages does not take event-loop time from the crawler
 * being measured. Started with fork(); reports its URL over IPC and exits when the parent goes away.
 */
import { startDemoStore } from '../src/demo-site/demo-store.ts';

const [products = '2000', perPage = '20', latencyMs = '0'] = process.argv.slice(2);
const store = await startDemoStore({ host: '127.0.0.1', port: Number(process.env.BENCH_SITE_PORT ?? 0), products: Number(products), perPage: Number(perPage), latencyMs: Number(latencyMs) });
// Standalone (no IPC, e.g. while profiling) it just prints its URL and serves until killed.
if (process.send) process.send({ url: store.url });
else console.log(store.url);
process.on('disconnect', () => void store.close().finally(() => process.exit(0)));
