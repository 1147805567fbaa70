import { inflateRawSync, inflateSync } from 'node:zlib';
import type { ImageInfo } from '../image-info.js';
import { frameBytes } from '../image-info.js';
import { DecodeError, type DecodedFrame } from './types.js';

/** Deflated Image Frame Compression (PS3.5 §A.4.12): each frame is a deflate stream of native bytes. */
export async function decodeDeflatedFrame(bytes: Buffer, info: ImageInfo): Promise<DecodedFrame> {
  const max = frameBytes(info);
  let out: Buffer;
  try {
    out = inflateRawSync(bytes, { maxOutputLength: max + 16 });
  } catch {
    try {
      out = inflateSync(bytes, { maxOutputLength: max + 16 });
    } catch (err) {
      throw new DecodeError(`deflated frame: ${(err as Error).message}`);
    }
  }
  return { pixels: out, bitsAllocated: info.bitsAllocated as 1 | 8 | 16 | 32, samplesPerPixel: info.samplesPerPixel, photometric: info.photometric };
}
