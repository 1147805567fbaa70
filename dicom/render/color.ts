import { binaryOf } from '../binary.js';
import type { DicomDataset } from '../dicom-json.js';
import { DecodeError, type DecodedFrame } from '../codecs/types.js';
import type { ImageInfo } from '../image-info.js';
import { applyLut, readLut, type Lut } from './lut.js';

/**
 * Colour frames to 8-bit RGB (PS3.3 §C.7.6.3.1.2): RGB as is (scaled down
 * from 16 bits), YBR_FULL through the JFIF transform, PALETTE COLOR through
 * its red/green/blue LUTs (plain or segmented, §C.7.9).
 */
export function renderColor(f: DecodedFrame, info: ImageInfo, attrs: DicomDataset): Buffer {
  const n = info.rows * info.columns;
  if (f.photometric === 'PALETTE COLOR') return palette(f, info, attrs, n);
  const out = Buffer.alloc(n * 3);
  const shift = Math.max(0, Math.min(info.bitsStored, f.bitsAllocated) - 8);
  for (let i = 0; i < n * 3; i++) out[i] = sample(f, i) >> shift;
  if (f.photometric.startsWith('YBR')) ybrToRgb(out);
  return out;
}

function sample(f: DecodedFrame, i: number): number {
  return f.bitsAllocated === 16 ? f.pixels.readUInt16LE(i * 2) : f.pixels[i];
}

function ybrToRgb(p: Buffer): void {
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  for (let i = 0; i + 2 < p.length; i += 3) {
    const y = p[i], cb = p[i + 1] - 128, cr = p[i + 2] - 128;
    p[i] = clamp(y + 1.402 * cr);
    p[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    p[i + 2] = clamp(y + 1.772 * cb);
  }
}

function palette(f: DecodedFrame, info: ImageInfo, attrs: DicomDataset, n: number): Buffer {
  const luts = [['00281101', '00281201', '00281221'], ['00281102', '00281202', '00281222'], ['00281103', '00281203', '00281223']]
    .map(([d, data, seg]) => readLut(attrs, d, data) ?? segmentedLut(attrs, d, seg));
  if (luts.some((l) => !l)) throw new DecodeError('PALETTE COLOR image without usable palette LUTs');
  const out = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) {
    const v = sample(f, i);
    for (let c = 0; c < 3; c++) {
      const lut = luts[c]!;
      out[i * 3 + c] = lut.bits > 8 ? applyLut(lut, v) >> 8 : applyLut(lut, v);
    }
  }
  return out;
}

/** Segmented palette LUTs (PS3.3 §C.7.9.2): discrete, linear and indirect segments. */
function segmentedLut(attrs: DicomDataset, descTag: string, segTag: string): Lut | undefined {
  const desc = attrs[descTag]?.Value?.map(Number);
  const b = binaryOf(attrs[segTag]?.Value?.[0]);
  if (!desc || !b) return undefined;
  const words = Array.from({ length: b.length >> 1 }, (_, i) => b.readUInt16LE(i * 2));
  const out: number[] = [];
  for (let i = 0; i < words.length; ) {
    const [op, len] = [words[i], words[i + 1]];
    if (op === 0) {
      out.push(...words.slice(i + 2, i + 2 + len));
      i += 2 + len;
    } else if (op === 1) {
      const y0 = out.at(-1) ?? 0, y1 = words[i + 2];
      for (let k = 1; k <= len; k++) out.push(Math.round(y0 + ((y1 - y0) * k) / len));
      i += 3;
    } else if (op === 2) {
      const offset = words[i + 2] | (words[i + 3] << 16);
      out.push(...expandIndirect(words, offset, len));
      i += 4;
    } else break;
  }
  const entries = desc[0] === 0 ? 65536 : desc[0];
  return { first: desc[1], bits: desc[2], data: Uint16Array.from(out.slice(0, entries)) };
}

function expandIndirect(words: number[], offset: number, count: number): number[] {
  // Indirect segments copy `count` earlier segments starting at a word offset; rare, decoded simply.
  const out: number[] = [];
  for (let i = offset, s = 0; s < count && i < words.length; s++) {
    const len = words[i + 1];
    if (words[i] === 0) out.push(...words.slice(i + 2, i + 2 + len));
    i += words[i] === 0 ? 2 + len : words[i] === 1 ? 3 : 4;
  }
  return out;
}
