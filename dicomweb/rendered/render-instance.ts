import { frameCount, readFrame } from '../../dicom/frames.js';
import { decodeFrame } from '../../dicom/pixel-decode.js';
import { renderFrame, type RenderedPixels, type Window } from '../../dicom/render/render-frame.js';
import { blobKeys, type BlobStore } from '../../storage/blob-store.js';
import { AppError } from '../../storage/errors.js';
import type { InstanceRecord } from '../../storage/model.js';
import { Readable } from 'node:stream';
import sharp, { type Sharp } from 'sharp';
import { readSmallBlob } from '../wado/blob-reader.js';
import type { WadoDeps } from '../wado/deps.js';
import { encodeRendered } from './encode.js';
import type { RenderParams } from './render-params.js';

export const THUMBNAIL_SIDE = 256;

/** One frame of an instance, decoded, rendered and encoded (PS3.18 §10.4.1.1.4). */
export async function renderInstanceFrame(deps: WadoDeps, rec: InstanceRecord, frameIndex: number, p: RenderParams, maxSide?: number): Promise<Buffer> {
  return encodeRendered(await renderPixels(deps, rec, frameIndex, p.window), p, maxSide);
}

/** One frame of an instance decoded and rendered to 8-bit pixels, not encoded yet. */
async function renderPixels(deps: WadoDeps, rec: InstanceRecord, frameIndex: number, window?: Window): Promise<RenderedPixels> {
  const view = await deps.access.pixels(rec);
  const count = frameCount(view.layout);
  if (frameIndex >= count) throw new AppError('not-found', `frame ${frameIndex + 1} does not exist: the instance has ${count} frame(s)`);
  const decoded = await decodeFrame(view.tsUid, await readFrame(view.layout, frameIndex, view.read), view.info, view.decodeLimit);
  const dataset = view.dataset ?? (await deps.access.open(rec)).header.dataset;
  return renderFrame(decoded, view.info, dataset, frameIndex, window);
}

/**
 * The thumbnail of an instance (its first frame, at most 256x256, default
 * window): rendered once, kept as PNG next to the instance
 * (blobKeys.thumbnail), then scaled or re-encoded per request. A requested
 * window bypasses the cache. On a miss the answer is encoded from the
 * rendered pixels, and the PNG is encoded and written after it.
 */
export async function instanceThumbnail(deps: WadoDeps, rec: InstanceRecord, p: RenderParams): Promise<Buffer> {
  if (p.window || p.viewport?.crop) return renderInstanceFrame(deps, rec, 0, p, THUMBNAIL_SIDE);
  const key = blobKeys.thumbnail(rec.blobKey);
  const png = await readSmallBlob(deps.blobs, key);
  // A grey PNG (colour type 0, PNG §11.2.2) must stay one channel: sharp reads it as sRGB otherwise.
  if (png) return fromThumbnail(png[25] === 0 ? sharp(png).toColourspace('b-w') : sharp(png), p, png);
  const px = await renderPixels(deps, rec, 0);
  const small = await sharp(px.data, { raw: { width: px.width, height: px.height, channels: px.channels } })
    .resize({ width: THUMBNAIL_SIDE, height: THUMBNAIL_SIDE, fit: 'inside', withoutEnlargement: true })
    .raw().toBuffer({ resolveWithObject: true });
  const source = () => {
    const img = sharp(small.data, { raw: { width: small.info.width, height: small.info.height, channels: px.channels } });
    return px.channels === 1 ? img.toColourspace('b-w') : img;
  };
  writeBehind(deps.blobs, key, () => source().png().toBuffer());
  return fromThumbnail(source(), p);
}

/** The answer from the thumbnail's pixels: as is when it fits and PNG is asked for and at hand, else scaled and encoded. */
async function fromThumbnail(img: Sharp, p: RenderParams, png?: Buffer): Promise<Buffer> {
  const fitsAlready = !p.viewport || (p.viewport.width >= THUMBNAIL_SIDE && p.viewport.height >= THUMBNAIL_SIDE);
  if (png && p.mediaType === 'image/png' && fitsAlready) return png;
  if (!fitsAlready) img = img.resize({ width: p.viewport!.width, height: p.viewport!.height, fit: 'inside', withoutEnlargement: true });
  return p.mediaType === 'image/png' ? img.png().toBuffer() : img.jpeg({ quality: p.quality, optimiseCoding: false }).toBuffer();
}

/** Thumbnail PNGs being encoded or written; beyond this many a miss is not cached (the next one renders again). */
const MAX_PENDING_WRITES = 16;
const pending = new Set<string>();

/** Encodes and writes a cache blob after the answer went out (the blob store fsyncs); a lost write costs a re-render. */
function writeBehind(blobs: BlobStore, key: string, make: () => Promise<Buffer>): void {
  if (pending.has(key) || pending.size >= MAX_PENDING_WRITES) return;
  pending.add(key);
  make().then((bytes) => blobs.put(key, Readable.from([bytes]))).catch(() => undefined).finally(() => pending.delete(key));
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
