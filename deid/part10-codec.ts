import dcmjs from 'dcmjs';
import type { Dataset } from './deidentify-dataset.js';

/**
 * Reads and writes the header part of a PS3.10 file (preamble, File Meta,
 * dataset up to Pixel Data) with dcmjs, keeping dcmjs's `_rawValue` so that
 * every element the profile leaves alone is written back byte for byte
 * (dcmjs re-emits the raw value when the parsed value is unchanged).
 */
const { DicomMessage, DicomDict } = dcmjs.data;
dcmjs.log.disableAll(); // dcmjs warnings can quote values (PHI)

export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
/** Identifies this server as the writer of de-identified files (PS3.7 D.3.3.2, a 2.25 UID). */
export const IMPLEMENTATION_CLASS_UID = '2.25.195720113406337212305813226839581316433';
export const IMPLEMENTATION_VERSION = 'DWFHIR_DEID_1';

export interface HeaderDict {
  meta: Dataset;
  dict: Dataset;
  /** Elements removed because dcmjs could not decode them (see sanitize). */
  dropped: number;
}

/** Parses `bytes` (a whole file, or a prefix ending right before the Pixel Data tag). */
export function readHeaderDict(bytes: Uint8Array): HeaderDict {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const read = (ignoreErrors: boolean) => DicomMessage.readFile(ab, { ignoreErrors, untilTag: '7FE00010', includeUntilTagValue: false, noCopy: true });
  let dicomDict;
  try {
    dicomDict = read(false);
  } catch (err) {
    // Same leniency as dicom/parse-header.ts: an unsupported character set, or
    // File Meta without its group length, is no reason to refuse an instance.
    if (!/character set|meta length/i.test(String((err as Error)?.message))) throw err;
    dicomDict = read(true);
  }
  const dict = dicomDict.dict as Dataset;
  delete dict['7FE00010'];
  return { meta: dicomDict.meta as Dataset, dict, dropped: sanitize(dict, bytes.length) };
}

/**
 * Two dcmjs weaknesses, handled before anything else sees the dataset:
 * - a sequence written as UN with implicit-VR items (PS3.5 §6.2.2) is
 *   decoded as explicit VR, which yields garbage elements (e.g. a value
 *   "longer" than the whole file). Such an element cannot be checked for
 *   PHI, so it is removed (removal is always allowed by the profile);
 * - binary elements nested in such sequences keep `_rawValue` = [null], which
 *   dcmjs cannot write; binary values are written from `Value` anyway.
 */
const BINARY = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

function sanitize(dict: Dataset, limit: number): number {
  let dropped = 0;
  for (const [tag, el] of Object.entries(dict)) {
    if (garbled(el, limit)) {
      delete dict[tag];
      dropped++;
    }
  }
  return dropped;
}

function garbled(el: Dataset[string], limit: number): boolean {
  if (BINARY.has(el.vr)) {
    delete el._rawValue;
    return (el.Value ?? []).some((v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) && v.byteLength > limit);
  }
  if (el.vr !== 'SQ') return false;
  return (el.Value ?? []).some((item) => item !== null && typeof item === 'object'
    && Object.values(item as Dataset).some((child) => garbled(child, limit)));
}

/**
 * Writes preamble, File Meta and dataset in `transferSyntax` (the source's,
 * so Pixel Data can follow unchanged). File Meta names us as the writer and
 * drops the source's AE titles and private information (PS3.10 §7.1).
 */
export function writeHeader(meta: Dataset, dict: Dataset, transferSyntax: string, sopInstanceUid: string | undefined): Buffer {
  const m: Dataset = {};
  for (const tag of ['00020001', '00020002'] as const) if (meta[tag]) m[tag] = meta[tag];
  m['00020001'] ??= { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] };
  if (sopInstanceUid) m['00020003'] = { vr: 'UI', Value: [sopInstanceUid] };
  else if (meta['00020003']) m['00020003'] = { vr: 'UI', Value: [] };
  m['00020010'] = { vr: 'UI', Value: [transferSyntax] };
  m['00020012'] = { vr: 'UI', Value: [IMPLEMENTATION_CLASS_UID] };
  m['00020013'] = { vr: 'SH', Value: [IMPLEMENTATION_VERSION] };
  const out = new DicomDict(m);
  out.dict = dict;
  return Buffer.from(out.write({ allowInvalidVRLength: true }));
}
