import type { DecodedFrame } from '../codecs/types.js';
import type { ImageInfo } from '../image-info.js';

/**
 * Stored pixel values of a grey frame as numbers: Bits Stored masked and,
 * for Pixel Representation 1, sign-extended (PS3.5 §8.1.1, PS3.3
 * §C.7.6.3.1.1: High Bit is Bits Stored - 1 for all current objects).
 */
export function storedValues(f: DecodedFrame, info: ImageInfo): Float32Array {
  const n = info.rows * info.columns;
  const out = new Float32Array(n);
  const p = f.pixels;
  if (f.bitsAllocated === 1) {
    for (let i = 0; i < n; i++) out[i] = (p[i >> 3] >> (i & 7)) & 1;
    return out;
  }
  if (info.float) { // IEEE values of Float / Double Float Pixel Data, used as they are
    for (let i = 0; i < n; i++) out[i] = info.bitsAllocated === 64 ? p.readDoubleLE(i * 8 * f.samplesPerPixel) : p.readFloatLE(i * 4 * f.samplesPerPixel);
    return out;
  }
  const bits = Math.min(info.bitsStored, f.bitsAllocated);
  const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  const sign = info.pixelRepresentation === 1 ? 2 ** (bits - 1) : 0;
  const step = f.samplesPerPixel; // first sample when a grey render is asked of colour data
  for (let i = 0; i < n; i++) {
    let v = read(p, i * step, f.bitsAllocated);
    v = bits >= 32 ? v : v % (mask + 1);
    if (sign && v >= sign) v -= 2 * sign;
    out[i] = v;
  }
  return out;
}

function read(p: Buffer, index: number, bitsAllocated: number): number {
  if (bitsAllocated === 8) return p[index];
  if (bitsAllocated === 16) return p.readUInt16LE(index * 2);
  return p.readUInt32LE(index * 4);
}
