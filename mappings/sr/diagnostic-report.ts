/**
 * The SR document itself -> DiagnosticReport (spec 7; TID 1500 reports per spec 6.2).
 */
import { SYSTEM, toCoding } from '../coding.js';
import { asInstant } from '../datetime.js';
import { personNameDisplay } from '../dicom-json.js';
import type { CodeableConcept, Coding, DiagnosticReport, Reference } from '../fhir-r4.js';
import { type ResourceKey, dicomUidIdentifier, fullUrlFor, provenanceMeta } from '../identifiers.js';
import { allowPersonNames } from '../text-policy.js';
import type { SrNode } from './content-tree.js';
import { type SrScope, contextOf } from './scope.js';

export interface MappedReport {
  resource: DiagnosticReport;
  key: ResourceKey;
  fullUrl: string;
}

/** Impression-like content gathered from the tree (spec 5.5, 7). */
export interface ReportContent {
  /** TEXT impressions/conclusions and "Addendum: ..." lines, in document order. */
  conclusion: string[];
  /** CODE impressions, addenda and coded diagnoses, in document order. */
  conclusionCodes: Array<{ node: SrNode; concept: CodeableConcept }>;
}

const DIAGNOSTIC_IMAGING_STUDY: Coding = { system: SYSTEM.LOINC, code: '18748-4', display: 'Diagnostic imaging study' };

/** Root concept if LOINC (CID 7000), else LOINC 18748-4 plus the root code (spec 7). */
function reportCode(scope: SrScope): CodeableConcept {
  const root = scope.doc.rootConcept;
  const text = root?.meaning;
  if (root?.scheme?.toUpperCase() === 'LN') {
    // 18748-4 carries its LOINC display; other titles keep the document's meaning.
    const coding = root.value === '18748-4' ? DIAGNOSTIC_IMAGING_STUDY : toCoding(root, scope.env.coding);
    return { coding: [coding ?? DIAGNOSTIC_IMAGING_STUDY], ...(text ? { text } : {}) };
  }
  const second = toCoding(root, scope.env.coding);
  return { coding: second ? [DIAGNOSTIC_IMAGING_STUDY, second] : [DIAGNOSTIC_IMAGING_STUDY], ...(text ? { text } : {}) };
}

/** Verifying observers, else the Person Observer of the root context; display only (spec 7). */
export function interpreters(scope: SrScope): Reference[] {
  if (!allowPersonNames(scope.env.cfg)) return [];
  const names = scope.doc.verifyingObservers.length > 0
    ? scope.doc.verifyingObservers
    : [contextOf(scope, scope.tree.root).person].filter((n): n is string => !!n);
  return names.map(personNameDisplay).filter((d): d is string => !!d).map((display) => ({ display }));
}

export function reportIssued(scope: SrScope): string | undefined {
  return asInstant(scope.doc.verifiedAt) ?? asInstant(scope.doc.contentDateTime);
}

export function reportKey(scope: SrScope): ResourceKey {
  const id = dicomUidIdentifier(scope.doc.instance.sopInstanceUid);
  return { resourceType: 'DiagnosticReport', system: id.system!, value: id.value! };
}

export function toDiagnosticReport(scope: SrScope, results: string[], content: ReportContent, basedOn?: Reference): MappedReport {
  const { doc, env } = scope;
  const key = reportKey(scope);
  const issued = reportIssued(scope);
  const resultsInterpreter = interpreters(scope);
  const conclusion = doc.allowText && content.conclusion.length > 0 ? content.conclusion.join('\n') : undefined;
  const conclusionCode = content.conclusionCodes.map((c) => c.concept).filter((c) => c.coding || doc.allowText);
  const resource: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    meta: provenanceMeta(env.cfg, scope.source),
    identifier: [dicomUidIdentifier(doc.instance.sopInstanceUid)],
    ...(basedOn ? { basedOn: [basedOn] } : {}),
    status: doc.reportStatus,
    category: [{ coding: [{ system: SYSTEM.V2_0074, code: 'RAD' }] }],
    code: reportCode(scope),
    subject: { reference: scope.patientRef },
    ...(doc.effective ? { effectiveDateTime: doc.effective } : {}),
    ...(issued ? { issued } : {}),
    ...(resultsInterpreter.length > 0 ? { resultsInterpreter } : {}),
    ...(results.length > 0 ? { result: results.map((reference) => ({ reference })) } : {}),
    imagingStudy: [{ reference: scope.imagingStudyRef }],
    ...(conclusion ? { conclusion } : {}),
    ...(conclusionCode.length > 0 ? { conclusionCode } : {}),
  };
  return { resource, key, fullUrl: fullUrlFor(key, env.cfg) };
}

