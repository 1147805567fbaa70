/**
 * Observation assembly for one SR content item (spec 6.2), in R4 element order.
 */
import { SYSTEM, toCodeableConcept } from '../coding.js';
import { asInstant, dtToFhirDateTime } from '../datetime.js';
import { personNameDisplay, str } from '../dicom-json.js';
import type { CodeableConcept, Coding, Identifier, Observation, Reference } from '../fhir-r4.js';
import { fullUrlFor, provenanceMeta } from '../identifiers.js';
import { TAG } from '../tags.js';
import { allowPersonNames } from '../text-policy.js';
import type { ItemKind } from './classify.js';
import type { SrNode } from './content-tree.js';
import type { Modifiers } from './modifiers.js';
import { bodySiteOf, components, conceptWithModifiers, modifierExtensions, referenceRange, valueFields } from './observation-values.js';
import { type MappedObservation, type SrScope, contextOf, itemKey } from './scope.js';

export interface ObservationInput {
  node: SrNode;
  kind: ItemKind;
  mods: Modifiers;
  /** Replaces the concept name (group: Finding category; recommendation: DCM 121075). */
  code?: CodeableConcept;
  /** Replaces the item's own value (group: its Finding). */
  value?: Pick<Observation, 'valueCodeableConcept' | 'valueString' | 'dataAbsentReason'>;
  focus?: string[];
  deviceRef?: string;
  hasMember?: string[];
  derivedFrom: Reference[];
  /** Keep only the imaging category (a group without Finding category, spec 6.2). */
  dropKindCategory?: boolean;
}

/** Kind-specific second category (spec 6.2, as the SR IG's category slices). */
const KIND_CATEGORY: Partial<Record<ItemKind, Coding>> = {
  group: { system: SYSTEM.DCM, code: '125007' },
  qualitative: { system: SYSTEM.UMLS, code: 'C0034375' },
  derived: { system: SYSTEM.DCM, code: '126011' },
};

function identifiers(scope: SrScope, node: SrNode): Identifier[] {
  const key = itemKey(scope, node.path);
  const out: Identifier[] = [{ system: key.system, value: key.value }];
  const obsUid = str(node.item, TAG.ObservationUID);
  if (obsUid) {
    out.push({
      type: { coding: [{ system: SYSTEM.DICOM_IDENTIFIER_TYPE, code: 'observation-uid' }] },
      system: SYSTEM.DICOM_UID, value: `urn:oid:${obsUid}`,
    });
  }
  return out;
}

/** Observation DateTime of the item or an ancestor, else content date/time (spec 6.2). */
function issuedOf(scope: SrScope, node: SrNode): string | undefined {
  const raw = contextOf(scope, node).obsDateTime;
  const tz = str(scope.doc.instance.ds, TAG.TimezoneOffsetFromUTC);
  const fromContext = raw ? asInstant(dtToFhirDateTime(raw, tz, scope.env.dates)) : undefined;
  return fromContext ?? asInstant(scope.doc.contentDateTime);
}

function performerOf(scope: SrScope, node: SrNode): Reference[] {
  const person = contextOf(scope, node).person;
  const display = person && allowPersonNames(scope.env.cfg) ? personNameDisplay(person) : undefined;
  return display ? [{ display }] : [];
}

function categories(kind: ItemKind, dropKindCategory: boolean): CodeableConcept[] {
  const out: CodeableConcept[] = [{ coding: [{ system: SYSTEM.OBS_CATEGORY, code: 'imaging' }] }];
  const extra = dropKindCategory ? undefined : KIND_CATEGORY[kind];
  if (extra) out.push({ coding: [extra] });
  return out;
}

const nonEmpty = <T>(xs: T[] | undefined): xs is T[] => xs !== undefined && xs.length > 0;

export function toObservation(scope: SrScope, input: ObservationInput): MappedObservation {
  const { node, kind, mods } = input;
  const { env, doc } = scope;
  const sop = doc.instance.sopInstanceUid;
  const extension = modifierExtensions(mods, env, doc.allowText);
  const issued = issuedOf(scope, node);
  const performer = performerOf(scope, node);
  const value = input.value ?? valueFields(node, env, sop, doc.allowText);
  const bodySite = bodySiteOf(mods, env);
  const method = toCodeableConcept(mods.method, env.coding);
  const component = components(node, env, sop, doc.allowText);
  const range = referenceRange(node, env, sop);
  const derivedFrom = dedupe(input.derivedFrom);
  const resource: Observation = {
    resourceType: 'Observation',
    meta: provenanceMeta(env.cfg, scope.source),
    ...(extension.length > 0 ? { extension } : {}),
    identifier: identifiers(scope, node),
    partOf: [{ reference: scope.imagingStudyRef }],
    status: doc.observationStatus,
    category: categories(kind, input.dropKindCategory ?? false),
    code: input.code ?? conceptWithModifiers(node, mods, env),
    subject: { reference: scope.patientRef },
    ...(nonEmpty(input.focus) ? { focus: input.focus.map((reference) => ({ reference })) } : {}),
    ...(doc.effective ? { effectiveDateTime: doc.effective } : {}),
    ...(issued ? { issued } : {}),
    ...(performer.length > 0 ? { performer } : {}),
    ...value,
    ...(bodySite ? { bodySite } : {}),
    ...(method ? { method } : {}),
    ...(input.deviceRef ? { device: { reference: input.deviceRef } } : {}),
    ...(range ? { referenceRange: range } : {}),
    ...(nonEmpty(input.hasMember) ? { hasMember: input.hasMember.map((reference) => ({ reference })) } : {}),
    ...(derivedFrom.length > 0 ? { derivedFrom } : {}),
    ...(component.length > 0 ? { component } : {}),
  };
  const key = itemKey(scope, node.path);
  return { resource, key, fullUrl: fullUrlFor(key, env.cfg), node, kind };
}

/** Identical references (same target and qualifiers) are listed once. */
export function dedupe(refs: Reference[]): Reference[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = JSON.stringify(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
