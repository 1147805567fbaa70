import { Router } from 'express';
import type { StoreDeps } from '../core/store/store-instance.js';
import type { DicomwebContext } from './context.js';
import { dicomwebErrorHandler, sendDicomError } from './http-errors.js';
import type { QidoDeps } from './qido/qido-handler.js';
import { mountQido } from './qido/qido-routes.js';
import { handleStore, type StowLimits } from './stow/stow-handler.js';
import { InstanceAccess } from './wado/instance-access.js';
import type { NamedLimit } from '../dicom/dataset-limits.js';
import { MetadataCache } from './wado/metadata-cache.js';
import { wadoRouter } from './wado/wado-router.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { IndexStore } from '../storage/index-store.js';
import { handleDelete } from './delete/delete-handler.js';

export interface DicomwebDeps {
  store: StoreDeps;
  /** Whole-request STOW limits (defaults when absent). */
  stow?: StowLimits;
  qido: QidoDeps;
  wado: { index: IndexStore; blobs: BlobStore; bulkDataThreshold: number; maxHeaderBytes: number; decodeFrameSamples?: NamedLimit };
  ctx: DicomwebContext;
  log: { error: (o: object, m: string) => void };
}

/** The DICOMweb service root. No body parser runs here: STOW bodies are streamed. */
export function dicomwebRouter(deps: DicomwebDeps): Router {
  const r = Router();
  const access = new InstanceAccess(deps.wado.blobs, {
    maxHeaderBytes: deps.wado.maxHeaderBytes, maxInflatedBytes: 512 * 1024 * 1024, decodeFrameSamples: deps.wado.decodeFrameSamples,
  });
  const metadata = new MetadataCache(deps.wado.blobs, access, deps.wado.bulkDataThreshold);
  const store = handleStore(deps.store, seedingCaches(deps.ctx, metadata, access), deps.stow);
  r.post('/studies', store);
  r.post('/studies/:study', store);

  mountQido(r, deps.qido, deps.ctx);

  const del = handleDelete({ index: deps.store.index, blobs: deps.store.blobs }, deps.ctx);
  r.delete('/studies/:study', del);
  r.delete('/studies/:study/series/:series', del);
  r.delete('/studies/:study/series/:series/instances/:instance', del);

  r.use(wadoRouter({ ...deps.wado, ctx: deps.ctx, access }, metadata));

  r.use((_req, res) => sendDicomError(res, 404, 'no such DICOMweb resource'));
  r.use(dicomwebErrorHandler(deps.log));
  return r;
}

/**
 * A stored instance's metadata JSON and pixel description are made from the
 * header STOW has just parsed, rather than read back and parsed again on the
 * first retrieve (both caches are bounded LRUs).
 */
function seedingCaches(ctx: DicomwebContext, metadata: MetadataCache, access: InstanceAccess): DicomwebContext {
  return {
    ...ctx,
    onStored: (tenant, results) => {
      for (const r of results) {
        if (!r.ok || r.outcome === 'duplicate') continue;
        metadata.seed(r, r.header);
        access.seed(r, r.header);
      }
      return ctx.onStored?.(tenant, results);
    },
  };
}
