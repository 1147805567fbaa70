/**
 * Per-SR mapping state shared by the SR mappers: the parsed document, per-item context
 * and classification, and the resources collected so far (deduplicated by fullUrl).
 */
import type { MappedBodyStructure } from '../body-structure.js';
import type { MappedDevice } from '../device.js';
import type { MapEnv } from '../env.js';
import type { Observation } from '../fhir-r4.js';
import { type ResourceKey, fullUrlFor, srItemSystem, srItemValue } from '../identifiers.js';
import type { ItemKind } from './classify.js';
import type { SrNode, SrTree } from './content-tree.js';
import type { SrDocument } from './document.js';
import type { ObsContext } from './observation-context.js';

export interface MappedObservation {
  resource: Observation;
  key: ResourceKey;
  fullUrl: string;
  node: SrNode;
  kind: ItemKind;
}

export interface SrScope {
  env: MapEnv;
  doc: SrDocument;
  tree: SrTree;
  contexts: Map<string, ObsContext>;
  kinds: Map<string, ItemKind>;
  patientRef: string;
  imagingStudyRef: string;
  /** WADO-RS URL of the SR instance (meta.source, spec 2.3). */
  source: string;
  devices: Map<string, MappedDevice>;
  bodyStructures: Map<string, MappedBodyStructure>;
}

export function itemKey(scope: SrScope, path: string, resourceType: 'Observation' | 'Condition' = 'Observation'): ResourceKey {
  return {
    resourceType,
    system: srItemSystem(scope.env.cfg),
    value: srItemValue(scope.doc.instance.sopInstanceUid, path),
    ...(resourceType === 'Condition' ? { create: true } : {}),
  };
}

/** fullUrl an item's Observation has (or would have), so references can precede creation. */
export function observationUrl(scope: SrScope, path: string): string {
  return fullUrlFor(itemKey(scope, path), scope.env.cfg);
}

export function contextOf(scope: SrScope, node: SrNode): ObsContext {
  return scope.contexts.get(node.path) ?? {};
}

export function kindOf(scope: SrScope, node: SrNode): ItemKind {
  return scope.kinds.get(node.path) ?? 'none';
}
