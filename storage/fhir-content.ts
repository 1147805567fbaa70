/**
 * What both FHIR store adapters do the same way: decide whether a write
 * changes anything, and put version metadata on a resource read back.
 */
import { createHash } from 'node:crypto';
import type { FhirResourceJson, ResourceWrite, StoredResource } from './fhir-store.js';

export interface WriteContent {
  /** The resource as stored: with `id`, without `meta.versionId`/`meta.lastUpdated`. */
  json: string;
  /** Hash of `json`: a new version only when it changes. */
  hash: string;
  /** Hash of the index entries: re-indexed when it changes, even if the resource did not. */
  indexHash: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

export function writeContent(w: ResourceWrite): WriteContent {
  if (w.resource.resourceType !== w.type) throw new Error(`resourceType ${w.resource.resourceType} written as ${w.type}`);
  const { versionId: _v, lastUpdated: _l, ...meta } = w.resource.meta ?? {};
  const { resourceType, id: _id, meta: _m, ...rest } = w.resource;
  const body: FhirResourceJson = { resourceType, id: w.id, ...(Object.keys(meta).length ? { meta } : {}), ...rest };
  const json = JSON.stringify(body);
  return { json, hash: sha256(json), indexHash: sha256(JSON.stringify(w.index)) };
}

/** The stored JSON with `meta.versionId` and `meta.lastUpdated` first in `meta`, as servers usually write them. */
export function toStored(tenant: string, type: string, id: string, version: number, lastUpdated: string, json: string): StoredResource {
  const body = JSON.parse(json) as FhirResourceJson;
  const { resourceType, id: bodyId, meta, ...rest } = body;
  const versionId = String(version);
  return {
    tenant, type, id, versionId, lastUpdated,
    resource: { resourceType, id: bodyId, meta: { versionId, lastUpdated, ...(meta ?? {}) }, ...rest },
  };
}

/** JSON, so no (tenant, type, id) triple can collide with another. */
export const resourceKey = (tenant: string, type: string, id: string): string => JSON.stringify([tenant, type, id]);
export const studyKey = (tenant: string, studyUid: string): string => JSON.stringify([tenant, studyUid]);
