import { frameCount, readFrame } from '../../dicom/frames.js';
import { decodeFrame } from '../../dicom/pixel-decode.js';
import { renderFrame } from '../../dicom/render/render-frame.js';
import { blobKeys } from '../../storage/blob-store.js';
import { AppError } from '../../storage/errors.js';
import type { InstanceRecord } from '../../storage/model.js';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { readSmallBlob } from '../wado/blob-reader.js';
import type { WadoDeps } from '../wado/deps.js';
import { encodeRendered } from './encode.js';
import type { RenderParams } from './render-params.js';

export const THUMBNAIL_SIDE = 256;

/** One frame of an instance, decoded, rendered and encoded (PS3.18 §10.4.1.1.4). */
export async function renderInstanceFrame(deps: WadoDeps, rec: InstanceRecord, frameIndex: number, p: RenderParams, maxSide?: number): Promise<Buffer> {
  const view = await deps.access.pixels(rec);
  const count = frameCount(view.layout);
  if (frameIndex >= count) throw new AppError('not-found', `frame ${frameIndex + 1} does not exist: the instance has ${count} frame(s)`);
  const decoded = await decodeFrame(view.tsUid, await readFrame(view.layout, frameIndex, view.read), view.info, view.decodeLimit);
  const dataset = view.dataset ?? (await deps.access.open(rec)).header.dataset;
  return encodeRendered(renderFrame(decoded, view.info, dataset, frameIndex, p.window), p, maxSide);
}

/**
 * The thumbnail of an instance (its first frame, at most 256x256, default
 * window): rendered once, kept as PNG next to the instance
 * (blobKeys.thumbnail), then scaled or re-encoded per request. A requested
 * window bypasses the cache.
 */
export async function instanceThumbnail(deps: WadoDeps, rec: InstanceRecord, p: RenderParams): Promise<Buffer> {
  if (p.window || p.viewport?.crop) return renderInstanceFrame(deps, rec, 0, p, THUMBNAIL_SIDE);
  const key = blobKeys.thumbnail(rec.blobKey);
  let png = await readSmallBlob(deps.blobs, key);
  let write: Promise<unknown> | undefined;
  if (!png) {
    png = await renderInstanceFrame(deps, rec, 0, { mediaType: 'image/png', quality: 90 }, THUMBNAIL_SIDE);
    // Written (and fsynced) while the answer is encoded; a lost cache write costs a re-render.
    write = deps.blobs.put(key, Readable.from([png])).catch(() => undefined);
  }
  try {
    const fitsAlready = !p.viewport || (p.viewport.width >= THUMBNAIL_SIDE && p.viewport.height >= THUMBNAIL_SIDE);
    if (p.mediaType === 'image/png' && fitsAlready) return png;
    let img = sharp(png);
    if (!fitsAlready) img = img.resize({ width: p.viewport!.width, height: p.viewport!.height, fit: 'inside', withoutEnlargement: true });
    return await (p.mediaType === 'image/png' ? img.png().toBuffer() : img.flatten().jpeg({ quality: p.quality, optimiseCoding: false }).toBuffer());
  } finally {
    await write;
  }
}

/** Instances that carry pixels (Rows in the index), so study and series renders skip SR, PDF, … */
export function isImage(rec: InstanceRecord): boolean {
  return rec.attrs['00280010']?.Value?.[0] !== undefined;
}

/** The series' middle image, or the study's first series with images: what a study list shows. */
export function representative(records: InstanceRecord[]): InstanceRecord {
  const images = records.filter(isImage);
  if (images.length === 0) throw new AppError('not-acceptable', 'none of the instances in scope is an image: there is no thumbnail');
  const series = images.filter((r) => r.seriesUid === images[0].seriesUid);
  return series[Math.floor((series.length - 1) / 2)];
}
