import type { Request, RequestHandler } from 'express';
import { AuthError } from './auth-errors.js';
import type { Authenticator } from './authenticator.js';
import { sendAuthError } from './error-response.js';
import { setPrincipal, type Principal } from './principal.js';
import { routeMatcher, type RouteMatch } from './route-match.js';
import type { RouteRule } from './route-table.js';
import { allows, scopeFor, type Requirement } from './scopes.js';

export interface AccessControlOptions {
  mode: 'none' | 'required';
  realm: string;
  /** The one tenant of AUTH_MODE=none. */
  defaultTenant: string;
  authenticator: Authenticator;
  routes: readonly RouteRule[];
}

const matches = new WeakMap<Request, RouteMatch>();

/** The route-table entry a request matched (for the audit record). */
export function routeMatchOf(req: Request): RouteMatch | undefined {
  return matches.get(req);
}

/**
 * Runs before every router: finds the request's route-table entry,
 * authenticates, checks the entry's permission, and records the Principal
 * whose tenant every handler then uses (principal.ts tenantOf).
 *
 * AUTH_MODE=none: everyone is the default tenant with every permission.
 * AUTH_MODE=required: public entries pass; everything else needs a valid
 * credential, and a request matching no entry is refused (404), so a route
 * added without a table entry is unreachable rather than unprotected.
 */
export function accessControl(o: AccessControlOptions): RequestHandler {
  const match = routeMatcher(o.routes);
  return async (req, res, next) => {
    const m = match(req.method, req.path);
    if (m) matches.set(req, m);
    if (o.mode === 'none') {
      setPrincipal(req, { kind: 'anonymous', id: 'anonymous', tenant: o.defaultTenant, grants: 'all' });
      return next();
    }
    if (m?.rule.access === 'public') {
      setPrincipal(req, { kind: 'anonymous', id: 'anonymous', grants: [] });
      return next();
    }
    try {
      const principal = await o.authenticator.authenticate(req.headers);
      // Set before the checks below, so a refused attempt is audited under its tenant.
      setPrincipal(req, principal);
      if (!m) throw new AuthError('no-route', 'no such resource');
      checkPermission(principal, requirementsOf(m));
      next();
    } catch (err) {
      if (err instanceof AuthError) return sendAuthError(req, res, err, o.realm);
      next(err);
    }
  };
}

function checkPermission(p: Principal, needs: Requirement[]): void {
  if (p.grants === 'all' || allows(p.grants, needs)) return;
  const scope = needs.length ? scopeFor(needs[0]!) : undefined;
  const scheme = p.kind === 'api-key' ? 'ApiKey' : 'Bearer';
  throw new AuthError('insufficient-scope', scope ? `this request needs the scope ${scope}` : 'this request is not allowed', scheme, scope);
}

/** Requirements with `:param` resources filled from the path (FHIR resource types). */
function requirementsOf(m: RouteMatch): Requirement[] {
  if (m.rule.access === 'public') return [];
  return m.rule.access.anyOf.flatMap((r) => {
    if (!r.resource.startsWith(':')) return [r];
    const value = m.params[r.resource.slice(1)];
    return value && /^[A-Za-z][A-Za-z0-9]*$/.test(value) ? [{ resource: value, action: r.action }] : [];
  });
}
