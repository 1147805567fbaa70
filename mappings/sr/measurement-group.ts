/**
 * TID 1500 measurement group (TID 1501/1410/1411) -> grouping Observation with
 * hasMember, following the HL7 DICOM SR IG as adapted to R4 (spec 6.2-6.4).
 */
import { dcmCoding, isConcept, toCodeableConcept } from '../coding.js';
import { needsBodyStructure, toBodyStructure } from '../body-structure.js';
import type { Observation } from '../fhir-r4.js';
import { srItemSystem, srItemValue } from '../identifiers.js';
import type { SrNode } from './content-tree.js';
import { codeValue, textValue } from './content-value.js';
import { deriveFrom, deviceFor } from './links.js';
import { readModifiers, withGroupDefaults, type Modifiers } from './modifiers.js';
import { dedupe, toObservation } from './observation.js';
import { type MappedObservation, type SrScope, contextOf, kindOf } from './scope.js';

const FINDING_CATEGORY = 'SCT:276214006';
const FINDING = 'DCM:121071';
const MEMBER_KINDS = new Set(['measurement', 'qualitative', 'derived']);

const containsItem = (group: SrNode, key: string): SrNode | undefined =>
  group.children.find((c) => c.rel === 'CONTAINS' && isConcept(c.concept, key));

/** Group value: the Finding (121071), coded or text (spec 6.2 kinds table). */
function groupValue(scope: SrScope, group: SrNode): Pick<Observation, 'valueCodeableConcept' | 'valueString'> {
  const finding = containsItem(group, FINDING);
  if (!finding) return {};
  if (finding.vt === 'CODE') {
    const cc = toCodeableConcept(codeValue(finding), scope.env.coding);
    // Unmapped (private) codes carry only their meaning, which is free text (spec 3.3).
    return cc && (cc.coding || scope.doc.allowText) ? { valueCodeableConcept: cc } : {};
  }
  const text = textValue(finding);
  return text && scope.doc.allowText ? { valueString: text } : {};
}

/** BodyStructure for tracked or lateralised groups (spec 6.3); returns its fullUrl. */
function focusFor(scope: SrScope, group: SrNode, mods: Modifiers): string | undefined {
  const ctx = contextOf(scope, group);
  const input = { trackingId: ctx.trackingId, trackingUid: ctx.trackingUid, site: mods.site, laterality: mods.laterality, topographical: mods.topographical };
  if (!needsBodyStructure(input)) return undefined;
  const itemKey = { system: srItemSystem(scope.env.cfg), value: srItemValue(scope.doc.instance.sopInstanceUid, group.path) };
  const bs = toBodyStructure({ ...input, itemKey, patientRef: scope.patientRef, source: scope.source }, scope.env);
  if (!scope.bodyStructures.has(bs.fullUrl)) scope.bodyStructures.set(bs.fullUrl, bs);
  return bs.fullUrl;
}

export function mapGroup(scope: SrScope, group: SrNode): MappedObservation[] {
  const negation = scope.env.cfg.condition.negationModifiers;
  const groupMods = readModifiers(group, negation);
  const focus = focusFor(scope, group, groupMods);
  const groupDevice = deviceFor(scope, group, groupMods);
  const groupDerived = deriveFrom(scope, group, true);
  const members = group.children.filter((c) => MEMBER_KINDS.has(kindOf(scope, c)));
  const category = containsItem(group, FINDING_CATEGORY);
  const categoryCode = category ? toCodeableConcept(codeValue(category), scope.env.coding) : undefined;
  const memberObs = members.map((m) => {
    const own = readModifiers(m, negation);
    const mods = withGroupDefaults(own, groupMods);
    return toObservation(scope, {
      node: m, kind: kindOf(scope, m), mods,
      focus: focus ? [focus] : undefined,
      deviceRef: own.algorithmName ? deviceFor(scope, m, mods) : groupDevice,
      derivedFrom: dedupe([...groupDerived, ...deriveFrom(scope, m, false)]),
    });
  });
  const groupObs = toObservation(scope, {
    node: group, kind: 'group', mods: groupMods,
    // Without a Finding category the group is coded 125007 and that category is dropped (spec 6.2).
    code: categoryCode ?? { coding: [dcmCoding('125007', 'Measurement Group')] },
    dropKindCategory: !categoryCode,
    value: groupValue(scope, group),
    focus: focus ? [focus] : undefined,
    deviceRef: groupDevice,
    hasMember: memberObs.map((o) => o.fullUrl),
    derivedFrom: groupDerived,
  });
  return [groupObs, ...memberObs];
}
