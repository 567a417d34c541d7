/**
 * Connect-time SSRF layers for undici (reliability.md §2.3 items 2–3). The lookup guard refuses names that resolve
 * to non-public addresses before any SYN is sent; the connector then judges `socket.remoteAddress`, which is what
 * was really connected to. The connector is the final authority: undici never calls `lookup` for IP literals, and
 * a rebinding resolver can answer differently between our check and the connect.
 */
import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { Socket } from 'node:net';
import { buildConnector } from 'undici';
import { BlockedError } from '../../domain/errors.ts';
import type { NetworkPolicy } from '../types.ts';
import type { HostAwareNetworkPolicy } from './ssrf.ts';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/** The resolver beneath the guard; tests may substitute one to simulate hostile DNS. */
export type Resolver = (hostname: string, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, callback) => {
  dns.lookup(hostname, { all: true, verbatim: true }, callback);
};

function allowed(policy: NetworkPolicy, address: string, hostname: string, port?: number): boolean {
  // Passing the hostname lets an allowlisted *name* through, the port an allowlisted exact origin;
  // a plain NetworkPolicy simply ignores them.
  return (policy as HostAwareNetworkPolicy & { isAddressAllowed(a: string, h?: string, p?: number): boolean }).isAddressAllowed(address, hostname, port);
}

function blocked(hostname: string): BlockedError {
  // Never echo the address: §2.3 item 9 (it would turn the guard into an internal DNS oracle).
  return new BlockedError(`Blocked by network policy: ${hostname} resolves to a non-public address`, 'ssrf');
}

/**
 * A `net.connect` lookup that refuses the name when ANY of its addresses is non-public: filtering would let a
 * mixed answer through, and a name that resolves privately at all is not one we want to talk to.
 */
export function createGuardedLookup(policy: NetworkPolicy, resolver: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname, (err, addresses) => {
      if (err) return callback(err, []);
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
      const wanted = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
      if (wanted.length === 0) {
        const e: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        e.code = 'ENOTFOUND';
        return callback(e, []);
      }
      if (!wanted.every((a) => allowed(policy, a.address, hostname))) return callback(blocked(hostname), []);
      // Node 20's net.connect asks for `all: true` when autoSelectFamily (happy eyeballs) is on.
      if (options.all) return callback(null, wanted);
      const first = wanted[0]!;
      callback(null, first.address, first.family);
    });
  };
}

export interface GuardedConnectorOptions {
  connectTimeoutMs: number;
  resolver?: Resolver;
}

/** An undici `connect` function: buildConnector() with the lookup guard, plus a check of the connected peer. */
export function createGuardedConnector(policy: NetworkPolicy, opts: GuardedConnectorOptions): buildConnector.connector {
  const base = buildConnector({
    timeout: opts.connectTimeoutMs,
    lookup: createGuardedLookup(policy, opts.resolver),
  } as buildConnector.BuildOptions);

  return (options, callback) => {
    base(options, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('connect failed'), null);
      const address = (socket as Socket).remoteAddress;
      const hostname = options.hostname;
      const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
      if (!address || !allowed(policy, address, hostname, port)) {
        // The TCP (and TLS) handshake has happened, but no request bytes have been written yet.
        socket.destroy();
        return callback(blocked(hostname), null);
      }
      callback(null, socket);
    });
  };
}
