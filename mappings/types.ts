/**
 * Public result types of mapStudy.
 */
import type { MappingIssue } from './issues.js';
import type { ProcedureMatch } from './procedures.js';
import type { SrFinding } from './sr/findings.js';
import type {
  BodyStructure, Bundle, Condition, Device, DiagnosticReport, Endpoint, ImagingStudy, Observation, Patient,
} from './fhir-r4.js';

export interface MappedStudy {
  studyInstanceUid?: string;
  /** Undefined when no Patient can be keyed (errors explain why). */
  patient?: Patient;
  /** Undefined when no instance has valid keys or the Patient is missing. */
  imagingStudy?: ImagingStudy;
  endpoint: Endpoint;
  devices: Device[];
  bodyStructures: BodyStructure[];
  observations: Observation[];
  diagnosticReports: DiagnosticReport[];
  conditions: Condition[];
  /** Classified SR content (impression / finding / measurement / recommendation / coded_diagnosis). */
  findings: SrFinding[];
  /** Plain-text rendering for the Clinical Context Agent (seed doc O1/7). */
  summaryText: string;
  procedureMatches: ProcedureMatch[];
  warnings: MappingIssue[];
  /** Fatal problems: skipped instances, or a study that could not be mapped at all. */
  errors: MappingIssue[];
  /** Transaction Bundle of conditional creates/updates (spec 10); undefined when nothing is postable. */
  bundle?: Bundle;
}

export type { MappingIssue, ProcedureMatch, SrFinding };
