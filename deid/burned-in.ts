import type { Dataset } from './deidentify-dataset.js';

/**
 * Header-only de-identification cannot remove text burned into the pixels
 * (PS3.15 §E.3.1, Clean Pixel Data Option, is not implemented). Instances
 * likely to carry such text are flagged, never reported as clean:
 * Burned In Annotation (0028,0301) = YES, ultrasound (operators type patient
 * data on the screen) and Secondary Capture (screenshots).
 */
export type BurnedInReason = 'burned-in-annotation-yes' | 'ultrasound' | 'secondary-capture';

const SECONDARY_CAPTURE = /^1\.2\.840\.10008\.5\.1\.4\.1\.1\.7(\.\d+)?$/;

export function burnedInRisk(ds: Dataset): BurnedInReason[] {
  const reasons: BurnedInReason[] = [];
  if (text(ds, '00280301')?.toUpperCase() === 'YES') reasons.push('burned-in-annotation-yes');
  if (text(ds, '00080060')?.toUpperCase() === 'US') reasons.push('ultrasound');
  if (SECONDARY_CAPTURE.test(text(ds, '00080016') ?? '')) reasons.push('secondary-capture');
  return reasons;
}

function text(ds: Dataset, tag: string): string | undefined {
  const el = ds[tag];
  const v = (Array.isArray(el?._rawValue) ? el._rawValue[0] : undefined) ?? el?.Value?.[0];
  return typeof v === 'string' ? v.replace(/[\0\s]+$/, '').trim() : undefined;
}
