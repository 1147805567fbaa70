/**
 * The deployment's WADO-RS Endpoint (spec 4.4; Argonaut WADO-RS Endpoint example [S12]).
 */
import type { ResolvedContext } from './context.js';
import type { Endpoint } from './fhir-r4.js';
import { type ResourceKey, fullUrlFor, provenanceMeta } from './identifiers.js';

export interface MappedEndpoint {
  resource: Endpoint;
  key: ResourceKey;
  fullUrl: string;
}

export function toEndpoint(cfg: ResolvedContext): MappedEndpoint {
  const key: ResourceKey = { resourceType: 'Endpoint', system: `${cfg.identifierBase}/endpoint`, value: 'dicomweb-wado-rs' };
  const resource: Endpoint = {
    resourceType: 'Endpoint',
    meta: provenanceMeta(cfg, cfg.dicomwebBaseUrl),
    identifier: [{ system: key.system, value: key.value }],
    status: 'active',
    connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'dicom-wado-rs' },
    payloadType: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/endpoint-payload-type', code: 'any' }] }],
    payloadMimeType: ['application/dicom'],
    // Service root, before `/studies` (PS3.18 10.4 / spec 4.4).
    address: cfg.dicomwebBaseUrl,
  };
  return { resource, key, fullUrl: fullUrlFor(key, cfg) };
}
