/**
 * The search parameters this server supports, per resource type: the single
 * source for value extraction at write time (extract.ts), query parsing
 * (parse-search.ts) and the CapabilityStatement (capability.ts), so what is
 * advertised is exactly what works. Names, types and paths follow the R4
 * definitions (https://hl7.org/fhir/R4/searchparameter-registry.html), with
 * FHIRPath reduced to dotted element paths; `[x]` choices are listed out.
 */
export type ParamType = 'token' | 'reference' | 'date' | 'string';

export interface SearchParamDef {
  name: string;
  type: ParamType;
  /** Element paths from the resource root; arrays are walked at every step. */
  paths: string[];
  /** Reference types the parameter may point to; references to other types are not indexed. */
  targets?: string[];
  /** Implicit system of a plain `code` element (e.g. a status), so `system|code` also matches. */
  codeSystem?: string;
  documentation: string;
  /** Canonical URL of a parameter that is not part of base R4. */
  custom?: string;
}

const subjectTargets = ['Patient', 'Group', 'Device', 'Location'];
const identifier = (): SearchParamDef => ({ name: 'identifier', type: 'token', paths: ['identifier'], documentation: 'A business identifier (system|value)' });
const patient = (path = 'subject'): SearchParamDef => ({ name: 'patient', type: 'reference', paths: [path], targets: ['Patient'], documentation: 'The Patient the resource is about' });
const subject = (targets = subjectTargets): SearchParamDef => ({ name: 'subject', type: 'reference', paths: ['subject'], targets, documentation: 'Who or what the resource is about' });
const status = (system: string): SearchParamDef => ({ name: 'status', type: 'token', paths: ['status'], codeSystem: system, documentation: 'The status of the resource' });
const code = (): SearchParamDef => ({ name: 'code', type: 'token', paths: ['code'], documentation: 'The code of the resource' });
const category = (): SearchParamDef => ({ name: 'category', type: 'token', paths: ['category'], documentation: 'A classification of the resource' });

const effective = ['effectiveDateTime', 'effectivePeriod', 'effectiveInstant'];

/** Parameters of the REST API, per resource type (common parameters `_id`, `_lastUpdated` are implicit). */
export function searchParamRegistry(canonicalBase: string): Record<string, SearchParamDef[]> {
  return {
    ImagingStudy: [
      identifier(), patient(), subject(['Patient', 'Device', 'Group']),
      { name: 'modality', type: 'token', paths: ['series.modality'], documentation: 'The modality of a series (DICOM CID 29)' },
      { name: 'bodysite', type: 'token', paths: ['series.bodySite'], documentation: 'The body site examined in a series' },
      { name: 'started', type: 'date', paths: ['started'], documentation: 'When the study was started' },
      status('http://hl7.org/fhir/imagingstudy-status'),
      { name: 'endpoint', type: 'reference', paths: ['endpoint', 'series.endpoint'], targets: ['Endpoint'], documentation: 'The study or series Endpoint' },
      { name: 'series', type: 'token', paths: ['series.uid'], documentation: 'DICOM Series Instance UID' },
      { name: 'instance', type: 'token', paths: ['series.instance.uid'], documentation: 'SOP Instance UID of an instance' },
      { name: 'dicom-class', type: 'token', paths: ['series.instance.sopClass'], documentation: 'SOP Class UID of an instance (urn:oid:…)' },
      { name: 'reason', type: 'token', paths: ['reasonCode'], documentation: 'The reason for the study' },
    ],
    Observation: [
      identifier(), patient(), subject(), code(), category(),
      { name: 'date', type: 'date', paths: effective, documentation: 'The clinically relevant time of the Observation' },
      status('http://hl7.org/fhir/observation-status'),
      { name: 'derived-from', type: 'reference', paths: ['derivedFrom'], targets: ['ImagingStudy', 'Observation', 'DocumentReference', 'Media', 'QuestionnaireResponse', 'MolecularSequence'], documentation: 'Resources the Observation was derived from' },
      { name: 'part-of', type: 'reference', paths: ['partOf'], targets: ['ImagingStudy', 'Procedure', 'MedicationAdministration', 'MedicationDispense', 'MedicationStatement', 'Immunization'], documentation: 'The event the Observation is part of' },
      { name: 'has-member', type: 'reference', paths: ['hasMember'], targets: ['Observation', 'QuestionnaireResponse', 'MolecularSequence'], documentation: 'Member Observations of a group' },
      { name: 'focus', type: 'reference', paths: ['focus'], documentation: 'What the Observation is about, when not the subject' },
      { name: 'device', type: 'reference', paths: ['device'], targets: ['Device', 'DeviceMetric'], documentation: 'The Device that made the Observation' },
      { name: 'method', type: 'token', paths: ['method'], documentation: 'The method used' },
      { name: 'value-concept', type: 'token', paths: ['valueCodeableConcept'], documentation: 'A coded value' },
    ],
    DiagnosticReport: [
      identifier(), patient(), subject(), code(), category(),
      { name: 'date', type: 'date', paths: ['effectiveDateTime', 'effectivePeriod'], documentation: 'The clinically relevant time of the report' },
      { name: 'issued', type: 'date', paths: ['issued'], documentation: 'When the report was issued' },
      status('http://hl7.org/fhir/diagnostic-report-status'),
      { name: 'result', type: 'reference', paths: ['result'], targets: ['Observation'], documentation: 'An Observation of the report' },
      { name: 'conclusion', type: 'token', paths: ['conclusionCode'], documentation: 'A coded conclusion' },
      {
        name: 'imaging-study', type: 'reference', paths: ['imagingStudy'], targets: ['ImagingStudy'], custom: `${canonicalBase}/SearchParameter/DiagnosticReport-imaging-study`,
        documentation: 'Not in base R4: the ImagingStudy the report is about (DiagnosticReport.imagingStudy)',
      },
    ],
    Condition: [
      identifier(), patient(), subject(['Patient', 'Group']), code(), category(),
      { name: 'clinical-status', type: 'token', paths: ['clinicalStatus'], documentation: 'The clinical status' },
      { name: 'verification-status', type: 'token', paths: ['verificationStatus'], documentation: 'The verification status' },
      { name: 'recorded-date', type: 'date', paths: ['recordedDate'], documentation: 'When the Condition was first recorded' },
      { name: 'body-site', type: 'token', paths: ['bodySite'], documentation: 'The anatomical location' },
      { name: 'evidence-detail', type: 'reference', paths: ['evidence.detail'], documentation: 'Supporting information, e.g. the DiagnosticReport' },
    ],
    Patient: [
      identifier(),
      { name: 'name', type: 'string', paths: ['name'], documentation: 'A part of any name (family, given, prefix, suffix, text)' },
      { name: 'family', type: 'string', paths: ['name.family'], documentation: 'The family name' },
      { name: 'given', type: 'string', paths: ['name.given'], documentation: 'A given name' },
      { name: 'birthdate', type: 'date', paths: ['birthDate'], documentation: 'The date of birth' },
      { name: 'gender', type: 'token', paths: ['gender'], codeSystem: 'http://hl7.org/fhir/administrative-gender', documentation: 'The administrative gender' },
    ],
    Endpoint: [
      identifier(), status('http://hl7.org/fhir/endpoint-status'),
      { name: 'connection-type', type: 'token', paths: ['connectionType'], documentation: 'The protocol (e.g. dicom-wado-rs)' },
      { name: 'payload-type', type: 'token', paths: ['payloadType'], documentation: 'The payload type' },
      { name: 'name', type: 'string', paths: ['name'], documentation: 'The Endpoint name' },
    ],
    Device: [
      identifier(),
      { name: 'device-name', type: 'string', paths: ['deviceName.name'], documentation: 'A name of the Device' },
      { name: 'manufacturer', type: 'string', paths: ['manufacturer'], documentation: 'The manufacturer' },
      { name: 'model', type: 'string', paths: ['modelNumber'], documentation: 'The model number' },
    ],
    BodyStructure: [
      identifier(), patient('patient'),
      { name: 'location', type: 'token', paths: ['location'], documentation: 'The body site' },
    ],
  };
}

/** Resource types readable by id; Binary holds the study summaries and has no search. */
export const READ_ONLY_TYPES = ['Binary'];
