import type { DecodedFrame } from '../codecs/types.js';
import type { DicomDataset } from '../dicom-json.js';
import type { ImageInfo } from '../image-info.js';
import { renderColor } from './color.js';
import { frameAttributes } from './frame-attributes.js';
import { renderGray, type Window } from './grayscale.js';
import { storedValues } from './samples.js';

/** 8-bit pixels ready for an image encoder: 1 channel (grey) or 3 (RGB). */
export interface RenderedPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * Renders one decoded frame for display (PS3.18 §8.3.5.1.1): grey images
 * through Modality LUT, VOI and MONOCHROME1 inversion; colour images to RGB.
 * A requested window applies to grey images only.
 */
export function renderFrame(f: DecodedFrame, info: ImageInfo, ds: DicomDataset, frameIndex: number, window?: Window): RenderedPixels {
  const attrs = frameAttributes(ds, frameIndex);
  const base = { width: info.columns, height: info.rows };
  if (f.samplesPerPixel === 1 && f.photometric !== 'PALETTE COLOR') {
    return { ...base, channels: 1, data: renderGray(storedValues(f, info), attrs, info, window) };
  }
  return { ...base, channels: 3, data: renderColor(f, info, attrs) };
}

export type { Window, WindowFunction } from './grayscale.js';
