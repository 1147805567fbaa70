/**
 * DICOM study -> FHIR R4 (spec /work/shared/design/fhir-mapping.md). Pure: the same
 * instances and context always give byte-identical output; nothing is read or written.
 */
import { toBundle } from './bundle.js';
import { type MappingContext, resolveContext } from './context.js';
import { toEndpoint } from './endpoint.js';
import type { DicomDataset } from './dicom-json.js';
import { type MapEnv, createEnv } from './env.js';
import type { BundleEntry, Reference } from './fhir-r4.js';
import { fullUrlFor, toEntry } from './identifiers.js';
import { accessionIdentifier, imagingStudyKey, toImagingStudy } from './imaging-study.js';
import { Issues } from './issues.js';
import { toPatient } from './patient.js';
import { studyProcedureMatches } from './procedure-matches.js';
import { isSrClass } from './sr/document.js';
import { type SrMapping, mapSrInstance } from './sr/sr-mapper.js';
import { type StudyIndex, buildStudyIndex } from './study-index.js';
import { studyFacts, summaryBodyParts, summaryLateralities, summaryModalities } from './study-facts.js';
import { toSummaryText } from './summary.js';
import type { MappedStudy } from './types.js';

export type { MappingContext } from './context.js';
export type { MappedStudy, MappingIssue, ProcedureMatch, SrFinding } from './types.js';
export type { DicomDataset, DicomElement } from './dicom-json.js';
export type { ProcedureRequirement } from './procedure-table.js';
export { matchProcedures } from './procedures.js';
export { DEFAULT_PROCEDURE_TABLE } from './procedure-table.js';

function srEntries(sr: SrMapping, env: MapEnv): BundleEntry[] {
  return [
    ...sr.devices.map((d) => toEntry(d.resource, d.key, env.cfg)),
    ...sr.bodyStructures.map((b) => toEntry(b.resource, b.key, env.cfg)),
    ...sr.observations.map((o) => toEntry(o.resource, o.key, env.cfg)),
    ...(sr.report ? [toEntry(sr.report.resource, sr.report.key, env.cfg)] : []),
    ...sr.conditions.map((c) => toEntry(c.resource, c.key, env.cfg)),
  ];
}

function mapSrs(index: StudyIndex, patientRef: string, env: MapEnv): SrMapping[] {
  const imagingStudy = fullUrlFor(imagingStudyKey(index.studyUid), env.cfg);
  const accession = env.cfg.emitServiceRequestRef ? accessionIdentifier(index, env) : undefined;
  const basedOn: Reference | undefined = accession ? { type: 'ServiceRequest', identifier: accession } : undefined;
  return index.instances
    .filter((i) => isSrClass(i.sopClassUid))
    .map((i) => mapSrInstance(i, index, { patient: patientRef, imagingStudy, basedOn }, env));
}

function unique<T>(items: Array<{ fullUrl: string; resource: T }>): T[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(i.fullUrl) && seen.add(i.fullUrl)).map((i) => i.resource);
}

function mapIndexedStudy(index: StudyIndex, env: MapEnv, base: MappedStudy): MappedStudy {
  const patient = toPatient(index, env.cfg, env.issues, env.dates);
  const endpoint = toEndpoint(env.cfg);
  const srs = mapSrs(index, patient?.fullUrl ?? '', env);
  const facts = studyFacts(index, env);
  const findings = srs.flatMap((s) => s.findings);
  const summaryText = toSummaryText({
    modalities: summaryModalities(facts), bodyParts: summaryBodyParts(facts), lateralities: summaryLateralities(facts),
    studyDate: facts.studyDate, description: facts.description, findings,
  });
  const out: MappedStudy = {
    ...base, studyInstanceUid: index.studyUid, findings, summaryText,
    procedureMatches: studyProcedureMatches(facts, env.cfg.now, env.cfg.procedureTable),
  };
  if (!patient) return out;
  const study = toImagingStudy(index, { patient: patient.fullUrl, endpoint: endpoint.fullUrl }, env);
  const entries = [
    toEntry(patient.resource, patient.key, env.cfg),
    toEntry(endpoint.resource, endpoint.key, env.cfg),
    toEntry(study.resource, study.key, env.cfg),
    ...srs.flatMap((s) => srEntries(s, env)),
  ];
  return {
    ...out,
    patient: patient.resource,
    imagingStudy: study.resource,
    devices: unique(srs.flatMap((s) => s.devices)),
    bodyStructures: unique(srs.flatMap((s) => s.bodyStructures)),
    observations: srs.flatMap((s) => s.observations.map((o) => o.resource)),
    diagnosticReports: srs.flatMap((s) => (s.report ? [s.report.resource] : [])),
    conditions: srs.flatMap((s) => s.conditions.map((c) => c.resource)),
    bundle: toBundle(entries),
  };
}

/**
 * Maps every stored instance of one study (DICOM JSON, without pixel data; SR instances
 * with their full ContentSequence) to FHIR R4. Never throws: problems are returned in
 * `warnings` (value dropped) and `errors` (instance or study not mappable).
 */
export function mapStudy(instances: DicomDataset[], ctx: MappingContext): MappedStudy {
  const cfg = resolveContext(ctx);
  const issues = new Issues();
  const env = createEnv(cfg, issues);
  const base: MappedStudy = {
    endpoint: toEndpoint(cfg).resource, devices: [], bodyStructures: [], observations: [], diagnosticReports: [],
    conditions: [], findings: [], summaryText: '', procedureMatches: [], warnings: issues.warnings, errors: issues.errors,
  };
  try {
    const index = buildStudyIndex(instances, issues);
    if (!index) {
      issues.error('NO_VALID_INSTANCES', 'No instance has valid Study/Series/SOP Instance and SOP Class UIDs');
      return base;
    }
    return mapIndexedStudy(index, env, base);
  } catch (e) {
    // A mapping bug must not fail the STOW pipeline (spec 1); report it as data.
    issues.error('INTERNAL', `Mapping failed: ${e instanceof Error ? e.message : String(e)}`);
    return base;
  }
}
