/**
 * Deletions for the upstream (spec 10.4). The outbox Bundle of a study is
 * its whole upstream state; what an earlier Bundle of the study held and the
 * new one no longer does (instances, series or a whole study deleted through
 * DICOMweb, an SR gone, a mapping change) is retracted in the new Bundle:
 *
 *   mode `status` (default, spec 10.4):
 *     ImagingStudy                    PUT, status `cancelled` (only when the study is empty: its key is the Study UID)
 *     DiagnosticReport, Observation   PUT, status `entered-in-error`
 *     Condition                       PUT, verificationStatus `entered-in-error`, no clinicalStatus (R4 con-5)
 *     Patient, Endpoint, Device, BodyStructure: carried unchanged only when a retracted entry refers to them
 *   mode `delete` (DICOM Cast style): conditional DELETE `<Type>?identifier=…` of the same four types.
 *
 * Retractions stay in later Bundles of the study (each Bundle carries the full
 * state, and a newer one replaces an unsent older one in the outbox), until
 * the resource comes back. Pure; entries are matched by their conditional URL.
 */
import type { Bundle, BundleEntry } from '../../mappings/fhir-r4.js';

export type UpstreamDeleteMode = 'status' | 'delete';

/** An entry of a pushed Bundle: a retraction in delete mode has no resource. */
export interface PushEntry {
  fullUrl?: string;
  resource?: { resourceType: string; [k: string]: unknown };
  request: { method: string; url: string; ifNoneExist?: string };
}

export interface PushBundle {
  resourceType: 'Bundle';
  type: 'transaction';
  entry: PushEntry[];
}

const RETRACTED = new Set(['ImagingStudy', 'DiagnosticReport', 'Observation', 'Condition']);
const VER_STATUS = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

/** `Type?identifier=system|value`, the resource's key (spec 10.1). */
export function conditionalUrl(e: PushEntry): string {
  if (e.request.method === 'POST' && e.request.ifNoneExist) return `${e.request.url}?${e.request.ifNoneExist}`;
  return e.request.url;
}

const typeOf = (e: PushEntry) => e.resource?.resourceType ?? conditionalUrl(e).split('?')[0];

function retract(e: PushEntry, mode: UpstreamDeleteMode): PushEntry {
  const url = conditionalUrl(e);
  if (mode === 'delete' || !e.resource) return { request: { method: 'DELETE', url } };
  const r = structuredClone(e.resource);
  if (r.resourceType === 'ImagingStudy') r.status = 'cancelled';
  else if (r.resourceType === 'Condition') {
    delete r.clinicalStatus;
    r.verificationStatus = { coding: [{ system: VER_STATUS, code: 'entered-in-error', display: 'Entered in Error' }] };
  } else r.status = 'entered-in-error';
  return { fullUrl: e.fullUrl, resource: r, request: { method: 'PUT', url } };
}

function references(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) references(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string' && v.startsWith('urn:uuid:')) out.add(v);
      else references(v, out);
    }
  }
}

/**
 * The Bundle to push: `next` (the study as mapped now; undefined when it has
 * no instances) plus retractions of what `previous` (the last Bundle pushed
 * for the study) held. Undefined when there is nothing to push at all.
 */
export function withRetractions(previous: PushBundle | undefined, next: Bundle | undefined, mode: UpstreamDeleteMode): PushBundle | undefined {
  const updatedBefore = new Set((previous?.entry ?? []).filter((e) => e.request.method !== 'POST').map(conditionalUrl));
  // A Condition that was retracted comes back by conditional update: a conditional create would leave it retracted.
  const entries: PushEntry[] = ((next?.entry ?? []) as BundleEntry[] as PushEntry[]).map((e) =>
    e.request.method === 'POST' && typeOf(e) === 'Condition' && updatedBefore.has(conditionalUrl(e))
      ? { ...e, request: { method: 'PUT', url: conditionalUrl(e) } }
      : e);
  const present = new Set(entries.map(conditionalUrl));
  const gone = (previous?.entry ?? []).filter((e) => !present.has(conditionalUrl(e)));
  const retractions = gone.filter((e) => RETRACTED.has(typeOf(e))).map((e) => retract(e, mode));
  if (retractions.length === 0) return next && { ...(next as unknown as PushBundle), entry: entries };
  // Entries the retractions still refer to (a Patient, an Endpoint, a Device): carried, unchanged.
  const byFullUrl = new Map(gone.filter((e) => e.fullUrl && e.resource && !RETRACTED.has(typeOf(e))).map((e) => [e.fullUrl!, e]));
  const have = new Set([...entries, ...retractions].flatMap((e) => (e.fullUrl ? [e.fullUrl] : [])));
  const carried: PushEntry[] = [];
  const pending = [...retractions];
  while (pending.length) {
    const refs = new Set<string>();
    references(pending.pop()!.resource, refs);
    for (const ref of refs) {
      const target = byFullUrl.get(ref);
      if (!target || have.has(ref)) continue;
      have.add(ref);
      carried.push(target);
      pending.push(target);
    }
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: [...entries, ...carried, ...retractions] };
}
