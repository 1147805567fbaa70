import type { ImageInfo } from '../image-info.js';
import { DecodeError, type DecodedFrame } from './types.js';

/**
 * RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then
 * one PackBits segment per byte of each sample, most significant byte first.
 * Output is little-endian and colour-by-pixel. RLE applies no colour
 * transform, so YBR_FULL stays YBR_FULL.
 */
export async function decodeRle(bytes: Buffer, info: ImageInfo): Promise<DecodedFrame> {
  if (bytes.length < 64) throw new DecodeError('RLE frame is shorter than its 64-byte header');
  const bytesPerSample = info.bitsAllocated / 8;
  if (![1, 2, 4].includes(bytesPerSample)) throw new DecodeError(`RLE with Bits Allocated ${info.bitsAllocated} is not supported`);
  const segments = bytes.readUInt32LE(0);
  const samples = info.samplesPerPixel;
  if (segments !== samples * bytesPerSample) {
    throw new DecodeError(`RLE frame has ${segments} segments, expected ${samples * bytesPerSample}`);
  }
  const pixels = info.rows * info.columns;
  const out = Buffer.alloc(pixels * samples * bytesPerSample);
  for (let seg = 0; seg < segments; seg++) {
    const start = bytes.readUInt32LE(4 + seg * 4);
    const end = seg + 1 < segments ? bytes.readUInt32LE(8 + seg * 4) : bytes.length;
    const sample = Math.floor(seg / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (seg % bytesPerSample); // segment 0 is the MSB
    unpackBits(bytes, start, Math.min(end, bytes.length), out, sample * bytesPerSample + byteInSample, samples * bytesPerSample, pixels);
  }
  return { pixels: out, bitsAllocated: (bytesPerSample * 8) as 8 | 16 | 32, samplesPerPixel: samples, photometric: info.photometric };
}

/** PackBits (PS3.5 §G.3.1) into every `stride`-th byte of `out` from `first`, at most `count` bytes. */
function unpackBits(src: Buffer, pos: number, end: number, out: Buffer, first: number, stride: number, count: number): void {
  let n = 0;
  let dst = first;
  while (pos < end && n < count) {
    const h = src.readInt8(pos++);
    if (h >= 0) {
      for (let i = 0; i <= h && pos < end && n < count; i++, n++, dst += stride) out[dst] = src[pos++];
    } else if (h !== -128) {
      const v = src[pos++];
      for (let i = 0; i < 1 - h && n < count; i++, n++, dst += stride) out[dst] = v;
    }
  }
}
