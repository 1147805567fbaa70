import dcmjs from 'dcmjs';
import type { DicomDataset, DicomElement } from './dicom-json.js';

/**
 * Writes a PS3.10 file header (preamble, File Meta, dataset up to Pixel
 * Data) in Explicit VR Little Endian, for instances the server re-encodes.
 * dcmjs writes string values as UTF-8, so the output declares ISO_IR 192
 * (PS3.5 §6.1.2.5.3): values were decoded with the file's own character set.
 */
const { DicomDict } = dcmjs.data;
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

export function writeHeader(meta: DicomDataset, dataset: DicomDataset): Buffer {
  const m = toDcmjs({ ...meta, '00020010': { vr: 'UI', Value: [EXPLICIT_LE] } });
  delete m['00020000']; // dcmjs computes the group length
  const dict = new DicomDict(m);
  const ds = toDcmjs(dataset);
  delete ds['7FE00010'];
  if (hasText(dataset)) ds['00080005'] = { vr: 'CS', Value: ['ISO_IR 192'] };
  dict.dict = ds;
  return Buffer.from(dict.write({ allowInvalidVRLength: true }));
}

/** The 12-byte element header of a defined-length Pixel Data value (PS3.5 §7.1.2). */
export function pixelDataHeader(vr: 'OB' | 'OW', length: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(0x7fe0, 0);
  b.writeUInt16LE(0x0010, 2);
  b.write(vr, 4, 'latin1');
  b.writeUInt32LE(length + (length % 2), 8);
  return b;
}

/** Our DICOM JSON keeps empty values as null (PS3.18 §F.2.5); dcmjs wants empty strings. */
function toDcmjs(ds: DicomDataset): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [tag, el] of Object.entries(ds)) out[tag] = element(el);
  return out;
}

function element(el: DicomElement): Record<string, unknown> {
  if (!el.Value) return { vr: el.vr, Value: [] };
  if (el.vr === 'SQ') return { vr: 'SQ', Value: el.Value.map((item) => toDcmjs((item ?? {}) as DicomDataset)) };
  return { vr: el.vr, Value: el.Value.map((v) => (v === null ? '' : v)) };
}

function hasText(ds: DicomDataset): boolean {
  return Object.values(ds).some((el) => el.Value?.some((v) => (typeof v === 'string' && /[^\x00-\x7f]/.test(v))
    || (el.vr === 'PN' && v && typeof v === 'object' && /[^\x00-\x7f]/.test(JSON.stringify(v)))
    || (el.vr === 'SQ' && v && typeof v === 'object' && hasText(v as DicomDataset))));
}
