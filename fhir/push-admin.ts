/**
 * GET /admin/fhir-push: the upstream push queue at a glance (queued,
 * retrying and failed counts, last error). POST /admin/fhir-push/retry-failed
 * puts Bundles the upstream refused back in the queue (after fixing the
 * cause). Both see only the requesting tenant's Bundles. Plain JSON: an
 * operator view, not a FHIR resource.
 */
import { Router, type Request } from 'express';

export interface PushAdminDeps {
  tenantOf(req: Request): string;
  status(tenant: string): Promise<object>;
  retryFailed(tenant: string): Promise<number>;
}

export function pushAdminRouter(deps: PushAdminDeps): Router {
  const r = Router();
  r.get('/', async (req, res) => void res.json(await deps.status(deps.tenantOf(req))));
  r.post('/retry-failed', async (req, res) => void res.json({ requeued: await deps.retryFailed(deps.tenantOf(req)) }));
  return r;
}
