/**
 * Patient (spec section 3): identified, placeholder (empty PatientID) and pseudonymised.
 * Patients are only ever conditionally created; the EHR owns demographics.
 */
import { createHmac } from 'node:crypto';
import { SYSTEM } from './coding.js';
import type { ResolvedContext } from './context.js';
import type { DateEnv } from './datetime.js';
import { type DicomDataset, code, dateOf, item, personName, str } from './dicom-json.js';
import type { Identifier, Patient } from './fhir-r4.js';
import { type ResourceKey, fullUrlFor, provenanceMeta, studyUrl } from './identifiers.js';
import type { Issues } from './issues.js';
import type { StudyIndex } from './study-index.js';
import { TAG } from './tags.js';

export interface MappedPatient {
  resource: Patient;
  key: ResourceKey;
  fullUrl: string;
}

const GENDER: Readonly<Record<string, Patient['gender']>> = { M: 'male', F: 'female', O: 'other' };

/** Issuer (Universal Entity ID by type, PS3.3 C.12.1.1.5 / 10.14) -> identifier system (spec 3.1). */
export function universalEntitySystem(issuer: DicomDataset | undefined): string | undefined {
  const id = str(issuer, TAG.UniversalEntityID);
  const type = code(issuer, TAG.UniversalEntityIDType);
  if (!id) return undefined;
  if (type === 'URI' || type === 'URL') return id;
  if (type === 'ISO') return id.startsWith('urn:oid:') ? id : `urn:oid:${id}`;
  if (type === 'UUID') return id.startsWith('urn:uuid:') ? id : `urn:uuid:${id.toLowerCase()}`;
  return undefined;
}

function patientIdSystem(ds: DicomDataset, cfg: ResolvedContext): string | undefined {
  const fromQualifiers = universalEntitySystem(item(ds, TAG.IssuerOfPatientIDQualifiersSequence));
  if (fromQualifiers) return fromQualifiers;
  const issuer = str(ds, TAG.IssuerOfPatientID);
  return (issuer ? cfg.patientIdSystems[issuer] : undefined) ?? cfg.defaultPatientIdSystem;
}

/** spec 3.3: hex(HMAC-SHA256(secret, system|PatientID)), first 32 characters. */
export function pseudonym(secret: string, system: string, patientId: string): string {
  return createHmac('sha256', secret).update(`${system}|${patientId}`, 'utf8').digest('hex').slice(0, 32);
}

function placeholderKey(studyUid: string, cfg: ResolvedContext): ResourceKey {
  return { resourceType: 'Patient', system: `${cfg.identifierBase}/unidentified-patient`, value: studyUid, create: true };
}

function demographics(ds: DicomDataset, dates: DateEnv): Pick<Patient, 'name' | 'gender' | 'birthDate'> {
  const out: Pick<Patient, 'name' | 'gender' | 'birthDate'> = {};
  const name = personName(ds, TAG.PatientName);
  if (name) out.name = [name];
  const gender = GENDER[code(ds, TAG.PatientSex) ?? ''];
  if (gender) out.gender = gender;
  const birthDate = dateOf(ds, TAG.PatientBirthDate, dates);
  if (birthDate) out.birthDate = birthDate;
  return out;
}

function build(key: ResourceKey, body: Omit<Patient, 'resourceType'>, cfg: ResolvedContext): MappedPatient {
  const resource: Patient = { resourceType: 'Patient', ...body };
  return { resource, key, fullUrl: fullUrlFor(key, cfg) };
}

function identifiedPatient(ds: DicomDataset, index: StudyIndex, cfg: ResolvedContext, issues: Issues, dates: DateEnv): MappedPatient | undefined {
  const meta = provenanceMeta(cfg, studyUrl(cfg, index.studyUid));
  const patientId = str(ds, TAG.PatientID);
  if (!patientId) {
    const key = placeholderKey(index.studyUid, cfg);
    meta.tag!.push({ system: meta.tag![0].system, code: 'unmatched-patient' });
    issues.warn('PATIENT_ID_EMPTY', 'PatientID is empty; placeholder Patient keyed by StudyInstanceUID');
    return build(key, { meta, identifier: [{ system: key.system, value: key.value }], ...demographics(ds, dates) }, cfg);
  }
  const system = patientIdSystem(ds, cfg);
  if (!system) {
    issues.error('PATIENT_ID_SYSTEM', `No identifier system for PatientID issuer '${str(ds, TAG.IssuerOfPatientID) ?? ''}' and no defaultPatientIdSystem`);
    return undefined;
  }
  const identifier: Identifier = { type: { coding: [{ system: SYSTEM.V2_0203, code: 'MR' }] }, system, value: patientId };
  const key: ResourceKey = { resourceType: 'Patient', system, value: patientId, create: true };
  return build(key, { meta, identifier: [identifier], ...demographics(ds, dates) }, cfg);
}

function pseudonymousPatient(ds: DicomDataset, index: StudyIndex, cfg: ResolvedContext, issues: Issues): MappedPatient | undefined {
  const secret = cfg.deid.pseudonymSecret;
  if (!secret) {
    issues.error('PSEUDONYM_SECRET', 'De-identified mode needs deid.pseudonymSecret');
    return undefined;
  }
  const patientId = str(ds, TAG.PatientID);
  const key = patientId
    ? { resourceType: 'Patient' as const, system: `${cfg.identifierBase}/pseudonym`, value: pseudonym(secret, patientIdSystem(ds, cfg) ?? str(ds, TAG.IssuerOfPatientID) ?? '', patientId), create: true }
    : placeholderKey(index.studyUid, cfg);
  const meta = provenanceMeta(cfg, studyUrl(cfg, index.studyUid), patientId ? [] : ['unmatched-patient']);
  meta.security = [{ system: SYSTEM.OBSERVATION_VALUE, code: 'PSEUDED' }];
  const body: Omit<Patient, 'resourceType'> = { meta, identifier: [{ system: key.system, value: key.value }] };
  const gender = GENDER[code(ds, TAG.PatientSex) ?? ''];
  if (cfg.deid.keepSex && gender) body.gender = gender;
  return build(key, body, cfg);
}

export function toPatient(index: StudyIndex, cfg: ResolvedContext, issues: Issues, dates: DateEnv): MappedPatient | undefined {
  const source = index.instances.find((i) => str(i.ds, TAG.PatientID) !== undefined) ?? index.instances[0];
  const ids = new Set(index.instances.map((i) => str(i.ds, TAG.PatientID)).filter(Boolean));
  if (ids.size > 1) issues.warn('PATIENT_ID_CONFLICT', `Study has ${ids.size} different PatientIDs; the first is used`);
  return cfg.deidentified
    ? pseudonymousPatient(source.ds, index, cfg, issues)
    : identifiedPatient(source.ds, index, cfg, issues, dates);
}
