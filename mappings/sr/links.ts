/**
 * Cross-resource links of an SR item: evidence (INFERRED FROM, spec 5.4), image
 * references (spec 6.4) and the Device that produced it (spec 6.5).
 */
import { type DeviceInfo, equipmentDevice, toDevice } from '../device.js';
import type { Reference } from '../fhir-r4.js';
import { OBSERVATION_KINDS } from './classify.js';
import { type SrNode, related } from './content-tree.js';
import { IMAGE_LIKE } from './content-value.js';
import { imageRefsOf, toImageReference } from './image-reference.js';
import type { Modifiers } from './modifiers.js';
import { type SrScope, contextOf, kindOf, observationUrl } from './scope.js';

const IMAGE_RELS_ITEM = ['INFERRED FROM', 'HAS PROPERTIES'] as const;
const IMAGE_RELS_GROUP = ['CONTAINS', 'INFERRED FROM', 'HAS PROPERTIES'] as const;

/** INFERRED FROM targets that have a resource -> their Observation fullUrls. */
export function inferredFromObservations(scope: SrScope, node: SrNode): string[] {
  return related(node, 'INFERRED FROM')
    .filter((t) => !IMAGE_LIKE.has(t.vt) && OBSERVATION_KINDS.has(kindOf(scope, t)))
    .map((t) => observationUrl(scope, t.path));
}

/** Image references attached to the item (directly, SELECTED FROM merged, or INFERRED FROM). */
export function imageReferences(scope: SrScope, node: SrNode, isGroup: boolean): Reference[] {
  const rels = isGroup ? IMAGE_RELS_GROUP : IMAGE_RELS_ITEM;
  return imageRefsOf(node, rels).map((ref) => toImageReference(ref, scope.imagingStudyRef, scope.doc, scope.env));
}

/** derivedFrom: image references first, then evidence Observations. */
export function deriveFrom(scope: SrScope, node: SrNode, isGroup: boolean): Reference[] {
  return [
    ...imageReferences(scope, node, isGroup),
    ...inferredFromObservations(scope, node).map((reference) => ({ reference })),
  ];
}

function deviceInfo(scope: SrScope, node: SrNode, mods: Modifiers): DeviceInfo | undefined {
  if (mods.algorithmName) {
    return { name: mods.algorithmName, version: mods.algorithmVersion ? [mods.algorithmVersion] : [] };
  }
  const observer = contextOf(scope, node).device;
  if (observer && (observer.uid || observer.name || observer.model)) {
    // Device Observer Name is a station-name-like label; PS3.15 Table E.1-1 removes Station Name.
    return scope.env.cfg.deidentified ? { ...observer, name: undefined, serial: undefined } : { ...observer };
  }
  return equipmentDevice(scope.doc.instance.ds);
}

/** Nearest algorithm, else device observer, else SR equipment (spec 6.2 `device`); registers it. */
export function deviceFor(scope: SrScope, node: SrNode, mods: Modifiers): string | undefined {
  const info = deviceInfo(scope, node, mods);
  if (!info) return undefined;
  if (scope.env.cfg.deidentified) info.serial = undefined;
  const device = toDevice(info, scope.source, scope.env.cfg);
  if (!scope.devices.has(device.fullUrl)) scope.devices.set(device.fullUrl, device);
  return device.fullUrl;
}
