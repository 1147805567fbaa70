/**
 * Conditional-request keys, fullUrls and provenance meta (spec 10.1, 10.2, 2.3).
 */
import { SYSTEM } from './coding.js';
import type { ResolvedContext } from './context.js';
import type { BundleEntry, Identifier, MappedResource, Meta } from './fhir-r4.js';
import { NAMESPACE_URL, uuidV5 } from './uuid.js';

export interface ResourceKey {
  resourceType: MappedResource['resourceType'];
  system: string;
  value: string;
  /** Conditional create (POST + ifNoneExist) instead of conditional update (PUT). */
  create?: boolean;
}

/** `urn:dicom:uid` identifier for a UID (PS3.18 / FHIR ImagingStudy notes). */
export function dicomUidIdentifier(uid: string): Identifier {
  return { system: SYSTEM.DICOM_UID, value: `urn:oid:${uid}` };
}

export function srItemSystem(cfg: ResolvedContext): string {
  return `${cfg.identifierBase}/dicom-sr-item`;
}

/** Observation/Condition key value: `<SR SOPInstanceUID>:<content item path>` (spec 10.1). */
export function srItemValue(sopInstanceUid: string, path: string): string {
  return `${sopInstanceUid}:${path}`;
}

/** spec 10.2: urn:uuid:UUIDv5(UUIDv5(NAMESPACE_URL, identifierBase), type|system|value). */
export function fullUrlFor(key: Pick<ResourceKey, 'resourceType' | 'system' | 'value'>, cfg: ResolvedContext): string {
  const ns = uuidV5(NAMESPACE_URL, cfg.identifierBase);
  return `urn:uuid:${uuidV5(ns, `${key.resourceType}|${key.system}|${key.value}`)}`;
}

/**
 * Token value for a search URL. FHIR search escapes `\ | , $` with a backslash
 * (https://hl7.org/fhir/R4/search.html#escaping); characters that would break the
 * query string are percent-encoded, while `:` `/` `|` stay readable as in spec 9.
 */
function searchToken(value: string): string {
  const escaped = value.replace(/[\\|,$]/gu, (c) => `\\${c}`);
  return encodeURIComponent(escaped).replace(/%3A/giu, ':').replace(/%2F/giu, '/').replace(/%40/giu, '@');
}

export function identifierQuery(key: Pick<ResourceKey, 'system' | 'value'>): string {
  return `identifier=${searchToken(key.system)}|${searchToken(key.value)}`;
}

export function toEntry(resource: MappedResource, key: ResourceKey, cfg: ResolvedContext): BundleEntry {
  const fullUrl = fullUrlFor(key, cfg);
  const query = identifierQuery(key);
  const request: BundleEntry['request'] = key.create
    ? { method: 'POST', url: key.resourceType, ifNoneExist: query }
    : { method: 'PUT', url: `${key.resourceType}?${query}` };
  return { fullUrl, resource, request };
}

/** spec 2.3: every resource is tagged with the mapping version and its source URL. */
export function provenanceMeta(cfg: ResolvedContext, source: string, extraTags: string[] = []): Meta {
  const system = `${cfg.canonicalBase}/CodeSystem/dicom-mapping`;
  return { source, tag: [{ system, code: 'v1' }, ...extraTags.map((code) => ({ system, code }))] };
}

export function studyUrl(cfg: ResolvedContext, studyUid: string): string {
  return `${cfg.dicomwebBaseUrl}/studies/${studyUid}`;
}

export function instanceUrl(cfg: ResolvedContext, studyUid: string, seriesUid: string, sopUid: string): string {
  return `${studyUrl(cfg, studyUid)}/series/${seriesUid}/instances/${sopUid}`;
}
