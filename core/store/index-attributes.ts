import type { DicomDataset, DicomElement } from '../../dicom/dicom-json.js';

/**
 * The part of a header kept in the index for QIDO responses: top-level
 * attributes, without bulk data and without large values, so the index stays
 * small and a query reads little. WADO metadata is read from the blob instead.
 */
const BULK_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const MAX_VALUE_JSON = 4096;

export function indexAttributes(ds: DicomDataset): DicomDataset {
  const out: DicomDataset = {};
  for (const [tag, el] of Object.entries(ds)) {
    if (keep(tag, el)) out[tag] = el;
  }
  return out;
}

function keep(tag: string, el: DicomElement): boolean {
  if (BULK_VRS.has(el.vr)) return false;
  if (tag.startsWith('7FE0') || tag.startsWith('0002')) return false;
  if (isPrivate(tag)) return false;
  if (el.Value && JSON.stringify(el.Value).length > MAX_VALUE_JSON) return false;
  return true;
}

function isPrivate(tag: string): boolean {
  return parseInt(tag.slice(3, 4), 16) % 2 === 1;
}
