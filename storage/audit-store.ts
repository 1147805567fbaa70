/**
 * Audit records: one per access to patient data (store, search, retrieve,
 * delete, FHIR read/search, de-identification, upload, push). A record says
 * who, which tenant, what kind of access, which route template, which studies
 * and with what outcome, and when. It never holds PHI values: no query
 * strings (a QIDO query can hold a patient name), only the names of the query
 * parameters; no patient attributes, only UIDs and FHIR references.
 *
 * Adapters: embedded (SQLite, in the index file) and MongoDB. One contract
 * suite (test/contract/audit-store.contract.ts) runs against both.
 */
export type AuditAction =
  | 'store'
  | 'search'
  | 'retrieve'
  | 'delete'
  | 'fhir-read'
  | 'fhir-search'
  | 'fhir-write'
  | 'deidentify'
  | 'upload'
  | 'push';

export interface AuditAgent {
  /** How the caller authenticated. */
  kind: 'jwt' | 'api-key' | 'anonymous';
  /** The token's subject or the API key's id (never the key itself). */
  id: string;
}

export interface AuditRecord {
  id: string;
  /** ISO-8601 UTC with milliseconds, so records sort as strings. */
  recordedAt: string;
  tenant: string;
  agent: AuditAgent;
  action: AuditAction;
  method: string;
  /** The route's path template, e.g. /dicomweb/studies/:study/series (not the request path). */
  route: string;
  studyUids: string[];
  /** FHIR references touched, e.g. ImagingStudy/abc. */
  entities: string[];
  /** Names of the query parameters sent, never their values. */
  queryKeys: string[];
  /** HTTP status of the response; 499 when the client went away before it was complete. */
  status: number;
  /** Network address of the caller (the system, not the patient). */
  sourceAddress?: string;
}

export interface AuditQuery {
  tenant: string;
  /** recordedAt >= since */
  since?: string;
  /** recordedAt < until */
  until?: string;
  agentId?: string;
  studyUid?: string;
  /** status >= min and status < max */
  status?: { min: number; max: number };
  action?: AuditAction;
  limit: number;
  offset: number;
}

export interface AuditPage {
  /** Newest first. */
  records: AuditRecord[];
  more: boolean;
}

export interface AuditStore {
  append(record: AuditRecord): Promise<void>;
  get(tenant: string, id: string): Promise<AuditRecord | undefined>;
  query(query: AuditQuery): Promise<AuditPage>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
