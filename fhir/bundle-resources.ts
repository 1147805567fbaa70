/**
 * The resources of a transaction Bundle from the mappings (spec 10) as this
 * server stores them: each gets the UUID of its deterministic `urn:uuid:`
 * fullUrl as id, and references between entries become `Type/id`. So a study
 * mapped again yields the same ids and replaces its previous set.
 */
import type { Bundle } from '../mappings/fhir-r4.js';
import type { FhirResourceJson } from '../storage/fhir-store.js';

export type IdentifiedResource = FhirResourceJson & { id: string };

function rewriteReferences(value: unknown, refs: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, refs));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === 'reference' && typeof v === 'string' && refs.has(v) ? refs.get(v) : rewriteReferences(v, refs);
  }
  return out;
}

export function bundleResources(bundle: Bundle): IdentifiedResource[] {
  const refs = new Map<string, string>();
  const ids = new Map<string, string>();
  for (const e of bundle.entry) {
    const id = e.fullUrl.replace(/^urn:uuid:/, '');
    ids.set(e.fullUrl, id);
    refs.set(e.fullUrl, `${e.resource.resourceType}/${id}`);
  }
  return bundle.entry.map((e) => {
    const { id: _ignored, ...body } = rewriteReferences(e.resource, refs) as FhirResourceJson;
    return { ...body, resourceType: e.resource.resourceType, id: ids.get(e.fullUrl)! } as IdentifiedResource;
  });
}
