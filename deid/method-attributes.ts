import type { Dataset } from './deidentify-dataset.js';
import { BASIC_PROFILE_CODE, OPTION_CODE, enabledOptions, type CodedConcept, type DeidOptions } from './profile/options.js';

/**
 * The attributes that record what was done (PS3.15 §E.1.1 items 6-8 and
 * PS3.3 C.7.1.1): Patient Identity Removed, De-identification Method and
 * its Code Sequence (codes of CID 7050), and Longitudinal Temporal
 * Information Modified (PS3.3 C.7.6.1, used by the temporal options).
 */
export const DEID_METHOD_PREFIX = 'DICOMweb-FHIR server PS3.15 E.1';

export const PATIENT_IDENTITY_REMOVED = '00120062';
export const DEIDENTIFICATION_METHOD = '00120063';

/**
 * The method attributes for this run, merged with those of an earlier
 * de-identification of the same instance (another tool's, e.g. TCIA's):
 * PS3.15 §E.1.1 records every method applied, so earlier values and codes
 * are kept and ours added; an earlier date modification is not undone.
 */
export function methodAttributes(options: DeidOptions, previous: Dataset = {}): Dataset {
  const codes: CodedConcept[] = [BASIC_PROFILE_CODE, ...enabledOptions(options).map((o) => OPTION_CODE[o])];
  const oldMethods = (previous[DEIDENTIFICATION_METHOD]?.Value ?? []).filter((v): v is string => typeof v === 'string' && v !== '');
  const oldItems = (previous['00120064']?.Value ?? []).filter((v): v is Dataset => !!v && typeof v === 'object');
  const oldCodes = new Set(oldItems.map((i) => String(i['00080100']?.Value?.[0] ?? '')));
  return {
    [PATIENT_IDENTITY_REMOVED]: { vr: 'CS', Value: ['YES'] },
    // LO values are at most 64 characters (PS3.5 §6.2): one value per component.
    [DEIDENTIFICATION_METHOD]: { vr: 'LO', Value: [...oldMethods, DEID_METHOD_PREFIX, ...codes.map((c) => c.meaning.slice(0, 64))] },
    '00120064': {
      vr: 'SQ',
      Value: [...oldItems, ...codes.filter((c) => !oldCodes.has(c.value)).map((c) => ({
        '00080100': { vr: 'SH', Value: [c.value] },
        '00080102': { vr: 'SH', Value: [c.scheme] },
        '00080104': { vr: 'LO', Value: [c.meaning] },
      }))],
    },
    '00280303': { vr: 'CS', Value: [temporalState(options, previous['00280303']?.Value?.[0])] },
  };
}

/** REMOVED > MODIFIED > UNMODIFIED: the state of the dates after every step so far. */
function temporalState(o: DeidOptions, previous: unknown): string {
  const ours = o.retainLongitudinalFullDates ? 'UNMODIFIED' : o.retainLongitudinalModifiedDates ? 'MODIFIED' : 'REMOVED';
  const rank = ['UNMODIFIED', 'MODIFIED', 'REMOVED'];
  const before = typeof previous === 'string' ? previous.trim().toUpperCase() : '';
  return rank.indexOf(before) > rank.indexOf(ours) ? before : ours;
}

/** True when a dataset was de-identified by this server (so it must not be de-identified twice). */
export function isDeidentifiedByUs(ds: Dataset): boolean {
  const removed = ds[PATIENT_IDENTITY_REMOVED]?.Value?.[0];
  return removed === 'YES' && (ds[DEIDENTIFICATION_METHOD]?.Value ?? []).includes(DEID_METHOD_PREFIX);
}
