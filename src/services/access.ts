/**
 * Who is calling and what they may see. Every service method takes a Principal and filters by its spaces
 * in the query itself (OWASP API1): an object in a space the caller cannot see is "not found", not
 * "forbidden", so ids cannot be probed.
 */
import { ApiError } from '../domain/errors.ts';

export type Role = 'Administrator' | 'User';

export interface Principal {
  userId: number;
  organizationId: number;
  role: Role;
  email: string;
  name: string;
  /** Spaces the caller is a member of; administrators see every space of their organization. */
  spaceIds: number[];
  via: 'api-key' | 'session';
  keyRowId?: number;
}

export function isAdmin(p: Principal): boolean {
  return p.role === 'Administrator';
}

/** null means "all spaces of the organization". */
export function scopeOf(p: Principal): number[] | null {
  return isAdmin(p) ? null : p.spaceIds;
}

export function canSeeSpace(p: Principal, spaceId: number): boolean {
  return isAdmin(p) || p.spaceIds.includes(spaceId);
}

export function requireAdmin(p: Principal): void {
  if (!isAdmin(p)) throw ApiError.forbidden('Administrator role required');
}
