import type { Request } from 'express';
import { AppError } from '../../storage/errors.js';
import type { Grant } from './scopes.js';

/** Who a request acts as, resolved once by access-control.ts from its credential. */
export interface Principal {
  kind: 'jwt' | 'api-key' | 'anonymous';
  /** Token subject, API key id, or 'anonymous'. */
  id: string;
  /** Undefined only on public routes reached without a credential. */
  tenant?: string;
  /** 'all' only with AUTH_MODE=none. */
  grants: readonly Grant[] | 'all';
}

/**
 * Tenant names end up in blob keys and database keys, so they are held to a
 * safe alphabet: a claim like "../other" must never become a path.
 */
export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const principals = new WeakMap<Request, Principal>();

export function setPrincipal(req: Request, principal: Principal): void {
  principals.set(req, principal);
}

export function principalOf(req: Request): Principal | undefined {
  return principals.get(req);
}

/**
 * The tenant a request acts for: the tenant of its credential, and nothing
 * else (no header, no query parameter). A request that reached a handler
 * without one is a wiring bug, refused rather than given a default.
 */
export function tenantOf(req: Request): string {
  const tenant = principals.get(req)?.tenant;
  if (!tenant) throw new AppError('internal', 'request has no authenticated tenant');
  return tenant;
}
