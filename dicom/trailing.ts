import dcmjs from 'dcmjs';
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

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const ITEM_DELIMITER = 0xe0ddfffe; // (FFFE,E0DD) read as one little-endian uint32
const COPY_CHUNK = 1024 * 1024;

/**
 * Where the elements after encapsulated Pixel Data start: after the Sequence
 * Delimitation Item that follows the last fragment (PS3.5 §A.4), or
 * undefined when that item is not where it should be (nothing is carried).
 */
export async function afterEncapsulated(read: RangeReader, size: number, lastFragmentEnd: number): Promise<number | undefined> {
  if (lastFragmentEnd + 8 > size) return undefined;
  const b = await read(lastFragmentEnd, lastFragmentEnd + 8);
  return b.length === 8 && b.readUInt32LE(0) === ITEM_DELIMITER ? lastFragmentEnd + 8 : undefined;
}

/**
 * The elements after Pixel Data of a re-encoded instance (trailing private
 * groups, Digital Signatures Sequence (FFFA,FFFA), Data Set Trailing Padding
 * (FFFC,FFFC)): kept, not dropped. Stored as Explicit VR Little Endian (every
 * encapsulated syntax, PS3.5 §A.4) they are copied byte for byte in chunks;
 * Implicit VR or Big Endian ones are converted with dcmjs (at most
 * MAX_TRAILING bytes: see `trailingConvertible`).
 */
export async function* trailingExplicitLe(read: RangeReader, size: number, start: number, tsUid: string): AsyncGenerator<Buffer> {
  if (start >= size) return;
  if (tsUid === EXPLICIT_LE || !NATIVE_SYNTAXES.has(tsUid)) {
    for (let pos = start; pos < size; pos += COPY_CHUNK) yield await read(pos, Math.min(size, pos + COPY_CHUNK));
    return;
  }
  if (!trailingConvertible(size, start, tsUid)) return;
  yield convert(await read(start, size), tsUid);
}

const NATIVE_SYNTAXES = new Set(['1.2.840.10008.1.2', EXPLICIT_LE, '1.2.840.10008.1.2.2']);

/** False when trailing elements in Implicit VR / Big Endian are too large to convert in memory. */
export function trailingConvertible(size: number, start: number, tsUid: string): boolean {
  return tsUid === EXPLICIT_LE || !NATIVE_SYNTAXES.has(tsUid) || size - start <= MAX_TRAILING;
}

/** Reads the elements in their syntax and writes them in Explicit VR Little Endian (values as read: VRs from the dictionary for implicit ones). */
function convert(tail: Buffer, tsUid: string): Buffer {
  const { DicomMessage, ReadBufferStream, DicomDict } = dcmjs.data;
  const ab = tail.buffer.slice(tail.byteOffset, tail.byteOffset + tail.byteLength) as ArrayBuffer;
  const dict = privateCreatorsAsLo(DicomMessage._read(new ReadBufferStream(ab), tsUid, { ignoreErrors: true }));
  const meta = { '00020010': { vr: 'UI', Value: [EXPLICIT_LE] } };
  const prefix = Buffer.from(new DicomDict(meta).write()).length; // preamble, "DICM" and this File Meta
  const whole = new DicomDict(meta);
  whole.dict = dict;
  return Buffer.from(whole.write({ allowInvalidVRLength: true })).subarray(prefix);
}

/**
 * Private Creator elements (gggg,0010-00FF of an odd group) are LO (PS3.5
 * §7.8.1); read from Implicit VR, dcmjs takes (7FE1,0010) for the retired
 * Variable Pixel Data (7Fxx,0010) OW.
 */
function privateCreatorsAsLo(dict: Record<string, any>): Record<string, any> {
  for (const [tag, el] of Object.entries(dict)) {
    const group = parseInt(tag.slice(0, 4), 16);
    const element = parseInt(tag.slice(4), 16);
    if (group % 2 === 0 || element < 0x10 || element > 0xff || el.vr === 'LO') continue;
    const raw = el.Value?.[0];
    const text = raw instanceof ArrayBuffer ? Buffer.from(raw).toString('latin1') : String(raw ?? '');
    dict[tag] = { vr: 'LO', Value: [text.replace(/[\0 ]+$/, '')] };
  }
  return dict;
}
