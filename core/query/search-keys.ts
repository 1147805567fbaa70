import { resolveTag, vrOf } from '../../dicom/dictionary.js';
import { Tag } from '../../dicom/tags.js';

/**
 * The attributes the index can match on, and how (PS3.4 §C.2.2.2, PS3.18 §10.6.1.2).
 * `level` is where the attribute belongs; it is denormalised to lower levels.
 * `rollup` attributes are also collected upwards (e.g. a study matches
 * BodyPartExamined=KNEE when any of its series does).
 */
export type MatchKind = 'uid' | 'exact' | 'ci' | 'pn' | 'date' | 'time';
export type Level = 'study' | 'series' | 'instance';

export interface SearchKey {
  keyword: string;
  tag: string;
  level: Level;
  kind: MatchKind;
  rollup?: boolean;
}

const k = (keyword: string, tag: string, level: Level, kind: MatchKind, rollup = false): SearchKey => ({
  keyword, tag, level, kind, rollup,
});

export const BUILTIN_SEARCH_KEYS: SearchKey[] = [
  // Study level (PS3.18 Table 10.6.1-5 required matching keys, plus patient keys)
  k('StudyInstanceUID', Tag.StudyInstanceUID, 'study', 'uid'),
  k('StudyDate', Tag.StudyDate, 'study', 'date'),
  k('StudyTime', Tag.StudyTime, 'study', 'time'),
  k('AccessionNumber', Tag.AccessionNumber, 'study', 'exact'),
  k('ReferringPhysicianName', Tag.ReferringPhysicianName, 'study', 'pn'),
  k('PatientName', Tag.PatientName, 'study', 'pn'),
  k('PatientID', Tag.PatientID, 'study', 'exact'),
  k('IssuerOfPatientID', Tag.IssuerOfPatientID, 'study', 'exact'),
  k('PatientBirthDate', Tag.PatientBirthDate, 'study', 'date'),
  k('PatientSex', Tag.PatientSex, 'study', 'exact'),
  k('StudyID', Tag.StudyID, 'study', 'exact'),
  k('StudyDescription', Tag.StudyDescription, 'study', 'ci'),
  // Computed from every series' Modality (see computeTerms), matched at study level only.
  k('ModalitiesInStudy', Tag.ModalitiesInStudy, 'study', 'exact'),
  // Series level
  k('SeriesInstanceUID', Tag.SeriesInstanceUID, 'series', 'uid'),
  k('Modality', Tag.Modality, 'series', 'exact', true),
  k('SeriesNumber', Tag.SeriesNumber, 'series', 'exact'),
  k('SeriesDate', Tag.SeriesDate, 'series', 'date'),
  k('SeriesDescription', Tag.SeriesDescription, 'series', 'ci', true),
  k('PerformedProcedureStepStartDate', Tag.PerformedProcedureStepStartDate, 'series', 'date'),
  k('PerformedProcedureStepStartTime', Tag.PerformedProcedureStepStartTime, 'series', 'time'),
  // Sequence matching keys of PS3.18 Table 10.6.1-5 (series level): any item of the sequence may match.
  k('RequestAttributesSequence.ScheduledProcedureStepID', '00400275.00400009', 'series', 'exact'),
  k('RequestAttributesSequence.RequestedProcedureID', '00400275.00401001', 'series', 'exact'),
  k('BodyPartExamined', Tag.BodyPartExamined, 'series', 'ci', true),
  k('Laterality', Tag.Laterality, 'series', 'exact', true),
  k('ProtocolName', Tag.ProtocolName, 'series', 'ci', true),
  k('StationName', Tag.StationName, 'series', 'ci', true),
  k('Manufacturer', Tag.Manufacturer, 'series', 'ci', true),
  k('ManufacturerModelName', Tag.ManufacturerModelName, 'series', 'ci', true),
  k('InstitutionName', Tag.InstitutionName, 'series', 'ci', true),
  // Instance level
  k('SOPInstanceUID', Tag.SOPInstanceUID, 'instance', 'uid'),
  k('SOPClassUID', Tag.SOPClassUID, 'instance', 'uid'),
  k('InstanceNumber', Tag.InstanceNumber, 'instance', 'exact'),
  k('ContrastBolusAgent', Tag.ContrastBolusAgent, 'instance', 'ci', true),
];

/**
 * An attribute or a sequence matching path (PS3.18 §8.3.4.1, PS3.4
 * §C.2.2.2.6), by keyword or tag: "PatientID", "00100020",
 * "RequestAttributesSequence.ScheduledProcedureStepID", "00400275.00400009".
 * One level of sequence; the tag path joined by "." or undefined.
 */
export function resolveAttributePath(name: string): string | undefined {
  const parts = name.split('.');
  if (parts.length > 2) return undefined;
  const tags = parts.map((p) => resolveTag(p));
  if (tags.some((t) => !t)) return undefined;
  if (tags.length === 2 && vrOf(tags[0]!) !== 'SQ') return undefined;
  return tags.join('.');
}

/** Derived, non-DICOM keys: "has contrast" (ContrastBolusAgent present) and ModalitiesInStudy. */
export const HAS_CONTRAST = 'HasContrast';
export const MODALITIES_IN_STUDY = 'ModalitiesInStudy';

export const LEVEL_RANK: Record<Level, number> = { study: 0, series: 1, instance: 2 };

export class SearchKeyRegistry {
  private readonly byKeyword = new Map<string, SearchKey>();
  private readonly byTag = new Map<string, SearchKey>();

  constructor(keys: SearchKey[]) {
    for (const key of keys) {
      this.byKeyword.set(key.keyword, key);
      this.byTag.set(key.tag, key);
    }
  }

  all(): SearchKey[] {
    return [...this.byKeyword.values()];
  }

  byTagOrKeyword(id: string): SearchKey | undefined {
    return this.byKeyword.get(id) ?? this.byTag.get(id.toUpperCase());
  }
}
