import type { RequestHandler } from 'express';
import { auditTrail } from '../audit/audit-trail.js';
import type { Container } from '../container.js';
import { accessControl } from './access-control.js';
import { cors } from './cors.js';
import { ROUTES } from './route-table.js';

/**
 * What runs before any router, in this order: CORS (answers preflights,
 * which carry no credentials), the audit trail (registers the record written
 * when the response closes), access control (route table, credential,
 * permission, tenant).
 */
export function securityMiddleware(c: Pick<Container, 'config' | 'authenticator' | 'audit'>): RequestHandler[] {
  const { auth, cors: corsSettings, defaultTenant } = c.config;
  return [
    ...(corsSettings.origins.length ? [cors(corsSettings)] : []),
    auditTrail(c.audit),
    accessControl({ mode: auth.mode, realm: auth.realm, defaultTenant, authenticator: c.authenticator, routes: ROUTES }),
  ];
}

/** The startup warning for AUTH_MODE=none, loud because it is easy to forget. */
export function noAuthWarning(c: Pick<Container, 'config'>): string | undefined {
  const { auth, host, defaultTenant } = c.config;
  if (auth.mode !== 'none') return undefined;
  return `AUTHENTICATION IS OFF (AUTH_MODE=none): anyone who can reach ${host} can read, store and delete every study as tenant "${defaultTenant}"`
    + (auth.insecureNoAuth ? ' — and ALLOW_INSECURE_NO_AUTH=true lets that be a non-loopback address' : '');
}
