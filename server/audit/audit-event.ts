import type { AuditAction, AuditRecord } from '../../storage/audit-store.js';

interface Coding { system: string; code: string; display?: string }
interface AuditEventEntity {
  what?: { reference?: string; identifier?: { system: string; value: string } };
  type: Coding;
  role?: Coding;
  description?: string;
  detail?: Array<{ type: string; valueString: string }>;
}

/** The FHIR R4 AuditEvent elements this server fills (https://hl7.org/fhir/R4/auditevent.html). */
export interface AuditEvent {
  resourceType: 'AuditEvent';
  id: string;
  type: Coding;
  subtype: Coding[];
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  recorded: string;
  outcome: '0' | '4' | '8' | '12';
  outcomeDesc: string;
  agent: Array<{
    who: { identifier: { system: string; value: string } };
    requestor: boolean;
    network?: { address: string; type: '2' };
  }>;
  source: { site: string; observer: { display: string }; type: Coding[] };
  entity: AuditEventEntity[];
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const REST = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
/** Our own code system for the action names of storage/audit-store.ts. */
export const ACTION_SYSTEM = 'urn:dicomweb-fhir-server:audit-action';
export const AGENT_SYSTEM = { jwt: 'urn:dicomweb-fhir-server:token-subject', 'api-key': 'urn:dicomweb-fhir-server:api-key-id', anonymous: 'urn:dicomweb-fhir-server:anonymous' };

interface Kind {
  type: Coding;
  rest?: string;
  action: AuditEvent['action'];
}

/**
 * DICOM audit event IDs (PS3.16 CID 400) for DICOM transactions, FHIR's
 * "rest" type with the RESTful interaction for FHIR ones; action per
 * AuditEvent.action (C R U D E, a search being E).
 */
const KIND: Record<AuditAction, Kind> = {
  store: { type: { system: DCM, code: '110104', display: 'DICOM Instances Transferred' }, action: 'C' },
  upload: { type: { system: DCM, code: '110104', display: 'DICOM Instances Transferred' }, action: 'C' },
  search: { type: { system: DCM, code: '110112', display: 'Query' }, action: 'E' },
  retrieve: { type: { system: DCM, code: '110103', display: 'DICOM Instances Accessed' }, action: 'R' },
  delete: { type: { system: DCM, code: '110103', display: 'DICOM Instances Accessed' }, action: 'D' },
  deidentify: { type: { system: DCM, code: '110103', display: 'DICOM Instances Accessed' }, action: 'R' },
  push: { type: { system: DCM, code: '110106', display: 'Export' }, action: 'R' },
  'fhir-read': { type: { system: EVENT_TYPE, code: 'rest', display: 'RESTful Operation' }, rest: 'read', action: 'R' },
  'fhir-search': { type: { system: EVENT_TYPE, code: 'rest', display: 'RESTful Operation' }, rest: 'search-type', action: 'E' },
  'fhir-write': { type: { system: EVENT_TYPE, code: 'rest', display: 'RESTful Operation' }, rest: 'update', action: 'U' },
};

/** AuditEvent.outcome: 0 success, 4 minor failure (the client's), 8 serious failure (ours). */
export function outcomeOf(status: number): '0' | '4' | '8' {
  if (status >= 500) return '8';
  if (status >= 400) return '4';
  return '0';
}

/** The FHIR R4 AuditEvent of one audit record. */
export function toAuditEvent(r: AuditRecord): AuditEvent {
  const kind = KIND[r.action];
  return {
    resourceType: 'AuditEvent',
    id: r.id,
    type: kind.type,
    subtype: [
      ...(kind.rest ? [{ system: REST, code: kind.rest }] : []),
      { system: ACTION_SYSTEM, code: r.action },
    ],
    action: kind.action,
    recorded: r.recordedAt,
    outcome: outcomeOf(r.status),
    outcomeDesc: `HTTP ${r.status}`,
    agent: [{
      who: { identifier: { system: AGENT_SYSTEM[r.agent.kind], value: r.agent.id } },
      requestor: true,
      ...(r.sourceAddress ? { network: { address: r.sourceAddress, type: '2' as const } } : {}),
    }],
    source: {
      site: r.tenant,
      observer: { display: 'dicomweb-fhir-server' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: [
      ...r.studyUids.map((uid) => ({
        what: { identifier: { system: 'urn:dicom:uid', value: `urn:oid:${uid}` } },
        type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      })),
      ...r.entities.map((ref) => ({ what: { reference: ref }, type: { system: ENTITY_TYPE, code: '2', display: 'System Object' } })),
      requestEntity(r),
    ],
  };
}

/** The request itself: route template and query parameter names, never values. */
function requestEntity(r: AuditRecord): AuditEventEntity {
  const isQuery = r.action === 'search' || r.action === 'fhir-search';
  return {
    type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
    ...(isQuery ? { role: { system: OBJECT_ROLE, code: '24', display: 'Query' } } : {}),
    description: `${r.method} ${r.route}`,
    ...(r.queryKeys.length ? { detail: [{ type: 'query-parameters', valueString: r.queryKeys.join(',') }] } : {}),
  };
}
