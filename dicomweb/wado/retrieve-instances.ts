import { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import type { DecodedFrame } from '../../dicom/pixel-decode.js';
import { TS } from '../../dicom/transfer-syntax.js';
import { AppError } from '../../storage/errors.js';
import type { InstanceRecord } from '../../storage/model.js';
import { MultipartWriter } from '../multipart/related-writer.js';
import { describeAccept, planInstance, type Plan } from './negotiate.js';
import { parseAccept } from './accept.js';
import type { WadoDeps } from './deps.js';
import { findScope, scopeOf } from './lookup.js';
import { explicitLittleEndian, refusedWarning, screenReencodings } from './transcode.js';

/**
 * Retrieve Study / Series / Instance (PS3.18 §10.4.1.1.1-3): the instances
 * as multipart/related; type="application/dicom", streamed one after the
 * other from the blob store. Every instance is negotiated before the first
 * byte is sent, so a 406 is never half a response.
 */
export function handleRetrieveInstances(deps: WadoDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const scope = scopeOf(req);
    const accept = parseAccept(req.headers.accept, req.query.accept);
    let records = await findScope(deps.index, deps.ctx.tenantOf(req), scope);
    let plans = records.map((r) => planInstance(accept, r.transferSyntaxUid));
    const refused = records.findIndex((_, i) => !plans[i]);
    if (refused >= 0) {
      const r = records[refused];
      throw new AppError('not-acceptable', `instance ${r.sopUid} is stored in transfer syntax ${r.transferSyntaxUid}, which cannot be served as requested (${describeAccept(accept)}); this server sends the stored syntax (transfer-syntax=*) or decodes to ${TS.ExplicitLE}`);
    }
    // Re-encodings that cannot be made are left out before the status is sent (406 if none is left).
    const screened = await screenReencodings(records, plans as Plan[], deps.access);
    if (!screened.keep.length) throw new AppError('not-acceptable', screened.refused.map((r) => `instance ${r.sopUid}: ${r.reason}`).join('; '));
    if (screened.refused.length) res.setHeader('Warning', refusedWarning(screened.refused));
    [records, plans] = [screened.keep.map((i) => records[i]), screened.keep.map((i) => plans[i])];
    // The first body is opened before the status is sent; after the screening only a later
    // frame of a multi-frame re-encoding can still fail, which aborts the stream.
    const first = await body(records[0], plans[0]!, deps, screened.takeFirstFrame(records[0]));
    const w = new MultipartWriter(res);
    res.status(200).setHeader('Content-Type', w.contentType('application/dicom'));
    const base = deps.ctx.baseUrl(req);
    for (let i = 0; i < records.length; i++) {
      await w.part(partHeaders(records[i], plans[i]!, base), i === 0 ? first : await body(records[i], plans[i]!, deps, screened.takeFirstFrame(records[i])));
    }
    await w.end();
  };
}

function partHeaders(r: InstanceRecord, plan: Plan, base: string): Record<string, string> {
  const ts = plan.kind === 'stored' ? r.transferSyntaxUid : TS.ExplicitLE;
  const h: Record<string, string> = {
    'Content-Type': `application/dicom; transfer-syntax=${ts}`,
    'Content-Location': `${base}/studies/${r.studyUid}/series/${r.seriesUid}/instances/${r.sopUid}`,
  };
  if (plan.kind === 'stored') h['Content-Length'] = String(r.size);
  return h;
}

async function body(r: InstanceRecord, plan: Plan, deps: WadoDeps, firstFrame?: DecodedFrame): Promise<Readable> {
  // With its length: a file read stream without an end reads in buffers of its whole
  // highWaterMark (1 MiB), copies out the part filled, then allocates one more to find EOF.
  if (plan.kind === 'stored') return deps.blobs.get(r.blobKey, { start: 0, end: r.size });
  const chunks = explicitLittleEndian(r, deps.access, firstFrame);
  const head = await chunks.next();
  async function* all() {
    if (!head.done) yield head.value;
    yield* chunks;
  }
  return Readable.from(all(), { objectMode: false });
}
