import { Router } from 'express';
import { handleRendered, handleThumbnail } from '../rendered/rendered-handler.js';
import type { WadoDeps } from './deps.js';
import { pixelErrors } from './errors.js';
import { MetadataCache } from './metadata-cache.js';
import { handleRetrieveBulkdata } from './retrieve-bulkdata.js';
import { handleRetrieveFrames } from './retrieve-frames.js';
import { handleRetrieveInstances } from './retrieve-instances.js';
import { handleRetrieveMetadata } from './retrieve-metadata.js';

/**
 * WADO-RS retrieve transactions (PS3.18 §10.4) and the rendered resources, as
 * one route table. `metadata` is the cache STOW seeds (dicomweb/router.ts).
 */
export function wadoRouter(deps: WadoDeps, metadata = new MetadataCache(deps.blobs, deps.access, deps.bulkDataThreshold)): Router {
  const r = Router();
  const study = '/studies/:study';
  const series = `${study}/series/:series`;
  const instance = `${series}/instances/:instance`;
  const frames = `${instance}/frames/:frames`;
  for (const path of [study, series, instance]) r.get(path, handleRetrieveInstances(deps));
  for (const path of [study, series, instance]) r.get(`${path}/metadata`, handleRetrieveMetadata(deps, metadata));
  r.get(frames, handleRetrieveFrames(deps));
  r.get(`${instance}/bulkdata/*path`, handleRetrieveBulkdata(deps));
  const levels = [[study, 'study'], [series, 'series'], [instance, 'instance'], [frames, 'frames']] as const;
  for (const [path, level] of levels) {
    r.get(`${path}/rendered`, handleRendered(level, deps));
    r.get(`${path}/thumbnail`, handleThumbnail(level, deps));
  }
  r.use(pixelErrors);
  return r;
}
