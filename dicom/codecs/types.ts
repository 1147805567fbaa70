import type { ImageInfo } from '../image-info.js';

/**
 * A decoded frame in native layout (PS3.5 §8.2): little-endian samples,
 * colour-by-pixel (Planar Configuration 0), one sample `bitsAllocated` wide.
 * `photometric` says what the decoder produced (a JPEG decoder turns YBR
 * into RGB, PS3.5 §8.2.1).
 */
export interface DecodedFrame {
  pixels: Buffer;
  bitsAllocated: 1 | 8 | 16 | 32;
  samplesPerPixel: number;
  photometric: string;
}

export type FrameDecoder = (bytes: Buffer, info: ImageInfo) => Promise<DecodedFrame>;

/** The frame is valid but this server cannot decode it (answered as 406 with the reason). */
export class UnsupportedCodecError extends Error {}

/** The frame's bitstream is corrupt or disagrees with the header. */
export class DecodeError extends Error {}

/** Interleaves planar samples (R…G…B…) into colour-by-pixel order (RGBRGB…). */
export function interleave(planar: Buffer, pixels: number, samples: number, bytesPerSample: number): Buffer {
  const out = Buffer.alloc(planar.length);
  const plane = pixels * bytesPerSample;
  for (let p = 0; p < pixels; p++) {
    for (let s = 0; s < samples; s++) {
      const src = s * plane + p * bytesPerSample;
      planar.copy(out, (p * samples + s) * bytesPerSample, src, src + bytesPerSample);
    }
  }
  return out;
}

/** YBR photometrics become RGB when a JPEG-family decoder applies the inverse colour transform. */
export function afterColourTransform(photometric: string, samples: number): string {
  return samples === 3 && photometric.startsWith('YBR') ? 'RGB' : photometric;
}
