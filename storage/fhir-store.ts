/**
 * The FHIR resource store and the sync bookkeeping next to it. Adapters:
 * embedded (SQLite, the default) and MongoDB; one contract suite
 * (test/contract/fhir-store.contract.ts) runs against both.
 *
 * The store knows no FHIR search semantics: callers extract search values at
 * write time (`IndexEntry`) and send conditions already resolved to
 * comparisons on those values. Every record carries its tenant and no
 * operation runs without one (the outbox admin view excepted).
 */

/** A FHIR resource as JSON. The store reads `resourceType` only; it sets `id` and `meta.versionId`/`meta.lastUpdated`. */
export interface FhirResourceJson {
  resourceType: string;
  id?: string;
  meta?: { versionId?: string; lastUpdated?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * One search value of a resource, extracted when it is written.
 * A date parameter has at most one entry per resource (its whole span).
 */
export type IndexEntry =
  | { param: string; kind: 'token'; system?: string; code: string }
  | { param: string; kind: 'reference'; ref: string }
  /** `text`: normalised (lower case, no accents) for default and :contains matching; `exact`: as written. */
  | { param: string; kind: 'string'; text: string; exact: string }
  | { param: string; kind: 'date'; lo: string; hi: string };

export interface ResourceWrite {
  type: string;
  id: string;
  resource: FhirResourceJson;
  index: IndexEntry[];
}

export interface ResourceRef {
  type: string;
  id: string;
}

export interface StoredResource {
  tenant: string;
  type: string;
  id: string;
  versionId: string;
  /** ISO 8601 instant with milliseconds, UTC (`…Z`). */
  lastUpdated: string;
  /** The resource with `id`, `meta.versionId` and `meta.lastUpdated` filled in. */
  resource: FhirResourceJson;
}

/** `system`: undefined = any system, null = no system. `code`: undefined = any code (the `system|` form). */
export interface TokenMatch {
  system?: string | null;
  code?: string;
}

/** One comparison on the span [lo, hi] of a date entry; instants compare as ISO strings. */
export interface DateComparison {
  field: 'lo' | 'hi';
  op: '<' | '<=' | '>' | '>=';
  value: string;
}

/** Every condition must hold (AND); `anyOf` lists alternatives (OR). */
export type SearchCondition =
  | { kind: 'token'; param: string; anyOf: TokenMatch[] }
  | { kind: 'reference'; param: string; anyOf: string[] }
  | { kind: 'string'; param: string; match: 'prefix' | 'exact' | 'contains'; anyOf: string[] }
  /** Alternatives of conjunctions, all on the one entry of `param`. */
  | { kind: 'date'; param: string; anyOf: DateComparison[][] }
  | { kind: 'id'; anyOf: string[] }
  /** As `date`, on the record's lastUpdated (lo = hi = lastUpdated). */
  | { kind: 'lastUpdated'; anyOf: DateComparison[][] };

export interface ResourceQuery {
  tenant: string;
  type: string;
  conditions: SearchCondition[];
  sort: { by: 'lastUpdated' | 'id'; descending: boolean };
  offset: number;
  /** 0 returns no resources, only the total. */
  count: number;
}

export interface ResourcePage {
  resources: StoredResource[];
  /** All matches, regardless of offset and count. */
  total: number;
}

export interface ReplaceSummary {
  created: number;
  updated: number;
  unchanged: number;
  /** Resources no owner holds any more, deleted. */
  deleted: number;
}

/** A study whose FHIR resources must be regenerated; `token` changes on every mark. */
export interface DirtyStudy {
  tenant: string;
  studyUid: string;
  token: string;
  markedAt: string;
}

export interface OutboxItem {
  id: string;
  tenant: string;
  studyUid: string;
  /** The transaction Bundle to post, as JSON text. */
  payload: string;
  enqueuedAt: string;
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
}

export interface OutboxStatus {
  /** Waiting to be sent, including those waiting for a retry. */
  queued: number;
  /** Queued items that failed at least once. */
  retrying: number;
  /** Refused by the upstream for good (400/412/422); kept until requeued. */
  failed: number;
  oldestQueuedAt?: string;
  nextAttemptAt?: string;
  lastError?: { message: string; at: string; tenant: string; studyUid: string };
}

/** Resource CRUD and search. */
export interface FhirResourceStore {
  /** Creates or replaces one resource; a write that changes nothing keeps its version. */
  put(tenant: string, write: ResourceWrite): Promise<StoredResource>;
  read(tenant: string, type: string, id: string): Promise<StoredResource | undefined>;
  /** Missing references are left out; order is not significant. */
  readMany(tenant: string, refs: ResourceRef[]): Promise<StoredResource[]>;
  /** True when something was deleted. */
  delete(tenant: string, type: string, id: string): Promise<boolean>;
  /**
   * Makes `writes` the complete set held by `owner` (e.g. a study): writes each
   * (adding the owner), drops the owner from resources it no longer holds,
   * and deletes resources that no owner holds any more. Shared resources
   * (Patient, Endpoint, Device) stay while another owner holds them.
   * Idempotent: a crash part-way is repaired by running it again.
   */
  replaceOwned(tenant: string, owner: string, writes: ResourceWrite[]): Promise<ReplaceSummary>;
  search(query: ResourceQuery): Promise<ResourcePage>;
}

/** Durable "study changed" marks, so a restart resumes unfinished syncs. */
export interface DirtyStudies {
  /** Marks (again) and returns the mark, whose token a later clearDirty must present. */
  markDirty(tenant: string, studyUid: string): Promise<DirtyStudy>;
  listDirty(limit: number): Promise<DirtyStudy[]>;
  /** Clears the mark only if it was not marked again since `d` was read; true when cleared. */
  clearDirty(d: DirtyStudy): Promise<boolean>;
  /** Hash of the last Bundle enqueued for the study (to skip enqueuing an unchanged one). */
  enqueuedHash(tenant: string, studyUid: string): Promise<string | undefined>;
  /** Records the last Bundle enqueued for the study: its hash and (for deletions, spec 10.4) the Bundle itself. */
  setEnqueuedHash(tenant: string, studyUid: string, hash: string, bundle?: string): Promise<void>;
  /**
   * Every study the sync has marked (and so every study stored since the FHIR
   * sync existed), of `tenant` or of all tenants: for a full resync.
   */
  listSyncedStudies(tenant?: string): Promise<Array<{ tenant: string; studyUid: string }>>;
  /** The last Bundle enqueued for the study (JSON), when recorded. */
  enqueuedBundle(tenant: string, studyUid: string): Promise<string | undefined>;
}

/**
 * Bundles waiting for the upstream FHIR server. Items of one study are leased
 * in enqueue order, one at a time; a newer Bundle of a study replaces its
 * older ones not yet leased (each carries the study's full state).
 */
export interface FhirOutbox {
  enqueue(item: { tenant: string; studyUid: string; payload: string }, now: string): Promise<string>;
  /** The oldest due item whose study has no older queued item, leased until `now + leaseMs`. */
  leaseNext(now: string, leaseMs: number): Promise<OutboxItem | undefined>;
  ack(id: string): Promise<void>;
  /** `retryAt` undefined: refused for good (kept as failed). */
  fail(id: string, error: string, now: string, retryAt?: string): Promise<void>;
  /** Frees every lease (at start-up: this process is the only pusher). */
  releaseLeases(): Promise<void>;
  /** Failed items (of `tenant`, or of all tenants) go back to the queue; returns how many. */
  requeueFailed(now: string, tenant?: string): Promise<number>;
  /** Counts and last error of `tenant`'s items, or of all items when undefined. */
  outboxStatus(tenant?: string): Promise<OutboxStatus>;
}

export interface FhirStore extends FhirResourceStore, DirtyStudies, FhirOutbox {
  ping(): Promise<void>;
  close(): Promise<void>;
}
