/**
 * The MappingContext (spec section 1) for one study, from configuration.
 *
 * Patient identifier systems: a configured `patientIdSystems[issuer]` wins;
 * any other Issuer of Patient ID (0010,0021) gets `urn:dicom:patient-id:<issuer>`
 * and an instance without one `defaultPatientIdSystem`, by default
 * `urn:dicom:patient-id:default`. So every Patient is keyed out of the box,
 * and two issuers' identical PatientIDs never meet in one Patient.
 */
import type { DicomDataset } from '../../mappings/dicom-json.js';
import { str } from '../../mappings/dicom-json.js';
import type { MappingContext } from '../../mappings/index.js';
import { TAG } from '../../mappings/tags.js';

export interface FhirMappingSettings {
  dicomwebBaseUrl: string;
  identifierBase: string;
  canonicalBase: string;
  patientIdSystems: Record<string, string>;
  defaultPatientIdSystem: string;
  accessionNumberSystem?: string;
  localCodingSchemes: Record<string, string>;
  defaultTimezone?: string;
  mode: 'identified' | 'deidentified';
  pseudonymSecret?: string;
  conditionMinReportStatus: 'preliminary' | 'final';
  conditionVerificationStatus: 'provisional' | 'confirmed' | 'unconfirmed' | 'differential';
  emitServiceRequestRef: boolean;
}

export const PATIENT_ID_SYSTEM_PREFIX = 'urn:dicom:patient-id:';

/** `urn:dicom:patient-id:<issuer>`, the issuer percent-encoded so any value yields a valid URI. */
export function issuerSystem(issuer: string): string {
  return PATIENT_ID_SYSTEM_PREFIX + encodeURIComponent(issuer);
}

export function mappingContextFor(s: FhirMappingSettings, datasets: DicomDataset[], now: Date): MappingContext {
  const patientIdSystems = { ...s.patientIdSystems };
  for (const ds of datasets) {
    const issuer = str(ds, TAG.IssuerOfPatientID);
    if (issuer && !(issuer in patientIdSystems)) patientIdSystems[issuer] = issuerSystem(issuer);
  }
  return {
    dicomwebBaseUrl: s.dicomwebBaseUrl,
    identifierBase: s.identifierBase,
    canonicalBase: s.canonicalBase,
    patientIdSystems,
    defaultPatientIdSystem: s.defaultPatientIdSystem,
    accessionNumberSystem: s.accessionNumberSystem,
    localCodingSchemes: s.localCodingSchemes,
    defaultTimezone: s.defaultTimezone,
    mode: s.mode,
    deid: { pseudonymSecret: s.pseudonymSecret },
    condition: { minReportStatus: s.conditionMinReportStatus, verificationStatus: s.conditionVerificationStatus },
    emitServiceRequestRef: s.emitServiceRequestRef,
    now: now.toISOString(),
  };
}
