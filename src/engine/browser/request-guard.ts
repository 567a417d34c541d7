/**
 * The browser side of the SSRF policy (reliability.md §2.3 item 5). Chromium resolves names itself, so
 * we cannot judge the address it actually connects to (as the undici connector does); instead every
 * request the page makes is held at the context-level route until we have (1) run policy.checkUrl on the
 * URL and (2) resolved the host ourselves and checked every address. Playwright never routes redirect
 * hops (it continues them itself) and Chromium resolves names on its own, so this is the early, well-
 * attributed layer; the egress proxy (egress-proxy.ts) is the final authority for every connection.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { BrowserContext, Route, WebSocketRoute } from 'playwright-core';
import { BlockedError, GleanerError } from '../../domain/errors.ts';
import type { HostAwareNetworkPolicy } from '../http/ssrf.ts';
import type { NetworkPolicy } from '../types.ts';

export type LookupAll = (host: string) => Promise<string[]>;

export interface RequestGuard {
  /** Resolves when `url` may be fetched; throws BlockedError otherwise. Never echoes resolved IPs. */
  check(url: string): Promise<void>;
  /** Like check, and returns the allowed address to connect to (so a later lookup cannot rebind it). */
  resolve(url: string): Promise<string>;
}

const defaultLookup: LookupAll = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Short per-guard cache: a page asks for the same host dozens of times; Chromium itself caches ~1 min. */
const CACHE_MS = 30_000;

export function createRequestGuard(policy: NetworkPolicy, opts: { lookup?: LookupAll } = {}): RequestGuard {
  const lookup = opts.lookup ?? defaultLookup;
  // Passing the hostname lets an operator-allowlisted *name* (intranet host) pass the address check too;
  // policies that ignore the extra argument are merely stricter.
  const addressOk = (address: string, host: string) => (policy as HostAwareNetworkPolicy).isAddressAllowed(address, host);
  const cache = new Map<string, { at: number; verdict: Promise<string | null> }>();

  /** The address to use, or null when the host may not be reached. */
  async function allowedAddress(host: string): Promise<string | null> {
    // Literal IPs are never looked up (mirrors the HTTP path: the lookup guard is not the only check).
    if (isIP(host)) return addressOk(host, host) ? host : null;
    let addresses: string[];
    try {
      addresses = await lookup(host);
    } catch {
      // Unresolvable: refuse rather than let Chromium try a different resolver path.
      return null;
    }
    // Chromium may connect to any of the answers, so all of them must be allowed.
    return addresses.length > 0 && addresses.every((a) => addressOk(a, host)) ? addresses[0]! : null;
  }

  async function resolve(url: string): Promise<string> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (e) {
      throw new BlockedError('invalid URL', 'scheme', { cause: e });
    }
    // WebSockets are judged like their http(s) twins; checkUrl only knows http(s).
    const httpUrl =
      parsed.protocol === 'ws:' || parsed.protocol === 'wss:' ? url.replace(/^ws/i, 'http') : url;
    policy.checkUrl(httpUrl);
    const host = new URL(httpUrl).hostname.replace(/^\[(.*)\]$/, '$1');
    const now = Date.now();
    let entry = cache.get(host);
    if (!entry || now - entry.at > CACHE_MS) {
      // Bounded: a long-lived server sees many hosts; dropping the whole cache is simplest.
      if (cache.size > 1000) cache.clear();
      entry = { at: now, verdict: allowedAddress(host) };
      cache.set(host, entry);
    }
    const address = await entry.verdict;
    if (address === null) throw new BlockedError(`blocked: ${parsed.host} is not an allowed address`, 'ssrf');
    return address;
  }

  return {
    resolve,
    async check(url: string): Promise<void> {
      await resolve(url);
    },
  };
}

const MEDIA_TYPES = new Set(['image', 'font', 'media']);

export interface GuardOptions {
  loadMedia: boolean;
  /** Called for each refused request (reason without IPs), e.g. for the run log. */
  onBlocked?: (url: string, reason: string) => void;
}

/**
 * Routes every request and websocket of the context through the guard. Context level (not page level)
 * so popups, iframes and workers are covered too (reliability.md §7; microsoft/playwright#7588).
 */
export async function installGuards(ctx: BrowserContext, guard: RequestGuard, opts: GuardOptions): Promise<void> {
  await ctx.route('**/*', async (route: Route) => {
    const req = route.request();
    const url = req.url();
    if (!opts.loadMedia && MEDIA_TYPES.has(req.resourceType())) {
      await route.abort('blockedbyclient').catch(ignoreClosed);
      return;
    }
    try {
      await guard.check(url);
    } catch (e) {
      opts.onBlocked?.(url, e instanceof GleanerError ? e.message : 'blocked');
      await route.abort('blockedbyclient').catch(ignoreClosed);
      return;
    }
    // fallback (not continue) so a more specific route added later by a caller still sees the request.
    await route.fallback().catch(ignoreClosed);
  });
  await ctx.routeWebSocket(/.*/, async (ws: WebSocketRoute) => {
    try {
      await guard.check(ws.url());
    } catch (e) {
      opts.onBlocked?.(ws.url(), e instanceof GleanerError ? e.message : 'blocked');
      // Not connecting to the server means no traffic leaves; close the page side with "policy violation".
      await ws.close({ code: 1008, reason: 'blocked' }).catch(ignoreClosed);
      return;
    }
    ws.connectToServer();
  });
}

/** The context or page may close while a route is pending (abort, timeout): nothing left to do then. */
function ignoreClosed(): void {}

/** Only these may be navigated to; `about:blank` is Chromium's own initial document. */
export function isNavigableUrl(url: string): boolean {
  return /^https?:/i.test(url) || url === 'about:blank';
}
