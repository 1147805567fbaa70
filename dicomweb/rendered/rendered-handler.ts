import type { Request, Response } from 'express';
import { MultipartWriter } from '../multipart/related-writer.js';
import type { WadoDeps } from '../wado/deps.js';
import { findScope, scopeOf } from '../wado/lookup.js';
import { parseFrameList } from '../wado/retrieve-frames.js';
import { instanceThumbnail, isImage, renderInstanceFrame, representative, THUMBNAIL_SIDE } from './render-instance.js';
import { parseRenderParams } from './render-params.js';
import { AppError } from '../../storage/errors.js';

/**
 * Rendered (PS3.18 §10.4.1.1.4) and Thumbnail (§10.4.1.1.7) resources.
 * Instance and single-frame renders answer one image; study and series
 * renders, and frame lists, answer one part per image. Thumbnails are one
 * image at every level (for a study or series: its representative image).
 */
export type Level = 'study' | 'series' | 'instance' | 'frames';

/**
 * Most images one rendered response holds. PS3.18 §10.4.1.1.4 renders every
 * image of a study or series (and every frame of a list) into one
 * multipart response; a 2,000-image study would be minutes of CPU for one
 * request. Beyond the cap the response holds the first images in series and
 * instance order (frames in the order asked) and says so in a
 * `Warning: 299` header, as QIDO-RS does when it caps `limit`; clients
 * wanting more ask per series, instance or frame list.
 */
export const RENDERED_MAX_IMAGES = 100;

export function handleRendered(level: Level, deps: WadoDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const p = parseRenderParams(req.query as Record<string, unknown>, req.headers.accept);
    const records = await findScope(deps.index, deps.ctx.tenantOf(req), scopeOf(req));
    if (level === 'instance' || level === 'frames') {
      const frames = level === 'frames' ? parseFrameList(req.params.frames).map((n) => n - 1) : [0];
      if (frames.length === 1) return sendImage(res, p.mediaType, await renderInstanceFrame(deps, records[0], frames[0], p));
      capWarning(res, frames.length, 'frames');
      const images = frames.slice(0, RENDERED_MAX_IMAGES).map((f) => () => renderInstanceFrame(deps, records[0], f, p));
      return sendParts(res, p.mediaType, images);
    }
    const images = records.filter(isImage);
    if (images.length === 0) throw new AppError('not-acceptable', 'none of the instances in scope is an image: nothing to render');
    capWarning(res, images.length, 'images');
    await sendParts(res, p.mediaType, images.slice(0, RENDERED_MAX_IMAGES).map((r) => () => renderInstanceFrame(deps, r, 0, p)));
  };
}

export function handleThumbnail(level: Level, deps: WadoDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const p = parseRenderParams(req.query as Record<string, unknown>, req.headers.accept);
    const records = await findScope(deps.index, deps.ctx.tenantOf(req), scopeOf(req));
    if (level === 'frames') {
      const [frame] = parseFrameList(req.params.frames);
      return sendImage(res, p.mediaType, await renderInstanceFrame(deps, records[0], frame - 1, p, THUMBNAIL_SIDE));
    }
    const rec = level === 'instance' ? records[0] : representative(records);
    sendImage(res, p.mediaType, await instanceThumbnail(deps, rec, p));
  };
}

function capWarning(res: Response, count: number, what: string): void {
  if (count <= RENDERED_MAX_IMAGES) return;
  res.setHeader('Warning', `299 - "rendered response holds the first ${RENDERED_MAX_IMAGES} of ${count} ${what}; request a series, an instance or a frame list for the others"`);
}

function sendImage(res: Response, type: string, body: Buffer): void {
  res.status(200).setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'private, max-age=3600');
  res.end(body);
}

async function sendParts(res: Response, type: string, images: Array<() => Promise<Buffer>>): Promise<void> {
  const first = await images[0](); // errors on the first image still get a clean error response
  const w = new MultipartWriter(res);
  res.status(200).setHeader('Content-Type', w.contentType(type));
  await w.part({ 'Content-Type': type }, first);
  for (const next of images.slice(1)) await w.part({ 'Content-Type': type }, await next());
  await w.end();
}
