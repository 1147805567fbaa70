/**
 * One SR instance -> Observations, Devices, BodyStructures, DiagnosticReport and
 * Conditions (spec sections 5-8). Key Object Selection and other SR-family classes
 * are recognised and produce nothing here (they are indexed in the ImagingStudy only).
 */
import type { MappedBodyStructure } from '../body-structure.js';
import { dcmCoding, isConcept, toCodeableConcept } from '../coding.js';
import type { MappedDevice } from '../device.js';
import type { MapEnv } from '../env.js';
import type { Reference } from '../fhir-r4.js';
import { instanceUrl } from '../identifiers.js';
import type { IndexedInstance, StudyIndex } from '../study-index.js';
import { type ItemKind, OBSERVATION_KINDS, classify } from './classify.js';
import { SrLimitError, type SrNode, type SrTree, parseContentTree } from './content-tree.js';
import { codeValue, textValue } from './content-value.js';
import { type MappedCondition, conditionRejection, toCondition } from './condition.js';
import { type MappedReport, type ReportContent, interpreters, reportIssued, toDiagnosticReport } from './diagnostic-report.js';
import { type SrDocument, readSrDocument } from './document.js';
import { type SrFinding, toFinding } from './findings.js';
import { deriveFrom, deviceFor } from './links.js';
import { mapGroup } from './measurement-group.js';
import { readModifiers } from './modifiers.js';
import { computeContexts } from './observation-context.js';
import { toObservation } from './observation.js';
import { type MappedObservation, type SrScope, kindOf } from './scope.js';

export interface SrMapping {
  document: SrDocument;
  observations: MappedObservation[];
  devices: MappedDevice[];
  bodyStructures: MappedBodyStructure[];
  report?: MappedReport;
  conditions: MappedCondition[];
  findings: SrFinding[];
}

export interface SrRefs {
  patient: string;
  imagingStudy: string;
  /** ACSN identifier for DiagnosticReport.basedOn when emitServiceRequestRef is on. */
  basedOn?: Reference;
}

const REPORT_KINDS: ReadonlySet<ItemKind> = new Set(['impression', 'addendum', 'coded-diagnosis']);

function classifyAll(tree: SrTree, doc: SrDocument, scope: Pick<SrScope, 'contexts' | 'env'>): Map<string, ItemKind> {
  const kinds = new Map<string, ItemKind>();
  for (const node of tree.nodes) {
    const ctx = scope.contexts.get(node.path);
    if (ctx?.nonPatientSubject) {
      if (!node.parent || !scope.contexts.get(node.parent.path)?.nonPatientSubject) {
        scope.env.issues.warn('SR_SUBJECT_NOT_PATIENT', 'Subject Class is not the patient; subtree skipped', { sopInstanceUid: doc.instance.sopInstanceUid, path: node.path });
      }
      kinds.set(node.path, 'none');
      continue;
    }
    kinds.set(node.path, classify(node, doc.kind, scope.env.cfg.condition.diagnosisConcepts));
  }
  return kinds;
}

function mapItem(scope: SrScope, node: SrNode): MappedObservation {
  const kind = kindOf(scope, node);
  const mods = readModifiers(node, scope.env.cfg.condition.negationModifiers);
  return toObservation(scope, {
    node, kind, mods,
    // spec 5.5: recommendations are coded (121075, DCM) since R4 DiagnosticReport has no slot for them.
    code: kind === 'recommendation' ? { coding: [dcmCoding('121075', 'Recommendation')] } : undefined,
    deviceRef: deviceFor(scope, node, mods),
    derivedFrom: deriveFrom(scope, node, false),
  });
}

function mapObservations(scope: SrScope): MappedObservation[] {
  const out: MappedObservation[] = [];
  const done = new Set<string>();
  for (const node of scope.tree.nodes) {
    const kind = kindOf(scope, node);
    if (done.has(node.path) || !OBSERVATION_KINDS.has(kind)) continue;
    const mapped = kind === 'group' ? mapGroup(scope, node) : [mapItem(scope, node)];
    for (const m of mapped) done.add(m.node.path);
    out.push(...mapped);
  }
  return out;
}

function reportContent(scope: SrScope): ReportContent {
  const content: ReportContent = { conclusion: [], conclusionCodes: [] };
  for (const node of scope.tree.nodes) {
    const kind = kindOf(scope, node);
    if (!REPORT_KINDS.has(kind)) continue;
    if (node.vt === 'TEXT') {
      const text = textValue(node);
      if (text) content.conclusion.push(kind === 'addendum' ? `Addendum: ${text}` : text);
    } else if (node.vt === 'CODE') {
      const concept = toCodeableConcept(codeValue(node), scope.env.coding);
      if (concept) content.conclusionCodes.push({ node, concept });
    }
  }
  return content;
}

function findingOf(scope: SrScope, node: SrNode, withObservation: Set<string>): SrFinding | undefined {
  const groupPath = node.parent && kindOf(scope, node.parent) === 'group' && node.rel === 'CONTAINS' && isConcept(node.concept, 'DCM:121071')
    ? node.parent.path : undefined;
  if (!groupPath && kindOf(scope, node) === 'none') return undefined;
  return toFinding(scope, node, withObservation.has(node.path), groupPath);
}

function emptyMapping(document: SrDocument): SrMapping {
  return { document, observations: [], devices: [], bodyStructures: [], conditions: [], findings: [] };
}

function buildScope(inst: IndexedInstance, doc: SrDocument, refs: SrRefs, env: MapEnv): SrScope | undefined {
  let tree: SrTree;
  try {
    tree = parseContentTree(inst.ds, env.issues, inst.sopInstanceUid, doc.byReferenceAllowed);
  } catch (e) {
    if (!(e instanceof SrLimitError)) throw e;
    env.issues.warn('SR_LIMIT', `${e.message}; SR not mapped`, { sopInstanceUid: inst.sopInstanceUid });
    return undefined;
  }
  const contexts = computeContexts(tree);
  const partial = { contexts, env };
  return {
    env, doc, tree, contexts, kinds: classifyAll(tree, doc, partial),
    patientRef: refs.patient, imagingStudyRef: refs.imagingStudy,
    source: instanceUrl(env.cfg, inst.studyUid, inst.seriesUid, inst.sopInstanceUid),
    devices: new Map(), bodyStructures: new Map(),
  };
}

export function mapSrInstance(inst: IndexedInstance, index: StudyIndex, refs: SrRefs, env: MapEnv): SrMapping {
  const doc = readSrDocument(inst, index, env);
  if (doc.kind === 'kos' || doc.kind === 'index-only') return emptyMapping(doc);
  const scope = buildScope(inst, doc, refs, env);
  if (!scope) return emptyMapping(doc);
  const observations = mapObservations(scope);
  const members = new Set(observations.flatMap((o) => (o.resource.hasMember ?? []).map((r) => r.reference)));
  const results = observations.map((o) => o.fullUrl).filter((u) => !members.has(u));
  const content = reportContent(scope);
  const report = toDiagnosticReport(scope, results, content, refs.basedOn);
  const asserter = interpreters(scope)[0];
  const conditions = content.conclusionCodes
    .filter((c) => conditionRejection(scope, c.node) === undefined)
    .map((c) => toCondition(scope, c.node, { fullUrl: report.fullUrl, issued: reportIssued(scope), asserter }));
  const withObservation = new Set(observations.map((o) => o.node.path));
  const findings = scope.tree.nodes
    .map((n) => findingOf(scope, n, withObservation))
    .filter((f): f is SrFinding => !!f);
  return {
    document: doc, observations, devices: [...scope.devices.values()], bodyStructures: [...scope.bodyStructures.values()],
    report, conditions, findings,
  };
}
