import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { AuditStore } from '../../storage/audit-store.js';
import { AppError } from '../../storage/errors.js';
import { sendOperationOutcome } from '../auth/error-response.js';
import { tenantOf } from '../auth/principal.js';
import { toAuditEvent } from './audit-event.js';
import { AuditSearchError, parseAuditSearch } from './audit-search.js';

export interface AuditEventRouterDeps {
  store: AuditStore;
  /** The FHIR base (…/fhir) as clients see it, for fullUrl and paging links. */
  fhirBase(req: Request): string;
  log: { error: (o: object, m: string) => void };
}

/**
 * GET /fhir/AuditEvent (search) and GET /fhir/AuditEvent/{id} (read), always
 * within the caller's tenant. Mounted before the FHIR router so the two never
 * compete for the path; the route table asks for AuditEvent scopes, which
 * `*` scopes do not grant (scopes.ts).
 */
export function auditEventRouter(deps: AuditEventRouterDeps): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    const search = parseAuditSearch(req.query as Record<string, unknown>);
    const page = await deps.store.query({ tenant: tenantOf(req), ...search });
    const base = deps.fhirBase(req);
    const link = (offset: number) => `${base}/AuditEvent?${pageQuery(req, offset)}`;
    sendFhir(res, 200, {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [
        { relation: 'self', url: link(search.offset) },
        ...(page.more ? [{ relation: 'next', url: link(search.offset + search.limit) }] : []),
      ],
      entry: page.records.map((rec) => ({ fullUrl: `${base}/AuditEvent/${rec.id}`, resource: toAuditEvent(rec), search: { mode: 'match' } })),
    });
  });
  r.get('/:id', async (req, res) => {
    const record = await deps.store.get(tenantOf(req), String(req.params.id));
    if (!record) return sendOperationOutcome(res, 404, 'no such AuditEvent');
    sendFhir(res, 200, toAuditEvent(record));
  });
  r.use(auditErrorHandler(deps.log));
  return r;
}

/** The request's own search parameters with _offset replaced (values as sent: they hold no PHI here). */
function pageQuery(req: Request, offset: number): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) {
    if (k === '_offset') continue;
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, String(one));
  }
  q.set('_offset', String(offset));
  return q.toString();
}

function sendFhir(res: Response, status: number, body: unknown): void {
  res.status(status).setHeader('Content-Type', 'application/fhir+json');
  res.end(JSON.stringify(body));
}

function auditErrorHandler(log: AuditEventRouterDeps['log']): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof AuditSearchError) return sendOperationOutcome(res, 400, err.message);
    if (err instanceof AppError && err.kind === 'unavailable') {
      res.setHeader('Retry-After', '5');
      return sendOperationOutcome(res, 503, 'audit store unavailable');
    }
    log.error({ err: { message: err?.message, stack: err?.stack } }, 'unhandled AuditEvent error');
    sendOperationOutcome(res, 500, 'internal server error');
  };
}
