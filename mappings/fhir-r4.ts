/**
 * Minimal FHIR R4 (4.0.1) type subset for the resources this folder emits.
 *
 * Why hand-written: the installed `@types/fhir@3.0.2` is the STU3 typing
 * (`declare module fhir`) and has no `fhir/r4` entry point. When the project
 * moves to a typing package with R4 support (e.g. `@types/fhir@0.0.x`, which
 * ships `fhir/r4`), these aliases can be replaced by its types one for one;
 * element names and cardinalities below follow https://hl7.org/fhir/R4/.
 */

export interface Element {
  id?: string;
  extension?: Extension[];
}

export interface Extension extends Element {
  url: string;
  valueCoding?: Coding;
  valueCodeableConcept?: CodeableConcept;
  valueString?: string;
  valueOid?: string;
  valueUrl?: string;
  valueCode?: string;
  valuePositiveInt?: number;
}

export interface Coding extends Element {
  system?: string;
  version?: string;
  code?: string;
  display?: string;
}

export interface CodeableConcept extends Element {
  coding?: Coding[];
  text?: string;
}

export interface Identifier extends Element {
  use?: 'usual' | 'official' | 'temp' | 'secondary' | 'old';
  type?: CodeableConcept;
  system?: string;
  value?: string;
}

export interface Reference extends Element {
  reference?: string;
  type?: string;
  identifier?: Identifier;
  display?: string;
}

export interface HumanName extends Element {
  text?: string;
  family?: string;
  given?: string[];
  prefix?: string[];
  suffix?: string[];
}

export interface Quantity extends Element {
  value?: number;
  comparator?: '<' | '<=' | '>=' | '>';
  unit?: string;
  system?: string;
  code?: string;
}

export interface Meta extends Element {
  source?: string;
  security?: Coding[];
  tag?: Coding[];
}

export interface Resource {
  resourceType: string;
  id?: string;
  meta?: Meta;
}

export interface DomainResource extends Resource {
  extension?: Extension[];
}

export interface Patient extends DomainResource {
  resourceType: 'Patient';
  identifier?: Identifier[];
  name?: HumanName[];
  gender?: 'male' | 'female' | 'other' | 'unknown';
  birthDate?: string;
}

export interface Endpoint extends DomainResource {
  resourceType: 'Endpoint';
  identifier?: Identifier[];
  status: 'active' | 'suspended' | 'error' | 'off' | 'entered-in-error' | 'test';
  connectionType: Coding;
  payloadType: CodeableConcept[];
  payloadMimeType?: string[];
  address: string;
}

export interface ImagingStudyInstance extends Element {
  uid: string;
  sopClass: Coding;
  number?: number;
  title?: string;
}

export interface ImagingStudyPerformer extends Element {
  function?: CodeableConcept;
  actor: Reference;
}

export interface ImagingStudySeries extends Element {
  uid: string;
  number?: number;
  modality: Coding;
  description?: string;
  numberOfInstances?: number;
  endpoint?: Reference[];
  bodySite?: Coding;
  laterality?: Coding;
  started?: string;
  performer?: ImagingStudyPerformer[];
  instance?: ImagingStudyInstance[];
}

export interface ImagingStudy extends DomainResource {
  resourceType: 'ImagingStudy';
  identifier?: Identifier[];
  status: 'registered' | 'available' | 'cancelled' | 'entered-in-error' | 'unknown';
  modality?: Coding[];
  subject: Reference;
  started?: string;
  basedOn?: Reference[];
  referrer?: Reference;
  interpreter?: Reference[];
  endpoint?: Reference[];
  numberOfSeries?: number;
  numberOfInstances?: number;
  procedureCode?: CodeableConcept[];
  reasonCode?: CodeableConcept[];
  description?: string;
  series?: ImagingStudySeries[];
}

export interface ObservationComponent extends Element {
  code: CodeableConcept;
  valueQuantity?: Quantity;
  valueCodeableConcept?: CodeableConcept;
  valueString?: string;
  valueDateTime?: string;
  valueTime?: string;
  dataAbsentReason?: CodeableConcept;
}

export type ObservationStatus = 'registered' | 'preliminary' | 'final' | 'amended';

export interface Observation extends DomainResource {
  resourceType: 'Observation';
  identifier?: Identifier[];
  basedOn?: Reference[];
  partOf?: Reference[];
  status: ObservationStatus;
  category?: CodeableConcept[];
  code: CodeableConcept;
  subject?: Reference;
  focus?: Reference[];
  effectiveDateTime?: string;
  issued?: string;
  performer?: Reference[];
  valueQuantity?: Quantity;
  valueCodeableConcept?: CodeableConcept;
  valueString?: string;
  valueDateTime?: string;
  valueTime?: string;
  dataAbsentReason?: CodeableConcept;
  bodySite?: CodeableConcept;
  method?: CodeableConcept;
  device?: Reference;
  referenceRange?: Array<{ low?: Quantity; high?: Quantity }>;
  hasMember?: Reference[];
  derivedFrom?: Reference[];
  component?: ObservationComponent[];
}

export type ReportStatus = 'registered' | 'partial' | 'preliminary' | 'final' | 'amended';

export interface DiagnosticReport extends DomainResource {
  resourceType: 'DiagnosticReport';
  identifier?: Identifier[];
  basedOn?: Reference[];
  status: ReportStatus;
  category?: CodeableConcept[];
  code: CodeableConcept;
  subject?: Reference;
  effectiveDateTime?: string;
  issued?: string;
  resultsInterpreter?: Reference[];
  result?: Reference[];
  imagingStudy?: Reference[];
  conclusion?: string;
  conclusionCode?: CodeableConcept[];
}

export interface ConditionEvidence extends Element {
  code?: CodeableConcept[];
  detail?: Reference[];
}

export interface Condition extends DomainResource {
  resourceType: 'Condition';
  identifier?: Identifier[];
  clinicalStatus?: CodeableConcept;
  verificationStatus?: CodeableConcept;
  category?: CodeableConcept[];
  code?: CodeableConcept;
  bodySite?: CodeableConcept[];
  subject: Reference;
  recordedDate?: string;
  asserter?: Reference;
  evidence?: ConditionEvidence[];
}

export interface DeviceName extends Element {
  name: string;
  type: 'udi-label-name' | 'user-friendly-name' | 'patient-reported-name' | 'manufacturer-name' | 'model-name' | 'other';
}

export interface Device extends DomainResource {
  resourceType: 'Device';
  identifier?: Identifier[];
  manufacturer?: string;
  serialNumber?: string;
  deviceName?: DeviceName[];
  modelNumber?: string;
  version?: { value: string }[];
}

export interface BodyStructure extends DomainResource {
  resourceType: 'BodyStructure';
  identifier?: Identifier[];
  location?: CodeableConcept;
  locationQualifier?: CodeableConcept[];
  patient: Reference;
}

export type MappedResource =
  | Patient | Endpoint | ImagingStudy | Observation | DiagnosticReport | Condition | Device | BodyStructure;

export interface BundleEntryRequest extends Element {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  ifNoneExist?: string;
}

export interface BundleEntry extends Element {
  fullUrl: string;
  resource: MappedResource;
  request: BundleEntryRequest;
}

export interface Bundle extends Resource {
  resourceType: 'Bundle';
  type: 'transaction';
  entry: BundleEntry[];
}
