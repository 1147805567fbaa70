import type { DecodedFrame } from '../codecs/types.js';
import type { DicomDataset } from '../dicom-json.js';
import type { ImageInfo } from '../image-info.js';
import { renderColor } from './color.js';
import { frameAttributes } from './frame-attributes.js';
import { renderGray, renderGrayWords, type Window } from './grayscale.js';
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
    const words = sampleWords(f, info);
    return { ...base, channels: 1, data: words ? renderGrayWords(words, attrs, info, window) : renderGray(storedValues(f, info), attrs, info, window) };
  }
  return { ...base, channels: 3, data: renderColor(f, info, attrs) };
}

export type { Window, WindowFunction } from './grayscale.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The frame's samples as 8- or 16-bit words for the table path; undefined for 1- and 32-bit frames. */
function sampleWords(f: DecodedFrame, info: ImageInfo): Uint16Array | Uint8Array | undefined {
  const n = info.rows * info.columns;
  if (f.bitsAllocated === 8 && f.pixels.length >= n) return new Uint8Array(f.pixels.buffer, f.pixels.byteOffset, n);
  if (f.bitsAllocated !== 16 || !LITTLE_ENDIAN || f.pixels.length < n * 2) return undefined;
  // A Uint16Array view needs an even offset; an odd one (a slice of a larger read) is copied once.
  const aligned = f.pixels.byteOffset % 2 === 0 ? f.pixels : Buffer.from(f.pixels);
  return new Uint16Array(aligned.buffer, aligned.byteOffset, n);
}
