import type {
  DuplicatePolicy,
  InsertOutcome,
  InstanceRecord,
  LevelQuery,
  LevelRecord,
  QueryPage,
  SeriesRecord,
  StudyRecord,
} from './model.js';

/** A blob written but not yet committed to the index (crash recovery bookkeeping). */
export interface PendingBlob {
  tenant: string;
  blobKey: string;
  startedAt: string;
}

/** New terms of one instance, for IndexStore.replacePrefixedTerms (keys carry the prefix). */
export interface PrefixedTerms {
  studyUid: string;
  sopUid: string;
  terms: InstanceRecord['terms'];
}

export interface InstanceScope {
  tenant: string;
  studyUid: string;
  seriesUid?: string;
  sopUid?: string;
}

/**
 * The metadata index. Adapters: embedded (SQLite, the default) and MongoDB.
 * One contract suite (test/contract/index-store.contract.ts) runs against both.
 */
export interface IndexStore {
  /** Records a blob about to be written, before any byte is sent. */
  addPending(pending: PendingBlob): Promise<void>;
  removePending(blobKey: string): Promise<void>;
  listPending(startedBefore: string): Promise<PendingBlob[]>;

  /**
   * Inserts an instance and updates its series and study (counts, modalities,
   * search terms) as one unit, then drops its pending entry. An existing SOP
   * Instance UID is left untouched unless the policy is 'overwrite' and the
   * instance stays in the same study and series.
   */
  insertInstance(record: InstanceRecord, policy: DuplicatePolicy): Promise<InsertOutcome>;

  /** The study of the committed instance that references this blob key, if any. */
  studyOfBlob(tenant: string, blobKey: string): Promise<string | undefined>;

  /** Recomputes counts and modalities of a study and its series from its instances. */
  recount(tenant: string, studyUid: string): Promise<void>;

  findInstances(scope: InstanceScope): Promise<InstanceRecord[]>;

  /**
   * Removes the instances in scope and returns them. Series and studies left
   * empty are removed; the others get counts, modalities and search terms
   * rebuilt from their remaining instances, so no search matches on values
   * only a deleted instance had. Blobs are the caller's to delete.
   */
  deleteInstances(scope: InstanceScope): Promise<InstanceRecord[]>;
  getStudy(tenant: string, studyUid: string): Promise<StudyRecord | undefined>;
  getSeries(tenant: string, studyUid: string, seriesUid: string): Promise<SeriesRecord | undefined>;

  query(query: LevelQuery): Promise<QueryPage<LevelRecord>>;

  /**
   * Re-indexes derived search terms: for each instance, its terms whose key
   * starts with `prefix` (at instance level, and what it contributes to its
   * series and study) become `terms`; terms under other keys stay as they are.
   * Series and study keep the union of their instances' prefixed terms.
   * Used after a de-identification policy change (deid/reindex.ts, prefix
   * "deid:"). Returns the SOP Instance UIDs not found.
   */
  replacePrefixedTerms(tenant: string, prefix: string, updates: PrefixedTerms[]): Promise<string[]>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
