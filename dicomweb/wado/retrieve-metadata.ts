import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { AppError } from '../../storage/errors.js';
import type { InstanceRecord } from '../../storage/model.js';
import { covers, parseAccept } from './accept.js';
import type { WadoDeps } from './deps.js';
import { findScope, scopeOf } from './lookup.js';
import type { MetadataCache } from './metadata-cache.js';
import { absoluteBulkUris } from './metadata-json.js';

const PREFETCH = 8;
const WRITE_BYTES = 64 * 1024;

/**
 * Retrieve Metadata (PS3.18 §10.4.1.1.2) at study, series and instance level
 * as application/dicom+json: an array with one dataset per instance. The
 * array is written as it is produced (a few instances read ahead), so a
 * study of thousands of instances is never held whole. The ETag changes
 * whenever an instance of the scope does. `cache` is a MetadataCache, or any
 * source of per-instance metadata JSON (the de-identified view's).
 */
export function handleRetrieveMetadata(deps: WadoDeps, cache: Pick<MetadataCache, 'get'>) {
  return async (req: Request, res: Response): Promise<void> => {
    const scope = scopeOf(req);
    const accept = parseAccept(req.headers.accept, req.query.accept);
    if (!accept.some((e) => covers(e.type, 'application/dicom+json') || e.type === 'application/json')) {
      throw new AppError('not-acceptable', 'metadata is available as application/dicom+json only');
    }
    const records = await findScope(deps.index, deps.ctx.tenantOf(req), scope);
    const etag = `"${createHash('sha256').update(records.map((r) => r.sha256).join(',')).digest('hex').slice(0, 32)}"`;
    res.setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    const base = deps.ctx.baseUrl(req);
    const pending = records.slice(0, PREFETCH).map((r) => settled(cache.get(r)));
    await pending[0]; // a failure on the first instance is still a clean error response
    res.status(200).setHeader('Content-Type', 'application/dicom+json');
    // Instances are gathered into writes of about WRITE_BYTES: one write per instance
    // cost more CPU than building the JSON (a chunk header and a write request each).
    let batch = '[';
    for (let i = 0; i < records.length; i++) {
      if (i + PREFETCH < records.length) pending.push(settled(cache.get(records[i + PREFETCH])));
      batch += (i === 0 ? '' : ',') + absoluteBulkUris(await pending[i], instanceUrl(base, records[i]));
      if (batch.length < WRITE_BYTES) continue;
      const ok = res.write(batch);
      batch = '';
      if (!ok) await new Promise((r) => res.once('drain', r));
    }
    res.end(`${batch}]`);
  };
}

/** Read-ahead promises may reject before they are awaited; mark them handled (they rethrow when awaited). */
function settled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

export function instanceUrl(base: string, r: InstanceRecord): string {
  return `${base}/studies/${r.studyUid}/series/${r.seriesUid}/instances/${r.sopUid}`;
}
