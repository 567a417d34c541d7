/**
 * robots.txt per origin, fetched through the guarded client (so it obeys the SSRF policy like any page) and
 * interpreted per RFC 9309: 2xx → rules; 4xx or an unresolvable redirect chain → "unavailable", allow all;
 * 5xx/429/network error → "unreachable", disallow all, cached only briefly so the next try comes soon.
 */
import robotsParserModule from 'robots-parser';
import { BlockedError, NonRetryableError } from '../../domain/errors.ts';
import type { HttpClient } from '../types.ts';
import { ResponseTooLargeError } from './body.ts';

// The package ships CommonJS (`module.exports = fn`) with a d.ts claiming an ES default export, so under NodeNext
// TypeScript types the import as `{ default: fn }` while Node hands us the function itself.
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default;

/** RFC 9309 §2.5: crawlers must parse at least 500 KiB; anything past that is ignored. */
export const ROBOTS_MAX_BYTES = 500 * 1024;

export interface RobotsCacheOptions {
  /** How long a fetched robots.txt (or a 4xx) is trusted; RFC 9309 §2.4 says at most 24 h. @defaultValue 24 h */
  ttlMs?: number;
  /** How long an unreachable robots.txt disallows before it is fetched again. @defaultValue 60000 */
  errorTtlMs?: number;
  /** Product token matched against `User-agent:` groups. @defaultValue `Gleaner` */
  userAgent?: string;
  /** Origins kept; the oldest is dropped first. @defaultValue 1000 */
  maxEntries?: number;
  /** @defaultValue 10000 */
  timeoutMs?: number;
}

export interface RobotsCache {
  isAllowed(url: string): Promise<boolean>;
  /** The matching group's Crawl-delay in ms, or undefined when there is none. */
  crawlDelayMs(url: string): Promise<number | undefined>;
}

type Robot = ReturnType<typeof robotsParser>;
type Verdict = { kind: 'rules'; robot: Robot } | { kind: 'allow-all' } | { kind: 'disallow-all' };
interface Entry {
  verdict: Promise<Verdict>;
  expiresAt: number;
}

export function createRobotsCache(client: HttpClient, opts: RobotsCacheOptions = {}): RobotsCache {
  const ttlMs = opts.ttlMs ?? 24 * 60 * 60 * 1000;
  const errorTtlMs = opts.errorTtlMs ?? 60_000;
  const userAgent = opts.userAgent ?? 'Gleaner';
  const maxEntries = opts.maxEntries ?? 1000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const entries = new Map<string, Entry>();

  async function load(origin: string, entry: Entry): Promise<Verdict> {
    const robotsUrl = `${origin}/robots.txt`;
    // Always parse against OUR origin's robots URL: after a redirect to another host, robots-parser would
    // otherwise answer undefined for every URL of the origin we asked about.
    const rules = (text: string): Verdict => ({ kind: 'rules', robot: robotsParser(robotsUrl, text) });
    const settle = (v: Verdict, ms: number): Verdict => {
      entry.expiresAt = Date.now() + ms;
      return v;
    };
    try {
      const res = await client.fetch({ url: robotsUrl, maxBytes: ROBOTS_MAX_BYTES, timeoutMs });
      if (res.status >= 200 && res.status < 300) return settle(rules(res.text), ttlMs);
      // 4xx (and a 3xx without Location): "unavailable" → no restrictions.
      return settle({ kind: 'allow-all' }, ttlMs);
    } catch (err) {
      if (err instanceof ResponseTooLargeError) return settle(rules(err.partial.toString('utf8')), ttlMs);
      // The origin itself is forbidden: say so rather than pretend it has rules, and cache nothing.
      if (err instanceof BlockedError) {
        if (entries.get(origin) === entry) entries.delete(origin);
        throw err;
      }
      // Too many redirects, a loop, an unsupported encoding: RFC 9309 §2.3.1.2 treats these as unavailable.
      if (err instanceof NonRetryableError) return settle({ kind: 'allow-all' }, ttlMs);
      // 5xx, 429, timeouts, refused connections: "unreachable" → complete disallow, for a short while.
      return settle({ kind: 'disallow-all' }, errorTtlMs);
    }
  }

  function verdictFor(url: string): Promise<Verdict> {
    const origin = new URL(url).origin;
    const now = Date.now();
    const cached = entries.get(origin);
    if (cached && cached.expiresAt > now) return cached.verdict;
    if (cached) entries.delete(origin);
    // Concurrent callers share one in-flight fetch; the entry only gets a real expiry once it settles.
    const entry: Entry = { verdict: Promise.resolve({ kind: 'disallow-all' }), expiresAt: Number.POSITIVE_INFINITY };
    entry.verdict = load(origin, entry);
    entries.set(origin, entry);
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
    return entry.verdict;
  }

  return {
    async isAllowed(url: string): Promise<boolean> {
      const u = new URL(url);
      const verdict = await verdictFor(u.href);
      if (verdict.kind !== 'rules') return verdict.kind === 'allow-all';
      // RFC 9309 §2.2.2: /robots.txt itself is always allowed.
      if (u.pathname === '/robots.txt') return true;
      const allowed = verdict.robot.isAllowed(u.href, userAgent);
      // robots-parser answers undefined for a URL of another origin: that would be our bug, never "allowed".
      if (allowed === undefined) throw new NonRetryableError(`robots.txt of ${u.origin} does not cover ${u.href}`);
      return allowed;
    },

    async crawlDelayMs(url: string): Promise<number | undefined> {
      const verdict = await verdictFor(url);
      if (verdict.kind !== 'rules') return undefined;
      const seconds = verdict.robot.getCrawlDelay(userAgent);
      return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined;
    },
  };
}
