/**
 * The CapabilityStatement (R4 capabilitystatement.html), built from the same
 * search parameter registry the server searches with, so it lists exactly
 * what works: read and search-type on the mapped resource types, read only on
 * Binary, no writes (resources come from DICOM), no history, JSON only;
 * plus AuditEvent (server/audit).
 */
import type { FhirResourceJson } from '../storage/fhir-store.js';
import type { SearchParamDef } from './search/params.js';

export interface CapabilityOptions {
  registry: Record<string, SearchParamDef[]>;
  /** The FHIR base as clients see it. */
  baseUrl: string;
  canonicalBase: string;
  software: { name: string; version: string };
  /** When this statement (the server build) took effect. */
  date: string;
}

const COMMON = [
  { name: '_id', type: 'token', documentation: 'The logical id' },
  { name: '_lastUpdated', type: 'date', documentation: 'When the resource last changed on this server' },
];

function resourceEntry(type: string, defs: SearchParamDef[], all: Record<string, SearchParamDef[]>, canonicalBase: string) {
  const includes = defs.filter((d) => d.type === 'reference').map((d) => `${type}:${d.name}`);
  const revIncludes = Object.entries(all).flatMap(([source, ds]) =>
    ds.filter((d) => d.type === 'reference' && (!d.targets || d.targets.includes(type))).map((d) => `${source}:${d.name}`));
  return {
    type,
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    versioning: 'versioned',
    readHistory: false,
    updateCreate: false,
    conditionalCreate: false,
    conditionalRead: 'not-supported',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    ...(includes.length ? { searchInclude: includes } : {}),
    ...(revIncludes.length ? { searchRevInclude: revIncludes } : {}),
    searchParam: [
      ...COMMON,
      ...defs.map((d) => ({ name: d.name, ...(d.custom ? { definition: d.custom } : {}), type: d.type, documentation: d.documentation })),
    ],
    ...(type === 'ImagingStudy'
      ? {
          operation: [{
            name: 'summary',
            definition: `${canonicalBase}/OperationDefinition/ImagingStudy-summary`,
            documentation: 'GET [base]/ImagingStudy/[id]/$summary: the plain-text study summary (text/plain) for the Clinical Context Agent',
          }],
        }
      : {}),
  };
}

/**
 * AuditEvent, served by server/audit (audit-event-router.ts), with the search
 * parameters of its parser (audit-search.ts): no _id/_lastUpdated, no
 * includes. `agent` matches the agent's identifier value (R4's `agent` is a
 * reference search), and `entity-id` (an STU3 name) and `study` are not R4
 * parameters: all three carry their own definition URL.
 */
function auditEventEntry(canonicalBase: string) {
  const custom = (name: string) => `${canonicalBase}/SearchParameter/AuditEvent-${name}`;
  return {
    type: 'AuditEvent',
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    versioning: 'no-version',
    readHistory: false,
    updateCreate: false,
    conditionalCreate: false,
    conditionalRead: 'not-supported',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    searchParam: [
      { name: 'date', type: 'date', documentation: 'When the event was recorded: eq (default), ge, gt, le, lt; repeat to bound both ends' },
      { name: 'outcome', type: 'token', documentation: 'Outcome code: 0, 4, 8 or 12' },
      { name: 'agent', definition: custom('agent-identifier'), type: 'token', documentation: 'The identifier value of the requesting agent (token subject or API key id); a system before | is ignored' },
      { name: 'entity-id', definition: custom('entity-id'), type: 'token', documentation: 'A study the event is about: urn:oid:<StudyInstanceUID> or the bare UID' },
      { name: 'study', definition: custom('study'), type: 'token', documentation: 'Same as entity-id' },
    ],
  };
}

export function capabilityStatement(o: CapabilityOptions): FhirResourceJson {
  const binary = { type: 'Binary', interaction: [{ code: 'read' }], versioning: 'versioned', readHistory: false, updateCreate: false };
  const resources: Array<{ type: string }> = [
    ...Object.entries(o.registry).map(([type, defs]) => resourceEntry(type, defs, o.registry, o.canonicalBase)),
    binary,
    auditEventEntry(o.canonicalBase),
  ].sort((a, b) => a.type.localeCompare(b.type));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: o.date,
    publisher: o.software.name,
    kind: 'instance',
    software: o.software,
    implementation: { description: 'DICOMweb + FHIR R4 server: FHIR resources derived from stored DICOM studies (read-only)', url: o.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [{
      mode: 'server',
      documentation: 'Read-only: resources are created and updated from DICOM instances stored through STOW-RS. '
        + 'Search pages with _count/_offset; a time without a zone offset is read as UTC. '
        + 'Besides the parameters listed per type: _count, _offset, _sort (_id, _lastUpdated, - for descending), _summary=count, '
        + '_total, _include[:iterate], _revinclude, _format=json, _pretty (AuditEvent: _count and _offset only). '
        + 'AuditEvent records access to patient data in the caller\'s tenant and needs AuditEvent scopes.',
      resource: resources,
    }],
  };
}
