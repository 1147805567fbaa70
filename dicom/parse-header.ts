import dcmjs from 'dcmjs';
import type { DicomDataset, DicomValue } from './dicom-json.js';

/**
 * Reads the PS3.10 header (File Meta + dataset up to Pixel Data) from the
 * first bytes of a file with dcmjs. The only place that knows dcmjs's reader.
 */
const { DicomMessage, ReadBufferStream, DeflatedReadBufferStream } = dcmjs.data;
// dcmjs logs warnings that can quote attribute values (PHI); it must never write to our logs.
dcmjs.log.disableAll();
// Named loggers keep their own level; the validation one quotes VRs of every odd element.
dcmjs.log.getLogger('validation.dcmjs').disableAll();

const PIXEL_DATA = '7FE00010';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';

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
 * the caller should supply more bytes. Throws when the data is not parseable.
 */
export function parseHeader(bytes: Uint8Array, complete: boolean): ParsedHeader | undefined {
  if (!hasPart10Prefix(bytes)) {
    if (!complete && bytes.length < 132) return undefined;
    throw new NotDicomError('not a DICOM PS3.10 file: no "DICM" prefix after the 128-byte preamble');
  }
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return readPart10(ab, complete, false);
  } catch (err) {
    if (!complete && isEndOfData(err)) return undefined;
    // Character sets dcmjs cannot decode (e.g. ISO 2022 code extensions) are not
    // a reason to refuse an instance; read leniently and keep going.
    if (/character set/i.test(String((err as Error)?.message))) {
      const lenient = readPart10(ab, complete, true);
      if (lenient && (lenient.reachedPixelData || complete)) return lenient;
      return undefined;
    }
    throw err;
  }
}

function isEndOfData(err: unknown): boolean {
  return err instanceof RangeError || /out of bounds|out of range|beyond|end of|more than currently allocated|past end of input/i.test(String((err as Error)?.message));
}

function readPart10(ab: ArrayBuffer, complete: boolean, ignoreErrors: boolean): ParsedHeader | undefined {
  let stream = new ReadBufferStream(ab, null, { noCopy: true });
  stream.reset();
  stream.increment(132);
  const meta = readMeta(stream);
  const tsUid = String(meta['00020010']?.Value?.[0] ?? '').replace(/\0/g, '').trim();
  if (!tsUid) throw new NotDicomError('File Meta Information has no Transfer Syntax UID (0002,0010)');
  if (tsUid === DEFLATED) {
    // Deflate needs the whole remainder (PS3.5 §A.5); headers of deflated files are read only when complete.
    if (!complete) return undefined;
    stream = new DeflatedReadBufferStream(stream, { noCopy: true });
  }
  const syntax = [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE].includes(tsUid) ? tsUid : EXPLICIT_LE;
  const dict = DicomMessage._read(stream, syntax, {
    ignoreErrors,
    untilTag: PIXEL_DATA,
    includeUntilTagValue: false,
  }) as DicomDataset;
  const reachedPixelData = PIXEL_DATA in dict;
  if (!reachedPixelData && !complete) return undefined;
  delete dict[PIXEL_DATA];
  const pixel = reachedPixelData && tsUid !== DEFLATED ? pixelDataElement(ab, stream.offset, syntax) : undefined;
  if (reachedPixelData && tsUid !== DEFLATED && !pixel) {
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

function readMeta(stream: any): DicomDataset {
  const start = stream.offset;
  const first = DicomMessage._readTag(stream, EXPLICIT_LE);
  if (first.tag.toCleanString() === '00020000') {
    const metaStream = stream.more(first.values[0]);
    return stripInternal(DicomMessage._read(metaStream, EXPLICIT_LE, {}));
  }
  // Group length missing: read group 0002 elements until the dataset starts.
  stream.offset = start;
  return stripInternal(
    DicomMessage._read(stream, EXPLICIT_LE, { untilTag: '00030000', stopOnGreaterTag: true, ignoreErrors: true }),
  );
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
