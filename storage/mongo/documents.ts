import type { InstanceRecord, SeriesRecord, StudyRecord } from '../model.js';
import { recordId } from './record-ids.js';
import { encodeTerms } from './terms.js';

/**
 * Document shapes of the MongoDB index. `attrs` is stored as JSON text, not
 * as a sub-document: it is never queried (search goes through `t`), it
 * round-trips exactly like the embedded index, and client data can never hit
 * FerretDB 1.x document limits (no nested arrays, NaN or NUL; -0 turned to 0).
 * `seq` orders records inserted with equal sort keys (see nextSeq).
 * `_id` is recordId(tenant, UID) of the level (see record-ids.ts); databases
 * written before that had ObjectIds and are converted once by migrate.ts.
 */
export interface InstanceDoc {
  _id: string;
  tenant: string;
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  blobKey: string;
  size: number;
  sha256: string;
  attrs: string;
  sortKey: string;
  seq: number;
  storedAt: string;
  /** Search terms lived here in index schemas 1-2; migrate-ids.ts moves them to InstanceTermsDoc. */
  t?: string[];
  /**
   * What this instance adds to its series and study, kept so recount() can
   * rebuild either after a crash: ParentTerms as JSON text. Never queried, and
   * as text it costs FerretDB one string to decode instead of ~60 array
   * elements on every scan of the collection (earlier documents hold the
   * object itself; readParents accepts both).
   */
  parents: string | ParentTerms;
}

export interface ParentTerms {
  seriesTerms: string[];
  studyTerms: string[];
  seriesSortKey: string;
  studySortKey: string;
  /** The instance's own terms, so recount() can rebuild a terms document a crash left missing (absent before schema 3). */
  instanceTerms?: string[];
}

/**
 * Instance-level search terms, apart from the instance record: on FerretDB
 * 1.x every listing of a series or study decodes each instance document in
 * full, and its ~36-element `t` array cost more than the rest of it; QIDO
 * at instance level with conditions queries this collection (indexed like
 * `t` of studies and series) and then reads the records it names by `_id`.
 */
export interface InstanceTermsDoc {
  _id: string;
  tenant: string;
  studyUid: string;
  seriesUid: string;
  sortKey: string;
  seq: number;
  t: string[];
}

export function toTermsDoc(rec: InstanceRecord, seq: number): InstanceTermsDoc {
  return {
    _id: recordId(rec.tenant, rec.sopUid), tenant: rec.tenant, studyUid: rec.studyUid, seriesUid: rec.seriesUid,
    sortKey: rec.sortKeys.instance, seq, t: encodeTerms(rec.terms.instance),
  };
}

export function readParents(d: Pick<InstanceDoc, 'parents'>): ParentTerms {
  return typeof d.parents === 'string' ? JSON.parse(d.parents) : d.parents;
}

export function writeParents(p: ParentTerms): string {
  return JSON.stringify(p);
}

export interface SeriesDoc {
  _id: string;
  tenant: string;
  studyUid: string;
  seriesUid: string;
  attrs: string;
  sortKey: string;
  seq: number;
  numInstances: number;
  updatedAt: string;
  t: string[];
  /**
   * SOP Instance UIDs of the series' instances (schema 4, migrate-ids.ts):
   * on FerretDB 1.x a listing of a series or study is then one `_id` lookup
   * per instance instead of a decode of every instance document.
   */
  sops?: string[];
}

export interface StudyDoc {
  _id: string;
  tenant: string;
  studyUid: string;
  attrs: string;
  sortKey: string;
  seq: number;
  modalities: string[];
  numSeries: number;
  numInstances: number;
  updatedAt: string;
  t: string[];
}

/** Pending blobs are keyed by blob key, like the embedded table's primary key. */
export interface PendingDoc {
  _id: string;
  tenant: string;
  startedAt: string;
}

/** Search terms and crash-repair data are write-only: never sent back. */
export const RECORD_PROJECTION = { t: 0, parents: 0, sops: 0 } as const;

let lastSeq = 0;

/**
 * Insertion order, strictly increasing within this process and roughly
 * time-ordered across processes (microsecond clock; stays below 2^53 for
 * centuries). Cheaper than a counter document, which costs a round trip.
 */
export function nextSeq(): number {
  lastSeq = Math.max(Date.now() * 1000, lastSeq + 1);
  return lastSeq;
}

export function toInstanceDoc(rec: InstanceRecord, seq: number): InstanceDoc {
  return {
    _id: recordId(rec.tenant, rec.sopUid),
    tenant: rec.tenant,
    studyUid: rec.studyUid,
    seriesUid: rec.seriesUid,
    sopUid: rec.sopUid,
    ...instanceContent(rec),
    seq,
    parents: writeParents(parentTerms(rec)),
  };
}

export function parentTerms(rec: InstanceRecord): ParentTerms {
  return {
    seriesTerms: encodeTerms(rec.terms.series),
    studyTerms: encodeTerms(rec.terms.study),
    seriesSortKey: rec.sortKeys.series,
    studySortKey: rec.sortKeys.study,
    instanceTerms: encodeTerms(rec.terms.instance),
  };
}

/** The fields an overwrite replaces (identity and position stay). */
export function instanceContent(rec: InstanceRecord) {
  return {
    sopClassUid: rec.sopClassUid,
    transferSyntaxUid: rec.transferSyntaxUid,
    blobKey: rec.blobKey,
    size: rec.size,
    sha256: rec.sha256,
    attrs: JSON.stringify(rec.attrs),
    sortKey: rec.sortKeys.instance,
    storedAt: rec.storedAt,
  };
}

/** Same shape as the embedded index returns: terms and parent sort keys are not read back. */
export function docToInstance(d: InstanceDoc): InstanceRecord {
  return {
    tenant: d.tenant,
    studyUid: d.studyUid,
    seriesUid: d.seriesUid,
    sopUid: d.sopUid,
    sopClassUid: d.sopClassUid,
    transferSyntaxUid: d.transferSyntaxUid,
    blobKey: d.blobKey,
    size: d.size,
    sha256: d.sha256,
    attrs: JSON.parse(d.attrs),
    terms: { study: {}, series: {}, instance: {} },
    sortKeys: { study: '', series: '', instance: d.sortKey },
    storedAt: d.storedAt,
  };
}

export function docToSeries(d: SeriesDoc): SeriesRecord {
  return {
    tenant: d.tenant,
    studyUid: d.studyUid,
    seriesUid: d.seriesUid,
    attrs: JSON.parse(d.attrs),
    terms: {},
    sortKey: d.sortKey,
    numInstances: d.numInstances,
    updatedAt: d.updatedAt,
  };
}

export function docToStudy(d: StudyDoc): StudyRecord {
  return {
    tenant: d.tenant,
    studyUid: d.studyUid,
    attrs: JSON.parse(d.attrs),
    terms: {},
    sortKey: d.sortKey,
    modalities: d.modalities,
    numSeries: d.numSeries,
    numInstances: d.numInstances,
    updatedAt: d.updatedAt,
  };
}
