/**
 * ImagingStudy (spec section 4), regenerated from every instance of the study so a
 * conditional PUT replaces it with the complete picture (spec 4.5).
 */
import { SYSTEM, dcmCoding, toCodeableConcept } from './coding.js';
import { type DicomDataset, dateTimeOf, dicomCode, item, personNameDisplay, personNames, seq, str, strs } from './dicom-json.js';
import type { MapEnv } from './env.js';
import type { CodeableConcept, Coding, Identifier, ImagingStudy, Reference } from './fhir-r4.js';
import { ACQUISITION_MODALITIES } from './data/modalities.js';
import { type ResourceKey, dicomUidIdentifier, fullUrlFor, provenanceMeta, studyUrl } from './identifiers.js';
import { seriesModality, toSeries } from './imaging-series.js';
import { universalEntitySystem } from './patient.js';
import { type StudyIndex, firstString, firstWith } from './study-index.js';
import { TAG } from './tags.js';
import { allowFreeText, allowPersonNames } from './text-policy.js';

export interface MappedImagingStudy {
  resource: ImagingStudy;
  key: ResourceKey;
  fullUrl: string;
}

export interface StudyRefs {
  patient: string;
  endpoint: string;
}

/** Accession identifier (spec 4.1): issuer from (0008,0051) as for patients, else the configured system. */
export function accessionIdentifier(index: StudyIndex, env: MapEnv): Identifier | undefined {
  if (env.cfg.deidentified) return undefined;
  const ds = firstWith(index.instances, TAG.AccessionNumber);
  const value = str(ds, TAG.AccessionNumber);
  if (!ds || !value) return undefined;
  const system = universalEntitySystem(item(ds, TAG.IssuerOfAccessionNumberSequence)) ?? env.cfg.accessionNumberSystem;
  if (!system) env.issues.warn('ACCESSION_SYSTEM', 'No accession number system configured; identifier has no system');
  const id: Identifier = { type: { coding: [{ system: SYSTEM.V2_0203, code: 'ACSN' }] } };
  if (system) id.system = system;
  id.value = value;
  return id;
}

/** Distinct acquisition modalities (CID 29) from ModalitiesInStudy and every series (spec 4.1). */
function studyModalities(index: StudyIndex, env: MapEnv): Coding[] {
  const listed = index.instances.flatMap((i) => strs(i.ds, TAG.ModalitiesInStudy));
  const fromSeries = index.series.map((s) => seriesModality(s, env));
  const distinct = [...new Set([...listed, ...fromSeries].map((m) => m.toUpperCase()))];
  return distinct.filter((m) => ACQUISITION_MODALITIES.has(m)).map((m) => dcmCoding(m));
}

/** Reason (spec 4.1): coded (0040,100A) and text (0040,1002), top level or first Request Attributes item. */
function reasonCodes(index: StudyIndex, env: MapEnv): CodeableConcept[] {
  const ds = firstWith(index.instances, TAG.ReasonForRequestedProcedureCodeSequence)
    ?? firstWith(index.instances, TAG.ReasonForTheRequestedProcedure)
    ?? firstWith(index.instances, TAG.RequestAttributesSequence);
  const source: DicomDataset | undefined = ds && (ds[TAG.ReasonForRequestedProcedureCodeSequence] || ds[TAG.ReasonForTheRequestedProcedure])
    ? ds : item(ds, TAG.RequestAttributesSequence);
  const coded = seq(source, TAG.ReasonForRequestedProcedureCodeSequence)
    .map((c) => toCodeableConcept(dicomCode(c), env.coding)).filter((c): c is CodeableConcept => !!c);
  const text = source && allowFreeText(env.cfg, source) ? str(source, TAG.ReasonForTheRequestedProcedure) : undefined;
  if (text && coded.length === 1) return [{ ...coded[0], text }];
  return text ? [...coded, { text }] : coded;
}

function procedureCodes(index: StudyIndex, env: MapEnv): CodeableConcept[] {
  const ds = firstWith(index.instances, TAG.ProcedureCodeSequence);
  return seq(ds, TAG.ProcedureCodeSequence)
    .map((c) => toCodeableConcept(dicomCode(c), env.coding)).filter((c): c is CodeableConcept => !!c);
}

function displayRefs(index: StudyIndex, tag: string, env: MapEnv): Reference[] {
  if (!allowPersonNames(env.cfg)) return [];
  return personNames(firstWith(index.instances, tag), tag)
    .map(personNameDisplay).filter((d): d is string => !!d).map((display) => ({ display }));
}

export function imagingStudyKey(studyUid: string): ResourceKey {
  const id = dicomUidIdentifier(studyUid);
  return { resourceType: 'ImagingStudy', system: id.system!, value: id.value! };
}

export function toImagingStudy(index: StudyIndex, refs: StudyRefs, env: MapEnv): MappedImagingStudy {
  const key = imagingStudyKey(index.studyUid);
  const identifier = [dicomUidIdentifier(index.studyUid)];
  const accession = accessionIdentifier(index, env);
  if (accession) identifier.push(accession);
  const modality = studyModalities(index, env);
  const dated = firstWith(index.instances, TAG.StudyDate);
  const started = dated ? dateTimeOf(dated, TAG.StudyDate, TAG.StudyTime, env.dates) : undefined;
  const referrer = displayRefs(index, TAG.ReferringPhysicianName, env)[0];
  const interpreter = displayRefs(index, TAG.NameOfPhysiciansReadingStudy, env);
  const procedureCode = procedureCodes(index, env);
  const reasonCode = reasonCodes(index, env);
  const description = firstString(index.instances, TAG.StudyDescription);
  // Assembled in R4 element order so serialisations are stable and diff-friendly.
  const resource: ImagingStudy = {
    resourceType: 'ImagingStudy',
    meta: provenanceMeta(env.cfg, studyUrl(env.cfg, index.studyUid)),
    identifier,
    status: 'available',
    ...(modality.length > 0 ? { modality } : {}),
    subject: { reference: refs.patient },
    ...(started ? { started } : {}),
    ...(env.cfg.emitServiceRequestRef && accession ? { basedOn: [{ type: 'ServiceRequest', identifier: accession }] } : {}),
    ...(referrer ? { referrer } : {}),
    ...(interpreter.length > 0 ? { interpreter } : {}),
    endpoint: [{ reference: refs.endpoint }],
    numberOfSeries: index.series.length,
    numberOfInstances: index.instances.length,
    ...(procedureCode.length > 0 ? { procedureCode } : {}),
    ...(reasonCode.length > 0 ? { reasonCode } : {}),
    ...(description && allowFreeText(env.cfg, index.instances[0].ds) ? { description } : {}),
    series: index.series.map((s) => toSeries(s, env)),
  };
  return { resource, key, fullUrl: fullUrlFor(key, env.cfg) };
}
