/**
 * Conditions from coded impressions/diagnoses of report SRs (spec section 8). Only
 * coded, affirmed, patient-subject diagnoses of final reports qualify; metadata,
 * findings, measurements and TID 1500 content never create a Condition (spec 8.2).
 */
import { SYSTEM, toCodeableConcept } from '../coding.js';
import type { Condition, Reference } from '../fhir-r4.js';
import { fullUrlFor, provenanceMeta, type ResourceKey } from '../identifiers.js';
import type { SrNode } from './content-tree.js';
import { codeValue } from './content-value.js';
import { bodySiteOf } from './observation-values.js';
import { inferredFromObservations } from './links.js';
import { readModifiers } from './modifiers.js';
import { type SrScope, contextOf, itemKey } from './scope.js';

export interface MappedCondition {
  resource: Condition;
  key: ResourceKey;
  fullUrl: string;
}

const RANK: Readonly<Record<string, number>> = { registered: 0, partial: 1, preliminary: 1, final: 2, amended: 2 };

/** spec 8.2 (1)-(6); returns the reason a candidate is rejected, or undefined when it qualifies. */
export function conditionRejection(scope: SrScope, node: SrNode): string | undefined {
  const { doc, env } = scope;
  if (doc.kind !== 'report' && doc.kind !== 'generic') return 'not a report SR';
  if (node.vt !== 'CODE') return 'not coded';
  const coding = toCodeableConcept(codeValue(node), env.coding)?.coding?.[0];
  const systems: string[] = [SYSTEM.SCT, ...env.cfg.condition.icdSystems];
  if (!coding?.system || !systems.includes(coding.system)) return 'code system is neither SNOMED CT nor configured ICD';
  if (RANK[doc.reportStatus] < RANK[env.cfg.condition.minReportStatus]) return `report status ${doc.reportStatus}`;
  if (readModifiers(node, env.cfg.condition.negationModifiers).negated) return 'negated or uncertain';
  if (contextOf(scope, node).nonPatientSubject) return 'subject is not the patient';
  return undefined;
}

export function toCondition(
  scope: SrScope, node: SrNode, report: { fullUrl: string; issued?: string; asserter?: Reference },
): MappedCondition {
  const { env } = scope;
  const key = itemKey(scope, node.path, 'Condition');
  const value = codeValue(node);
  const code = toCodeableConcept(value, env.coding, value?.meaning);
  const bodySite = bodySiteOf(readModifiers(node, env.cfg.condition.negationModifiers), env);
  const evidence = [report.fullUrl, ...inferredFromObservations(scope, node)].map((reference) => ({ reference }));
  const resource: Condition = {
    resourceType: 'Condition',
    meta: provenanceMeta(env.cfg, scope.source),
    identifier: [{ system: key.system, value: key.value }],
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: env.cfg.condition.verificationStatus }] },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' }] }],
    ...(code ? { code } : {}),
    ...(bodySite ? { bodySite: [bodySite] } : {}),
    subject: { reference: scope.patientRef },
    ...(report.issued ? { recordedDate: report.issued } : {}),
    ...(report.asserter ? { asserter: report.asserter } : {}),
    evidence: [{ detail: evidence }],
  };
  return { resource, key, fullUrl: fullUrlFor(key, env.cfg) };
}
