/**
 * The SSRF policy shared by every fetch path (reliability.md §2). It only ever classifies what the WHATWG URL parser
 * produced (`new URL(x).hostname`) or what a socket actually connected to: raw strings are never trusted, because
 * `127.1`, `0x7f000001`, `①②⑦.0.0.1` and friends all become `127.0.0.1` only after parsing (§2.2).
 */
import ipaddr from 'ipaddr.js';
import { BlockedError } from '../../domain/errors.ts';
import type { NetworkPolicy } from '../types.ts';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/**
 * A NetworkPolicy that can also take the hostname a socket was opened for, so an allowlisted *name* (e.g. an
 * intranet host) is honoured at connect time too. Callers holding a plain NetworkPolicy may pass the extra
 * argument; implementations that ignore it stay correct (just stricter).
 */
export interface HostAwareNetworkPolicy extends NetworkPolicy {
  isAddressAllowed(address: string, hostname?: string): boolean;
}

export interface NetworkPolicyOptions {
  /** Operator allowlist: hostnames (`intranet.example`, `*.corp.example`), IPs (`127.0.0.1`) or CIDRs (`10.0.0.0/8`). */
  allowHosts: string[];
}

/** Names that reach the machine itself or a cloud metadata service without needing a private-looking IP. */
const BLOCKED_NAMES = new Set([
  'localhost',
  'localhost.localdomain',
  'ip6-localhost',
  'ip6-loopback',
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);

/**
 * ipaddr.js calls these 'unicast' although they must never be reached: Azure WireServer and (belt and braces, it is
 * already CGNAT) Alibaba's metadata address. IPv4-compatible `::a.b.c.d` is handled separately.
 */
const DENIED_V4: Cidr[] = [ipaddr.parseCIDR('168.63.129.16/32'), ipaddr.parseCIDR('100.100.100.200/32')];
const V4_COMPATIBLE = ipaddr.parseCIDR('::/96');
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');

/** Splits the GLEANER_ALLOW_HOSTS comma list into trimmed, non-empty entries. */
export function parseAllowHosts(env: string | undefined): string[] {
  if (!env) return [];
  return env.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** `[::1]` → `::1`, `LOCALHOST.` → `localhost`; drops an IPv6 zone id. */
function normaliseHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const zone = h.indexOf('%');
  if (zone >= 0 && h.includes(':')) h = h.slice(0, zone);
  // Trailing dots denote the DNS root: `localhost.` and `localhost..` reach the same host as `localhost`.
  while (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

function parseAddress(host: string): Address | undefined {
  // After the URL parser only canonical dotted quads and IPv6 remain; anything else that ipaddr.js would read as
  // IPv4 (e.g. `127.1`) must not be mistaken for a domain name either, so the lenient isValid is right here.
  if (!ipaddr.isValid(host)) return undefined;
  try {
    return ipaddr.process(host);
  } catch {
    return undefined;
  }
}

function embeddedV4(addr: ipaddr.IPv6, firstPart: number): ipaddr.IPv4 {
  const p = addr.parts;
  const hi = p[firstPart] ?? 0;
  const lo = p[firstPart + 1] ?? 0;
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/** True only for globally routable addresses; see reliability.md §2.1–2.2 for why each case is here. */
export function isPublicAddress(addr: Address): boolean {
  if (addr.kind() === 'ipv4') {
    const v4 = addr as ipaddr.IPv4;
    return v4.range() === 'unicast' && !DENIED_V4.some((c) => v4.match(c));
  }
  const v6 = addr as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return isPublicAddress(v6.toIPv4Address());
  // IPv4-compatible (::7f00:1, ::a9fe:a9fe) is 'unicast' to ipaddr.js but some stacks still route it to IPv4.
  if (v6.match(V4_COMPATIBLE)) return false;
  switch (v6.range()) {
    case 'unicast':
      return true;
    // Transition forms are only as public as the IPv4 they carry (Gitea CVE-2026-22874, crawl4ai PR #1859). NAT64
    // with a global IPv4 is how IPv6-only hosts reach IPv4 sites, so it must keep working.
    case 'rfc6052':
      return v6.match(NAT64_WELL_KNOWN) && isPublicAddress(embeddedV4(v6, 6));
    case '6to4':
      return isPublicAddress(embeddedV4(v6, 1));
    default:
      // teredo, ULA (fd00:ec2::254), link-local, site-local, rfc6145, documentation, multicast, ...
      return false;
  }
}

function isBlockedName(host: string): boolean {
  return BLOCKED_NAMES.has(host) || host.endsWith('.localhost');
}

/** Puts a hostname in the same ASCII/punycode form the URL parser gives, so `bücher.example` matches `xn--...`. */
function asciiHostname(name: string): string {
  try {
    return normaliseHost(new URL(`http://${name}/`).hostname);
  } catch {
    throw new Error(`Invalid allowHosts entry: ${JSON.stringify(name)}`);
  }
}

class AllowList {
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly cidrs: Cidr[] = [];

  constructor(entries: string[]) {
    for (const raw of entries) {
      const entry = normaliseHost(raw);
      if (!entry) continue;
      if (entry.includes('/')) {
        try {
          const [addr, bits] = ipaddr.parseCIDR(entry);
          this.cidrs.push([addr, bits]);
        } catch (e) {
          throw new Error(`Invalid allowHosts CIDR: ${JSON.stringify(raw)}`, { cause: e });
        }
      } else if (ipaddr.isValid(entry)) {
        const addr = ipaddr.process(entry);
        this.cidrs.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
      } else if (entry.startsWith('*.')) {
        this.suffixes.push(`.${asciiHostname(entry.slice(2))}`);
      } else {
        this.names.add(asciiHostname(entry));
      }
    }
  }

  hasName(host: string): boolean {
    return this.names.has(host) || this.suffixes.some((s) => host.endsWith(s));
  }

  hasAddress(addr: Address): boolean {
    // ipaddr.process already unwrapped v4-mapped, so `::ffff:127.0.0.1` matches a `127.0.0.1` entry.
    return this.cidrs.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
  }
}

/**
 * Builds the policy. Throws (at boot) on malformed allowHosts entries. BlockedError messages name the URL's host
 * as parsed, never an address obtained from DNS or a socket (§2.3 item 9).
 */
export function createNetworkPolicy(opts: NetworkPolicyOptions): HostAwareNetworkPolicy {
  const allow = new AllowList(opts.allowHosts);

  return {
    checkUrl(url: string): void {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch (e) {
        throw new BlockedError('Blocked by network policy: not a valid absolute URL', 'scheme', { cause: e });
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new BlockedError(`Blocked by network policy: scheme ${parsed.protocol} is not allowed`, 'scheme');
      }
      // Credentials in URLs are the classic parser-confusion vector (`http://a@127.0.0.1:80@evil/`) and we never need them.
      if (parsed.username || parsed.password) {
        throw new BlockedError('Blocked by network policy: URLs with credentials are not allowed', 'ssrf');
      }
      const host = normaliseHost(parsed.hostname);
      if (!host) throw new BlockedError('Blocked by network policy: empty host', 'ssrf');
      if (allow.hasName(host)) return;
      const addr = parseAddress(host);
      if (addr) {
        if (allow.hasAddress(addr) || isPublicAddress(addr)) return;
        throw new BlockedError(`Blocked by network policy: ${parsed.hostname} is not a public address`, 'ssrf');
      }
      if (isBlockedName(host)) {
        throw new BlockedError(`Blocked by network policy: ${parsed.hostname} is a local or metadata name`, 'ssrf');
      }
    },

    isAddressAllowed(address: string, hostname?: string): boolean {
      if (hostname !== undefined && allow.hasName(normaliseHost(hostname))) return true;
      const addr = parseAddress(normaliseHost(address));
      if (!addr) return false;
      return allow.hasAddress(addr) || isPublicAddress(addr);
    },
  };
}
