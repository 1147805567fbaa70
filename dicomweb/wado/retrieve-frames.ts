import type { Request, Response } from 'express';
import { frameCount, readFrame } from '../../dicom/frames.js';
import { decodeFrame } from '../../dicom/pixel-decode.js';
import { TS, frameMediaType, isEncapsulated } from '../../dicom/transfer-syntax.js';
import { AppError } from '../../storage/errors.js';
import { MultipartWriter } from '../multipart/related-writer.js';
import { parseAccept } from './accept.js';
import type { WadoDeps } from './deps.js';
import type { PixelView } from './instance-access.js';
import { findScope, scopeOf } from './lookup.js';
import { describeAccept, planFrames, type Plan } from './negotiate.js';

/**
 * Retrieve Frames (PS3.18 §10.4.1.1.6): each requested frame as one part,
 * read by itself from the blob (see dicom/frames.ts). Stored frames keep
 * their media type (image/jls, image/jp2, …); decoded ones are
 * application/octet-stream in Explicit VR Little Endian byte order.
 */
export function handleRetrieveFrames(deps: WadoDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const numbers = parseFrameList(req.params.frames);
    const [rec] = await findScope(deps.index, deps.ctx.tenantOf(req), scopeOf(req));
    const accept = parseAccept(req.headers.accept, req.query.accept);
    const plan = planFrames(accept, rec.transferSyntaxUid);
    if (!plan) {
      throw new AppError('not-acceptable', `frames of this instance are stored as ${frameMediaType(rec.transferSyntaxUid)} (transfer syntax ${rec.transferSyntaxUid}) and cannot be served as requested (${describeAccept(accept)})`);
    }
    const view = await deps.access.pixels(rec);
    const count = frameCount(view.layout);
    const missing = numbers.find((n) => n > count);
    if (missing) throw new AppError('not-found', `frame ${missing} does not exist: the instance has ${count} frame(s)`);
    const type = plan.kind === 'stored' ? frameMediaType(view.tsUid) : 'application/octet-stream';
    const w = new MultipartWriter(res);
    res.status(200).setHeader('Content-Type', w.contentType(type));
    for (const n of numbers) {
      const bytes = await frameBytes(view, n - 1, plan);
      await w.part({ 'Content-Type': `${type}; transfer-syntax=${frameSyntax(view.tsUid, plan)}`, 'Content-Length': String(bytes.length) }, bytes);
    }
    await w.end();
  };
}

async function frameBytes(view: PixelView, index: number, plan: Plan): Promise<Buffer> {
  const raw = await readFrame(view.layout, index, view.read);
  if (plan.kind === 'stored') return raw;
  return (await decodeFrame(view.tsUid, raw, view.info, view.decodeLimit)).pixels;
}

/** Native frames in implicit or deflated syntaxes are plain little-endian bytes once extracted. */
function frameSyntax(stored: string, plan: Plan): string {
  if (plan.kind === 'explicit-le') return TS.ExplicitLE;
  if (!isEncapsulated(stored) && stored !== TS.ExplicitBE) return TS.ExplicitLE;
  return stored;
}

/** "1,3,5" → [1, 3, 5] (PS3.18 §8.1.3: 1-based, comma-separated). */
export function parseFrameList(raw: unknown): number[] {
  if (typeof raw !== 'string' || !/^\d+(,\d+)*$/.test(raw.replace(/%2C/gi, ','))) {
    throw new AppError('invalid', 'the frame list must be comma-separated frame numbers starting at 1');
  }
  const numbers = raw.replace(/%2C/gi, ',').split(',').map(Number);
  if (numbers.some((n) => n < 1)) throw new AppError('invalid', 'frame numbers start at 1');
  if (numbers.length > 10_000) throw new AppError('invalid', 'too many frames in one request');
  return numbers;
}
