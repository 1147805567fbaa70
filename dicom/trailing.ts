import type { DicomDataset } from './dicom-json.js';
import type { RangeReader } from './encapsulated.js';
import { parseHeader } from './parse-header.js';

/**
 * Elements stored after Pixel Data (private groups above 7FE0, e.g. GE's
 * or Philips' trailing groups): read by parsing the file's own preamble and
 * File Meta followed by the bytes after Pixel Data, so they reach metadata
 * like every other element. Data Set Trailing Padding (FFFC,FFFC) is dropped.
 */
const MAX_TRAILING = 4 * 1024 * 1024;

export async function readTrailing(read: RangeReader, size: number, pixelEnd: number): Promise<DicomDataset> {
  if (pixelEnd >= size || size - pixelEnd > MAX_TRAILING) return {};
  const head = await read(0, Math.min(size, 64 * 1024));
  const meta = head.subarray(0, metaEnd(head));
  const tail = await read(pixelEnd, size);
  try {
    const parsed = parseHeader(Buffer.concat([meta, tail]), true);
    const ds = parsed?.dataset ?? {};
    delete ds['FFFCFFFC'];
    return ds;
  } catch {
    return {}; // trailing bytes that do not parse (padding, garbage) carry nothing to report
  }
}

/** Offset of the first dataset byte: File Meta elements are group 0002, Explicit VR LE (PS3.10 §7.1). */
export function metaEnd(b: Buffer): number {
  let pos = 132;
  while (pos + 8 <= b.length && b.readUInt16LE(pos) === 0x0002) {
    const vr = b.toString('latin1', pos + 4, pos + 6);
    const long = ['OB', 'OW', 'OF', 'SQ', 'UN', 'UT', 'UC', 'UR', 'OD', 'OL', 'OV'].includes(vr);
    pos += long ? 12 + b.readUInt32LE(pos + 8) : 8 + b.readUInt16LE(pos + 6);
  }
  return pos;
}
