import { binaryOf } from './binary.js';
import type { DicomDataset, DicomElement } from './dicom-json.js';

/**
 * Drops binary values that cannot be real: longer than the file they were
 * read from. dcmjs produces such values when it misreads a sequence encoded
 * as UN with implicit VR content (CP-246, corpus pt/pet-jpegls.dcm); writing
 * or serving them would allocate hundreds of MB of zeros. Returns a copy.
 */
export function dropImpossibleValues(ds: DicomDataset, fileSize: number): DicomDataset {
  const out: DicomDataset = {};
  for (const [tag, el] of Object.entries(ds)) out[tag] = element(el, fileSize);
  return out;
}

function element(el: DicomElement, fileSize: number): DicomElement {
  if (!el.Value) return el;
  if (el.vr === 'SQ') return { ...el, Value: el.Value.map((item) => (item && typeof item === 'object' ? dropImpossibleValues(item as DicomDataset, fileSize) : item)) };
  if (el.Value.some((v) => (binaryOf(v)?.length ?? 0) > fileSize)) return { vr: el.vr };
  return el;
}
