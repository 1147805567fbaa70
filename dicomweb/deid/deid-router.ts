import type { NamedLimit } from '../../dicom/dataset-limits.js';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { SearchKeyRegistry } from '../../core/query/search-keys.js';
import type { DeidServices } from '../../deid/services.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { IndexStore } from '../../storage/index-store.js';
import type { DicomwebContext } from '../context.js';
import { dicomwebErrorHandler, sendDicomError } from '../http-errors.js';
import { mountQido } from '../qido/qido-routes.js';
import { InstanceAccess } from '../wado/instance-access.js';
import { DeidHeaders } from './deid-headers.js';
import { DeidIndexView } from './deid-index-view.js';
import { handleDeidRetrieve } from './deid-retrieve.js';
import { deidWadoRouter } from './deid-wado.js';

/**
 * /dicomweb/deid: the de-identified view of a tenant's studies (issue #5):
 * QIDO-RS on the same paths as /dicomweb, answering with de-identified values
 * and UIDs, and WADO-RS on the same paths too: instances, metadata, bulk
 * data, frames, rendered and thumbnails (deid-retrieve.ts, deid-wado.ts).
 * Served for tenants whose DEID_POLICY is on-read or at-ingest; 'off' turns it off.
 */
export interface DeidRouterDeps {
  index: IndexStore;
  blobs: BlobStore;
  searchKeys: SearchKeyRegistry;
  limits: { defaultLimit: number; maxLimit: number };
  deid: DeidServices;
  /** Context of the identified service; baseUrl is rebased to /dicomweb/deid here. */
  ctx: DicomwebContext;
  maxHeaderBytes: number;
  decodeFrameSamples?: NamedLimit;
  /** Binary values larger than this become BulkDataURI in metadata, as on /dicomweb. */
  bulkDataThreshold: number;
  log: { error: (o: object, m: string) => void };
}

export function deidRouter(deps: DeidRouterDeps): Router {
  const r = Router();
  const view = new DeidIndexView(deps.index, deps.deid.engine);
  const ctx: DicomwebContext = { ...deps.ctx, baseUrl: (req) => `${deps.ctx.baseUrl(req)}/deid` };
  r.use((req: Request, res: Response, next: NextFunction) => {
    if (deps.deid.policyOf(ctx.tenantOf(req)) === 'off') {
      return sendDicomError(res, 404, 'the de-identified view is turned off for this tenant (DEID_POLICY=off)');
    }
    next();
  });

  const qido = { index: view.asIndexStore(), searchKeys: deps.searchKeys, limits: deps.limits };
  mountQido(r, qido, ctx);

  const retrieve = handleDeidRetrieve({ view, blobs: deps.blobs, deid: deps.deid, ctx, maxHeaderBytes: deps.maxHeaderBytes });
  r.get('/studies/:study', retrieve);
  r.get('/studies/:study/series/:series', retrieve);
  r.get('/studies/:study/series/:series/instances/:instance', retrieve);

  const access = new InstanceAccess(deps.blobs, {
    maxHeaderBytes: deps.maxHeaderBytes, maxInflatedBytes: 512 * 1024 * 1024, decodeFrameSamples: deps.decodeFrameSamples,
  });
  const headers = new DeidHeaders(access, deps.deid, deps.bulkDataThreshold, deps.maxHeaderBytes);
  r.use(deidWadoRouter({ index: view.asIndexStore(), blobs: deps.blobs, ctx, access, bulkDataThreshold: deps.bulkDataThreshold }, headers));

  r.use((_req, res) => sendDicomError(res, 404, 'no such resource in the de-identified view'));
  r.use(dicomwebErrorHandler(deps.log));
  return r;
}
