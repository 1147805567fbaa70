/**
 * BodyStructure for a measurement group (spec 6.3): R4 substitute for R5
 * Observation.bodyStructure, referenced from Observation.focus (mCODE TumorSize pattern).
 */
import { toCodeableConcept } from './coding.js';
import type { DicomCode } from './dicom-json.js';
import type { MapEnv } from './env.js';
import type { BodyStructure, CodeableConcept, Identifier } from './fhir-r4.js';
import { type ResourceKey, dicomUidIdentifier, fullUrlFor, provenanceMeta } from './identifiers.js';
import { dcmCoding } from './coding.js';

export interface BodyStructureInput {
  trackingId?: string;
  trackingUid?: string;
  site?: DicomCode;
  laterality?: DicomCode;
  topographical: DicomCode[];
  /** Group item key, used when there is no tracking UID. */
  itemKey: { system: string; value: string };
  patientRef: string;
  source: string;
}

export interface MappedBodyStructure {
  resource: BodyStructure;
  key: ResourceKey;
  fullUrl: string;
}

export function needsBodyStructure(i: Omit<BodyStructureInput, 'itemKey' | 'patientRef' | 'source'>): boolean {
  return Boolean(i.trackingId || i.trackingUid || i.laterality || i.topographical.length > 0);
}

export function toBodyStructure(input: BodyStructureInput, env: MapEnv): MappedBodyStructure {
  const identifier: Identifier[] = [];
  // Tracking Identifier is free text, withheld in de-identified mode (spec 3.3).
  if (input.trackingId && !env.cfg.deidentified) identifier.push({ type: { coding: [dcmCoding('112039')] }, value: input.trackingId });
  let key: ResourceKey;
  if (input.trackingUid) {
    const uidId = dicomUidIdentifier(input.trackingUid);
    identifier.push({ type: { coding: [dcmCoding('112040')] }, ...uidId });
    // Later reports of the same lesion update one BodyStructure (spec 6.3).
    key = { resourceType: 'BodyStructure', system: uidId.system!, value: uidId.value! };
  } else {
    identifier.push({ system: input.itemKey.system, value: input.itemKey.value });
    key = { resourceType: 'BodyStructure', ...input.itemKey };
  }
  const location = toCodeableConcept(input.site, env.coding);
  const qualifiers = [input.laterality, ...input.topographical]
    .map((c) => toCodeableConcept(c, env.coding)).filter((c): c is CodeableConcept => !!c);
  const resource: BodyStructure = {
    resourceType: 'BodyStructure',
    meta: provenanceMeta(env.cfg, input.source),
    identifier,
    ...(location ? { location } : {}),
    ...(qualifiers.length > 0 ? { locationQualifier: qualifiers } : {}),
    patient: { reference: input.patientRef },
  };
  return { resource, key, fullUrl: fullUrlFor(key, env.cfg) };
}
