import type { DicomDataset } from '../dicom-json.js';

/**
 * The attributes that apply to one frame: the top level, then the Shared
 * and Per-Frame Functional Groups (PS3.3 §C.7.6.16), each functional group
 * macro's item flattened in (e.g. Pixel Value Transformation and Frame VOI
 * LUT of enhanced CT/MR carry rescale and window per frame).
 */
export function frameAttributes(ds: DicomDataset, frameIndex: number): DicomDataset {
  const shared = ds['52009229']?.Value?.[0] as DicomDataset | undefined;
  const perFrame = ds['52009230']?.Value?.[frameIndex] as DicomDataset | undefined;
  return { ...ds, ...flatten(shared), ...flatten(perFrame) };
}

function flatten(group: DicomDataset | undefined): DicomDataset {
  const out: DicomDataset = {};
  if (!group) return out;
  for (const el of Object.values(group)) {
    const item = el.vr === 'SQ' ? (el.Value?.[0] as DicomDataset | undefined) : undefined;
    if (item) Object.assign(out, item);
  }
  return out;
}
