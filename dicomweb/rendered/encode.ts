import sharp from 'sharp';
import type { RenderedPixels } from '../../dicom/render/render-frame.js';
import { AppError } from '../../storage/errors.js';
import type { RenderParams } from './render-params.js';

/** Crops, scales to fit the viewport (aspect kept, PS3.18 §8.3.5.1.3) and encodes with sharp. */
export async function encodeRendered(px: RenderedPixels, p: Pick<RenderParams, 'mediaType' | 'viewport' | 'quality'>, maxSide?: number): Promise<Buffer> {
  let img = sharp(px.data, { raw: { width: px.width, height: px.height, channels: px.channels } });
  const crop = p.viewport?.crop;
  if (crop) {
    if (crop.left + crop.width > px.width || crop.top + crop.height > px.height) {
      throw new AppError('invalid', `viewport source region lies outside the ${px.width}x${px.height} image`);
    }
    img = sharp(await img.extract(crop).raw().toBuffer(), { raw: { width: crop.width, height: crop.height, channels: px.channels } });
  }
  const width = Math.min(p.viewport?.width ?? Infinity, maxSide ?? Infinity);
  const height = Math.min(p.viewport?.height ?? Infinity, maxSide ?? Infinity);
  if (Number.isFinite(width) || Number.isFinite(height)) {
    img = img.resize({
      width: Number.isFinite(width) ? width : undefined,
      height: Number.isFinite(height) ? height : undefined,
      fit: 'inside',
      withoutEnlargement: maxSide !== undefined,
    });
  }
  // Grey stays one channel (sharp would otherwise write raw single-band input as sRGB).
  if (px.channels === 1) img = img.toColourspace('b-w');
  // No Huffman-table optimisation: ≈30% less CPU per image for a few % more bytes (libjpeg's default, as Orthanc does).
  return p.mediaType === 'image/png' ? img.png().toBuffer() : img.jpeg({ quality: p.quality, optimiseCoding: false }).toBuffer();
}
