import dcmjs from 'dcmjs';
import { constants, inflateRawSync } from 'node:zlib';
import { DEFAULT_DATASET_LIMITS, DatasetLimitError, type DatasetLimits } from './dataset-limits.js';
import type { DicomDataset, DicomValue } from './dicom-json.js';
import { withDefinedLengths } from './defined-lengths.js';
import { scanDataset, scanMeta } from './element-scan.js';

/**
 * Reads the PS3.10 header (File Meta + dataset up to Pixel Data) from the
 * first bytes of a file with dcmjs. The only place that knows dcmjs's reader.
 */
const { DicomMessage, ReadBufferStream } = dcmjs.data;
// dcmjs logs warnings that can quote attribute values (PHI); it must never write to our logs.
dcmjs.log.disableAll();
// Named loggers keep their own level; the validation one quotes VRs of every odd element.
dcmjs.log.getLogger('validation.dcmjs').disableAll();

const PIXEL_DATA = '7FE00010';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
/** File Meta Information holds a few UIDs and names (PS3.10 §7.1); more than this is a corrupt length. */
const MAX_META_BYTES = 1024 * 1024;

export interface ParsedHeader {
  meta: DicomDataset;
  dataset: DicomDataset;
  transferSyntaxUid: string;
  /** True when Pixel Data was reached (its value was not read). */
  reachedPixelData: boolean;
  /** Where the Pixel Data value starts in the file, when reached. */
  pixelDataValueOffset?: number;
  /** Declared Pixel Data length; undefined for undefined length (encapsulated) or when not reached. */
  pixelDataLength?: number;
}

export class NotDicomError extends Error {}

/** True when the bytes start with the 128-byte preamble and "DICM" (PS3.10 §7.1). */
export function hasPart10Prefix(head: Uint8Array): boolean {
  return head.length >= 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d;
}

/**
 * Parses `bytes` (a prefix of the file, or the whole file when `complete`).
 * Returns undefined when the prefix ends before Pixel Data and the file is longer:
 * the caller should supply more bytes. Throws when the data is not parseable,
 * and DatasetLimitError when reading it would cost more than `limits` allow
 * (checked by element-scan.ts before dcmjs reads anything).
 */
export function parseHeader(bytes: Uint8Array, complete: boolean, limits: DatasetLimits = DEFAULT_DATASET_LIMITS): ParsedHeader | undefined {
  if (!hasPart10Prefix(bytes)) {
    if (!complete && bytes.length < 132) return undefined;
    throw new NotDicomError('not a DICOM PS3.10 file: no "DICM" prefix after the 128-byte preamble');
  }
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return readPart10(ab, complete, false, limits);
  } catch (err) {
    if (err instanceof DatasetLimitError || err instanceof NotDicomError) throw err;
    if (!complete && isEndOfData(err)) return undefined;
    // Character sets dcmjs cannot decode (e.g. ISO 2022 code extensions) are not
    // a reason to refuse an instance; read leniently and keep going.
    if (/character set/i.test(String((err as Error)?.message))) {
      const lenient = readPart10(ab, complete, true, limits);
      if (lenient && (lenient.reachedPixelData || complete)) return lenient;
      return undefined;
    }
    throw err;
  }
}

/**
 * Inflates a deflated dataset (PS3.5 §A.5) with a cap on the output, so a
 * small body cannot expand without bound (dcmjs would inflate it whole with
 * pako). A truncated stream yields what it holds, as pako would.
 */
function inflateDataset(deflated: Uint8Array, limits: DatasetLimits): Uint8Array {
  try {
    return inflateRawSync(deflated, { maxOutputLength: limits.inflatedBytes.max, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DatasetLimitError(limits.inflatedBytes, 'the deflated dataset inflates to more bytes');
    }
    throw new NotDicomError(`the deflated dataset cannot be inflated: ${(err as Error).message}`);
  }
}

function isEndOfData(err: unknown): boolean {
  return err instanceof RangeError || /out of bounds|out of range|beyond|end of|more than currently allocated|past end of input/i.test(String((err as Error)?.message));
}

function readPart10(ab: ArrayBuffer, complete: boolean, ignoreErrors: boolean, limits: DatasetLimits): ParsedHeader | undefined {
  const metaScan = scanMeta(new Uint8Array(ab), 132, MAX_META_BYTES);
  if (metaScan.kind === 'need-more') {
    if (!complete) return undefined;
    throw new NotDicomError('the file ends inside the File Meta Information');
  }
  if (metaScan.kind === 'unreadable') throw new NotDicomError(`the File Meta Information cannot be read: ${metaScan.reason}`);
  const meta = readMeta(ab, metaScan.end);
  const tsUid = String(meta['00020010']?.Value?.[0] ?? '').replace(/\0/g, '').trim();
  if (!tsUid) throw new NotDicomError('File Meta Information has no Transfer Syntax UID (0002,0010)');
  let bytes: Uint8Array = new Uint8Array(ab);
  let start = metaScan.end;
  if (tsUid === DEFLATED) {
    // Deflate needs the whole remainder (PS3.5 §A.5); headers of deflated files are read only when complete.
    if (!complete) return undefined;
    bytes = inflateDataset(bytes.subarray(start), limits);
    start = 0;
  }
  const syntax = [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE].includes(tsUid) ? tsUid : EXPLICIT_LE;
  const scan = scanDataset(bytes, start, { implicit: syntax === IMPLICIT_LE, littleEndian: syntax !== EXPLICIT_BE }, limits);
  if (scan.kind === 'need-more' || (scan.kind === 'end' && !complete)) {
    if (!complete) return undefined; // more bytes may bring more of the header (or Pixel Data)
    throw new NotDicomError('the file ends inside the dataset');
  }
  if (scan.kind === 'unreadable') throw new NotDicomError(`the dataset cannot be read: ${scan.reason}`);
  // dcmjs reads up to and including the Pixel Data tag; give it that much, with item lengths written in.
  const until = scan.kind === 'pixel-data' ? Math.min(scan.at + 4, bytes.length) : bytes.length;
  const readable = withDefinedLengths(bytes, until, scan.layout, syntax !== EXPLICIT_BE);
  const stream = new ReadBufferStream(readable.buffer, null, {
    noCopy: true, start: readable.byteOffset + start, stop: readable.byteOffset + Math.min(readable.length, until),
  });
  const dict = DicomMessage._read(stream, syntax, {
    ignoreErrors,
    untilTag: PIXEL_DATA,
    includeUntilTagValue: false,
  }) as DicomDataset;
  const reachedPixelData = PIXEL_DATA in dict;
  if (!reachedPixelData && !complete) return undefined;
  delete dict[PIXEL_DATA];
  const pixel = scan.kind === 'pixel-data' && tsUid !== DEFLATED ? pixelDataElement(ab, scan.at + 4, syntax) : undefined;
  if (scan.kind === 'pixel-data' && tsUid !== DEFLATED && !pixel) {
    if (!complete) return undefined;
    throw new Error('file ends inside the Pixel Data element header');
  }
  return {
    meta,
    dataset: stripInternal(dict),
    transferSyntaxUid: tsUid,
    reachedPixelData,
    pixelDataValueOffset: pixel?.valueOffset,
    pixelDataLength: pixel?.length,
  };
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/**
 * dcmjs stops right after the Pixel Data tag; read its VR/length here
 * (PS3.5 §7.1.2 explicit, §7.1.3 implicit) to know where the value lies.
 */
function pixelDataElement(ab: ArrayBuffer, afterTag: number, syntax: string): { valueOffset: number; length?: number } | undefined {
  const view = new DataView(ab);
  const little = syntax !== EXPLICIT_BE;
  if (syntax === IMPLICIT_LE) {
    if (afterTag + 4 > ab.byteLength) return undefined;
    return withLength(afterTag + 4, view.getUint32(afterTag, true));
  }
  if (afterTag + 8 > ab.byteLength) return undefined;
  const vr = String.fromCharCode(view.getUint8(afterTag), view.getUint8(afterTag + 1));
  if (LONG_VRS.has(vr)) return withLength(afterTag + 8, view.getUint32(afterTag + 4, little));
  return withLength(afterTag + 4, view.getUint16(afterTag + 2, little));
}

function withLength(valueOffset: number, length: number) {
  return { valueOffset, length: length === 0xffffffff ? undefined : length };
}

/**
 * The File Meta Information, read from exactly its own bytes (as scanned):
 * elements of group 0002 up to the dataset, whatever its Group Length says
 * (writers get it wrong, and dcmjs would read past it).
 */
function readMeta(ab: ArrayBuffer, end: number): DicomDataset {
  const stream = new ReadBufferStream(ab.slice(132, end));
  const meta = stripInternal(DicomMessage._read(stream, EXPLICIT_LE, { ignoreErrors: true }));
  delete meta['00020000']; // the group length describes the bytes read, not the instance
  return meta;
}

/**
 * dcmjs attaches raw values and accessors; keep plain DICOM JSON only. Empty
 * values follow PS3.18 §F.2.5: an element with no value has no "Value", and an
 * empty item of a multi-valued element is null.
 */
function stripInternal(dict: Record<string, any>): DicomDataset {
  const out: DicomDataset = {};
  for (const [tag, el] of Object.entries(dict)) {
    // dcmjs deletes every non [0-9.] character from UI values, which would turn an
    // invalid UID into a different valid-looking one; keep what the file says.
    const source = el.vr === 'UI' && Array.isArray(el._rawValue) ? el._rawValue : el.Value;
    const values = Array.isArray(source) ? source.map((v: unknown) => cleanValue(v, el.vr)) : [];
    out[tag] = values.some((v: unknown) => v !== null) ? { vr: el.vr, Value: values as DicomValue[] } : { vr: el.vr };
  }
  return out;
}

function cleanValue(v: unknown, vr: string): unknown {
  if (vr === 'SQ' && typeof v === 'object' && v !== null) return stripInternal(v as Record<string, any>);
  if (vr === 'UI' && typeof v === 'string') v = v.replace(/[\0\s]+$/, '');
  if (v === '' || v === undefined) return null;
  if (vr === 'PN' && typeof v === 'object' && v !== null && !Object.values(v).some((g) => g)) return null;
  return v;
}
