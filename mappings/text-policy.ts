/**
 * Free-text and person-name release policy for de-identified mode (spec 3.3, after
 * PS3.15 Annex E): descriptions, reason text, SR TEXT and conclusions are withheld
 * unless the source itself is already de-identified and the site allows it.
 */
import type { ResolvedContext } from './context.js';
import { type DicomDataset, code } from './dicom-json.js';
import { TAG } from './tags.js';

export function allowFreeText(cfg: ResolvedContext, ds: DicomDataset): boolean {
  if (!cfg.deidentified) return true;
  return cfg.deid.allowSourceDeidentifiedText && code(ds, TAG.PatientIdentityRemoved) === 'YES';
}

/** Person names (performers, observers, interpreters) are never released in de-identified mode. */
export function allowPersonNames(cfg: ResolvedContext): boolean {
  return !cfg.deidentified;
}
