/**
 * Flat finding list per SR (seed doc section 7 "Finding Classification"): the
 * impression / finding / measurement / recommendation / coded_diagnosis view that
 * feeds the Clinical Context summary and the index.
 */
import { SYSTEM, toCoding } from '../coding.js';
import type { Coding } from '../fhir-r4.js';
import type { ItemKind } from './classify.js';
import { codeValue, numValue, textValue } from './content-value.js';
import type { SrNode } from './content-tree.js';
import { nearestSection } from './classify.js';
import { type SrScope, kindOf, observationUrl } from './scope.js';

export type FindingType = 'impression' | 'finding' | 'measurement' | 'recommendation' | 'coded_diagnosis';

export interface SrFinding {
  sopInstanceUid: string;
  path: string;
  findingType: FindingType;
  kind: ItemKind;
  valueType: string;
  /** Concept name meaning, e.g. "Diameter". */
  conceptName?: string;
  concept?: Coding;
  /** Meaning of the nearest recognised section heading, e.g. "Impressions". */
  section?: string;
  text?: string;
  code?: Coding;
  /** Meaning of a coded value (also when its scheme has no FHIR system). */
  codeMeaning?: string;
  value?: number;
  unit?: string;
  unitCode?: string;
  observationFullUrl?: string;
}

const FINDING_TYPE: Partial<Record<ItemKind, FindingType>> = {
  measurement: 'measurement', derived: 'measurement', qualitative: 'finding', finding: 'finding',
  generic: 'finding', recommendation: 'recommendation', impression: 'impression', addendum: 'impression',
  'coded-diagnosis': 'coded_diagnosis',
};

function findingType(scope: SrScope, node: SrNode, kind: ItemKind, code: Coding | undefined): FindingType | undefined {
  if (node.vt === 'NUM') return kind === 'recommendation' ? 'recommendation' : 'measurement';
  const base = FINDING_TYPE[kind];
  // A coded impression in SNOMED CT or a configured ICD system is a coded diagnosis (seed doc 7).
  const diagnosisSystems: string[] = [SYSTEM.SCT, ...scope.env.cfg.condition.icdSystems];
  if ((kind === 'impression' || kind === 'addendum') && node.vt === 'CODE' && code?.system && diagnosisSystems.includes(code.system)) return 'coded_diagnosis';
  return base;
}

/**
 * Finding for one classified item. A measurement group's Finding (121071) is not an item of
 * its own (it is the group's value), so it is reported with `asGroupFinding` = the group path.
 */
export function toFinding(scope: SrScope, node: SrNode, hasObservation: boolean, asGroupFinding?: string): SrFinding | undefined {
  const kind: ItemKind = asGroupFinding ? 'finding' : kindOf(scope, node);
  if (node.vt !== 'NUM' && node.vt !== 'CODE' && node.vt !== 'TEXT') return undefined;
  const value = node.vt === 'CODE' ? codeValue(node) : undefined;
  const code = toCoding(value, scope.env.coding);
  const type = findingType(scope, node, kind, code);
  if (!type) return undefined;
  const out: SrFinding = { sopInstanceUid: scope.doc.instance.sopInstanceUid, path: node.path, findingType: type, kind, valueType: node.vt };
  if (node.concept?.meaning) out.conceptName = node.concept.meaning;
  const concept = toCoding(node.concept, scope.env.coding);
  if (concept) out.concept = concept;
  const section = nearestSection(node)?.container.concept?.meaning;
  if (section) out.section = section;
  if (node.vt === 'TEXT' && scope.doc.allowText) out.text = textValue(node);
  if (code) out.code = code;
  if (value?.meaning && (code || scope.doc.allowText)) out.codeMeaning = value.meaning;
  if (node.vt === 'NUM') {
    const num = numValue(node);
    if (num.value !== undefined) out.value = num.value;
    if (num.unit?.meaning) out.unit = num.unit.meaning;
    if (num.unit?.value) out.unitCode = num.unit.value;
  }
  if (hasObservation || asGroupFinding) out.observationFullUrl = observationUrl(scope, asGroupFinding ?? node.path);
  return out;
}
