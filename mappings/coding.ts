/**
 * Coded entries -> FHIR Coding / CodeableConcept (spec 2.1).
 */
import { SRT_TO_SCT } from './data/srt-to-sct.js';
import { inR4DcmEdition } from './data/dcm-r4-edition.js';
import type { DicomCode } from './dicom-json.js';
import type { CodeableConcept, Coding } from './fhir-r4.js';
import type { Issues } from './issues.js';

export const SYSTEM = {
  DCM: 'http://dicom.nema.org/resources/ontology/DCM',
  SCT: 'http://snomed.info/sct',
  SRT: 'http://snomed.info/srt',
  LOINC: 'http://loinc.org',
  UCUM: 'http://unitsofmeasure.org',
  UMLS: 'http://terminology.hl7.org/CodeSystem/umls',
  DICOM_UID: 'urn:dicom:uid',
  RFC3986: 'urn:ietf:rfc:3986',
  V2_0203: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  V2_0074: 'http://terminology.hl7.org/CodeSystem/v2-0074',
  OBS_CATEGORY: 'http://terminology.hl7.org/CodeSystem/observation-category',
  DATA_ABSENT: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
  PARTICIPATION: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  OBSERVATION_VALUE: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  DICOM_IDENTIFIER_TYPE: 'http://hl7.org/fhir/uv/dicom-sr/CodeSystem/dicom-identifier-type',
} as const;

/**
 * Built-in designators. Lookup is case-insensitive because writers disagree on case
 * (e.g. `NCIt`). Language/country designators use the FHIR-defined systems for
 * BCP 47 and ISO 3166 (https://hl7.org/fhir/R4/terminologies-systems.html).
 */
const BUILT_IN: Readonly<Record<string, string>> = {
  DCM: SYSTEM.DCM,
  SCT: SYSTEM.SCT,
  LN: SYSTEM.LOINC,
  UCUM: SYSTEM.UCUM,
  UMLS: SYSTEM.UMLS,
  NCIT: 'http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl',
  RADLEX: 'http://radlex.org',
  RFC5646: 'urn:ietf:bcp:47',
  RFC3066: 'urn:ietf:bcp:47',
  ISO3166_1: 'urn:iso:std:iso:3166',
};

export interface CodingEnv {
  localCodingSchemes: Record<string, string>;
  issues: Issues;
}

/** SRT codes with a known SNOMED CT equivalent are rewritten to SCT (spec 2.1). */
export function normalizeCode(code: DicomCode): DicomCode {
  if (code.scheme?.toUpperCase() !== 'SRT' && code.scheme?.toUpperCase() !== 'SNM3') return code;
  const sct = SRT_TO_SCT[code.value];
  return sct ? { ...code, scheme: 'SCT', value: sct } : code;
}

/** `<DESIGNATOR>:<code>` after SRT translation; the comparison key used for concept names. */
export function conceptKey(code: DicomCode | undefined): string | undefined {
  if (!code) return undefined;
  const n = normalizeCode(code);
  return `${(n.scheme ?? '').toUpperCase()}:${n.value}`;
}

export function isConcept(code: DicomCode | undefined, ...keys: string[]): boolean {
  const k = conceptKey(code);
  return k !== undefined && keys.some((key) => key.toUpperCase() === k.toUpperCase());
}

function systemFor(scheme: string | undefined, env: CodingEnv): string | undefined {
  if (!scheme) return undefined;
  const local = env.localCodingSchemes[scheme];
  if (local) return local;
  return BUILT_IN[scheme.toUpperCase()];
}

/** Coding for a DICOM code, or undefined when its scheme has no system (then only `text` is usable). */
export function toCoding(source: DicomCode | undefined, env: CodingEnv): Coding | undefined {
  if (!source || source.value === '') return undefined;
  const code = normalizeCode(source);
  let system = systemFor(code.scheme, env);
  if (!system && code.scheme?.toUpperCase() === 'SRT') {
    system = SYSTEM.SRT;
    env.issues.warn('SRT_UNTRANSLATED', `SRT code ${code.value} has no known SNOMED CT equivalent`);
  }
  if (!system) {
    env.issues.warn('CODING_SCHEME_UNMAPPED', `Coding scheme '${code.scheme ?? ''}' is not mapped; kept as text`);
    return undefined;
  }
  if (system === SYSTEM.DCM && !inR4DcmEdition(code.value)) {
    env.issues.warn('DCM_CODE_NOT_IN_R4', `DCM code ${code.value} is newer than FHIR R4's DCM CodeSystem; sent without system`);
    return withoutSystem(code.value, code.meaning);
  }
  const coding: Coding = { system, code: code.value };
  if (code.meaning) coding.display = code.meaning;
  return coding;
}

/**
 * R4 treats its DCM CodeSystem as complete, so a newer DCM code under that system is
 * an invalid Coding. Without a system the code and meaning still travel (Coding.system
 * is 0..1) and R4 validators only warn.
 */
function withoutSystem(code: string, display: string | undefined): Coding {
  return display ? { code, display } : { code };
}

/** CodeableConcept with the coding when mappable, else the meaning as text. */
export function toCodeableConcept(code: DicomCode | undefined, env: CodingEnv, text?: string): CodeableConcept | undefined {
  if (!code) return text ? { text } : undefined;
  const coding = toCoding(code, env);
  const cc: CodeableConcept = {};
  if (coding) cc.coding = [coding];
  const t = text ?? (coding ? undefined : code.meaning);
  if (t) cc.text = t;
  return cc.coding || cc.text ? cc : undefined;
}

/** A DCM Coding; codes R4's DCM CodeSystem lacks (e.g. modalities SC, ANN) go without system. */
export function dcmCoding(code: string, display?: string): Coding {
  if (!inR4DcmEdition(code)) return withoutSystem(code, display);
  return display ? { system: SYSTEM.DCM, code, display } : { system: SYSTEM.DCM, code };
}
