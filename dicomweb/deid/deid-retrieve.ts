import type { Request, Response } from 'express';
import type { Readable } from 'node:stream';
import { DeidTransform } from '../../deid/deid-stream.js';
import type { DeidServices } from '../../deid/services.js';
import { AppError } from '../../storage/errors.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { InstanceRecord } from '../../storage/model.js';
import type { DicomwebContext } from '../context.js';
import { MultipartWriter } from '../multipart/related-writer.js';
import { parseAccept, type AcceptEntry } from '../wado/accept.js';
import { scopeOf } from '../wado/lookup.js';
import type { DeidIndexView, ViewInstance } from './deid-index-view.js';

/**
 * WADO-RS Retrieve Study/Series/Instance (PS3.18 §10.4.1.1) in the
 * de-identified view: each stored instance streams through a DeidTransform
 * (header de-identified, Pixel Data passed through unchanged) into one part
 * of a multipart/related response. Instances stored de-identified (policy
 * at-ingest) are sent as stored. Every de-identification is audited.
 *
 * No transcoding here: parts carry the stored transfer syntax (Explicit VR
 * Little Endian for deflated instances, which are inflated). A request for
 * another syntax is refused with 406.
 */
export interface DeidRetrieveDeps {
  view: DeidIndexView;
  blobs: BlobStore;
  deid: DeidServices;
  ctx: DicomwebContext;
  maxHeaderBytes: number;
}

const DEFLATED = '1.2.840.10008.1.2.1.99';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

export function handleDeidRetrieve(deps: DeidRetrieveDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const scope = scopeOf(req);
    const tenant = deps.ctx.tenantOf(req);
    const accept = parseAccept(req.headers.accept, req.query.accept);
    const records = await deps.view.findInstances({ tenant, ...scope });
    if (records.length === 0) throw new AppError('not-found', 'no such study, series or instance in the de-identified view');
    for (const r of records) {
      if (!acceptable(accept, servedSyntax(r))) {
        throw new AppError('not-acceptable', `the de-identified view serves instances in their stored transfer syntax (${servedSyntax(r)}) only`);
      }
    }
    // The first instance is de-identified before the status is sent, so a file that
    // cannot be de-identified is a clean error, never a partial or identified response.
    const first = await open(records[0], tenant, deps);
    const w = new MultipartWriter(res);
    res.status(200).setHeader('Content-Type', w.contentType('application/dicom'));
    if (first.warning) res.setHeader('Warning', `299 - "${first.warning}"`);
    const base = deps.ctx.baseUrl(req);
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const body = i === 0 ? first.body : (await open(r, tenant, deps)).body;
      await w.part({
        'Content-Type': `application/dicom; transfer-syntax=${servedSyntax(r)}`,
        'Content-Location': `${base}/studies/${r.studyUid}/series/${r.seriesUid}/instances/${r.sopUid}`,
      }, body);
    }
    await w.end();
  };
}

async function open(r: ViewInstance, tenant: string, deps: DeidRetrieveDeps): Promise<{ body: Readable; warning?: string }> {
  const stored = await deps.blobs.get(r.blobKey);
  if (r.storedDeidentified) return { body: stored };
  const t = new DeidTransform(deps.deid.engine, tenant, deps.maxHeaderBytes);
  stored.on('error', (err) => t.destroy(err));
  const body = stored.pipe(t);
  let outcome;
  try {
    outcome = await t.outcome;
  } catch {
    stored.destroy();
    // Never fall back to the stored bytes: an instance that cannot be de-identified is not served.
    throw new AppError('internal', `instance ${r.sopUid} cannot be de-identified (its header is not readable by the de-identifier)`);
  }
  await deps.deid.audit.record({
    at: new Date().toISOString(),
    tenant,
    trigger: 'retrieve',
    profile: 'PS3.15 E.1 Basic Application Level Confidentiality Profile',
    options: deps.deid.engine.optionNames(),
    attributesChanged: outcome.attributesChanged,
    privateAttributesRemoved: outcome.privateAttributesRemoved,
    instanceId: outcome.sopInstanceUid,
    burnedInAnnotationRisk: outcome.burnedInAnnotationRisk,
  });
  const risk = outcome.burnedInAnnotationRisk;
  return { body, warning: risk.length ? `pixel data may contain burned-in identifying text (${risk.join(', ')}); only the header was de-identified` : undefined };
}

function servedSyntax(r: InstanceRecord): string {
  return r.transferSyntaxUid === DEFLATED ? EXPLICIT_LE : r.transferSyntaxUid;
}

function acceptable(accept: AcceptEntry[], syntax: string): boolean {
  return accept.some((e) => {
    if (e.type === '*/*' || e.type === 'multipart/*') return true;
    if (e.type !== 'multipart/related') return false;
    const type = (e.params.type ?? 'application/dicom').toLowerCase();
    if (type !== 'application/dicom' && type !== '*/*' && type !== 'application/*') return false;
    const ts = e.params['transfer-syntax'];
    return ts === undefined || ts === '*' || ts === syntax;
  });
}
