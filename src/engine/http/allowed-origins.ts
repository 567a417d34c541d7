/**
 * Lets exact origins through the SSRF policy (the demo store on a loopback port) without opening the
 * whole host: `127.0.0.1:8081` is reachable, other loopback ports are not.
 */
import type { HostAwareNetworkPolicy } from './ssrf.ts';

export interface OriginAwarePolicy extends HostAwareNetworkPolicy {
  isAddressAllowed(address: string, hostname?: string, port?: number): boolean;
}

export function withAllowedOrigins(policy: HostAwareNetworkPolicy, origins: string[]): OriginAwarePolicy {
  const allowed = new Set<string>();
  for (const o of origins) {
    const u = new URL(o);
    allowed.add(`${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`);
  }
  const key = (host: string, port: string | number) => `${host.replace(/^\[|\]$/g, '')}:${port}`;
  return {
    checkUrl(url: string) {
      try {
        const u = new URL(url);
        if ((u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && allowed.has(key(u.hostname, u.port || (u.protocol === 'https:' ? '443' : '80')))) return;
      } catch {
        /* the wrapped policy reports it */
      }
      policy.checkUrl(url);
    },
    isAddressAllowed(address: string, hostname?: string, port?: number) {
      if (port !== undefined && allowed.has(key(address.replace(/^::ffff:/, ''), port))) return true;
      return policy.isAddressAllowed(address, hostname);
    },
  };
}
