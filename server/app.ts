import { createRequire } from 'node:module';
import express, { type Express, type Request } from 'express';
import type { StoreResult } from '../core/store/store-instance.js';
import { sharedParsePool } from '../dicom/header-parse-pool.js';
import { dicomwebRouter } from '../dicomweb/router.js';
import { deidRouter } from '../dicomweb/deid/deid-router.js';
import { imagingApiRouter } from '../api/router.js';
import { capabilityStatement } from '../fhir/capability.js';
import { pushAdminRouter } from '../fhir/push-admin.js';
import { resyncAdminRouter } from '../fhir/resync-admin.js';
import { fhirRouter } from '../fhir/router.js';
import { AppError } from '../storage/errors.js';
import type { InstanceRecord } from '../storage/model.js';
import type { Container } from './container.js';
import { noteStudies } from './audit/audit-context.js';
import { auditEventRouter } from './audit/audit-event-router.js';
import { principalOf, tenantOf } from './auth/principal.js';
import { rateLimit } from './limits/rate-limit.js';
import { securityMiddleware } from './auth/security.js';
import { viewerRouter } from './viewer.js';

const SOFTWARE = { name: 'dicomweb-fhir-server', version: (createRequire(import.meta.url)('../package.json') as { version: string }).version };
const STARTED_AT = new Date().toISOString();

/** Builds the HTTP application from a container. No I/O at construction. */
export function createApp(c: Container, hooks: { onStored?: (tenant: string, results: StoreResult[]) => void } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Before every route: CORS, audit trail, access control (server/auth/route-table.ts).
  app.use(securityMiddleware(c));
  // After authentication, so each tenant has its own bucket.
  app.use(rateLimit(c.config.limits.rate, (req) => principalOf(req)?.tenant));

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    try {
      await Promise.all([c.index.ping(), c.blobs.ping()]);
      res.json({ status: 'ready' });
    } catch {
      res.status(503).setHeader('Retry-After', '5').json({ status: 'unavailable' });
    }
  });

  const ctx = {
    tenantOf,
    baseUrl: (req: Request) => `${c.config.publicBaseUrl ?? `${req.protocol}://${req.get('host')}`}/dicomweb`,
    onStored: async (tenant: string, results: StoreResult[]) => {
      noteStudies(results.flatMap((r) => (r.ok ? [r.studyUid] : [])));
      hooks.onStored?.(tenant, results);
      await c.fhir.sync.onStored(tenant, results); // the FHIR dirty marks are durable before the response
    },
    onDeleted: (tenant: string, studyUid: string, _removed: InstanceRecord[]) => c.fhir.sync.onDeleted(tenant, [studyUid]),
  };
  const origin = (req: Request) => c.config.publicBaseUrl ?? `${req.protocol}://${req.get('host')}`;
  // Mounted before any /fhir router, so AuditEvent never competes with its /:type routes.
  app.use('/fhir/AuditEvent', auditEventRouter({ store: c.audit.store, fhirBase: (req) => `${origin(req)}/fhir`, log: c.log }));
  // The ingest pipeline, shared by STOW-RS and the upload API; de-identification hooks in there (DEID_POLICY).
  const store = {
    index: c.fhir.writeIndex, blobs: c.blobs, searchKeys: c.searchKeys, duplicatePolicy: c.config.duplicatePolicy, maxHeaderBytes: c.config.maxHeaderBytes,
    datasetLimits: c.config.limits.dataset, hooks: c.deid.ingestHooks,
    parsePool: c.config.headerParseWorkers > 0 && sharedParsePool(c.config.headerParseWorkers),
  };
  // Before /dicomweb, whose catch-all would answer for /dicomweb/deid.
  app.use('/dicomweb/deid', deidRouter({
    index: c.index, blobs: c.blobs, searchKeys: c.searchKeys, limits: c.config.qido, deid: c.deid, ctx, maxHeaderBytes: c.config.maxHeaderBytes,
    decodeFrameSamples: c.config.limits.decodeFrameSamples,
    bulkDataThreshold: c.config.bulkDataThreshold, log: c.log,
  }));
  app.use('/api/imaging', imagingApiRouter({
    store, index: c.index, upload: c.config.upload, tenantOf, dicomwebBaseUrl: ctx.baseUrl, onStored: ctx.onStored,
    fhirMapping: c.config.fhir.mapping, log: c.log,
  }));
  app.use('/dicomweb', dicomwebRouter({
    store,
    stow: c.config.limits.stow,
    qido: { index: c.index, searchKeys: c.searchKeys, limits: c.config.qido },
    wado: {
      index: c.index, blobs: c.blobs, bulkDataThreshold: c.config.bulkDataThreshold, maxHeaderBytes: c.config.maxHeaderBytes,
      decodeFrameSamples: c.config.limits.decodeFrameSamples,
    },
    ctx,
    log: c.log,
  }));
  app.use('/fhir', fhirRouter({
    repo: c.fhir.repo,
    tenantOf,
    baseUrl: (req) => `${origin(req)}/fhir`,
    capability: (baseUrl) => capabilityStatement({
      registry: c.fhir.repo.registry, baseUrl, canonicalBase: c.config.fhir.mapping.canonicalBase, software: SOFTWARE, date: STARTED_AT,
    }),
    search: c.config.fhir.search,
    caughtUp: async (tenant) => {
      if (!(await c.fhir.sync.caughtUp(tenant, c.config.fhir.sync.readWaitMs))) {
        throw new AppError('unavailable', 'FHIR resources of studies changed moments ago are still being written; retry shortly');
      }
    },
    log: c.log,
  }));
  app.use('/admin/fhir-push', pushAdminRouter({
    tenantOf,
    status: (tenant) => c.fhir.pushStatus(tenant),
    retryFailed: (tenant) => c.fhir.store.requeueFailed(new Date().toISOString(), tenant),
  }));
  app.use('/admin/fhir-resync', resyncAdminRouter({ tenantOf, resync: (r) => c.fhir.resync(r) }));
  app.use('/viewer', viewerRouter(c.config.viewerDir));
  app.use((_req, res) => void res.status(404).json({ error: 'not found' }));
  return app;
}
