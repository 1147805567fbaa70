/**
 * POST /admin/fhir-resync[?study=<StudyInstanceUID>]: re-maps the requesting
 * tenant's stored studies (or one) to FHIR, e.g. after a mapping change or a
 * new FHIR_* setting; changed Bundles go to the upstream as usual. Answers
 * 202 with how many studies were scheduled; the syncs run in the background
 * (GET /admin/fhir-push shows what they queue). Scope `fhirpush.c`.
 * Offline, for every tenant: `npx tsx server/fhir-resync.ts`.
 */
import { Router, type Request } from 'express';
import { isValidUid } from '../dicom/uid.js';

export interface ResyncAdminDeps {
  tenantOf(req: Request): string;
  resync(req: { tenants: string[]; studyUid?: string }): Promise<{ studies: number }>;
}

export function resyncAdminRouter(deps: ResyncAdminDeps): Router {
  const r = Router();
  r.post('/', async (req, res) => {
    const study = req.query.study;
    if (study !== undefined && (typeof study !== 'string' || !isValidUid(study))) {
      res.status(400).json({ error: 'study must be one valid StudyInstanceUID' });
      return;
    }
    const { studies } = await deps.resync({ tenants: [deps.tenantOf(req)], studyUid: study });
    res.status(202).json({ studies });
  });
  return r;
}
