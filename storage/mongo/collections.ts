import type { Collection, Db, IndexDescription } from 'mongodb';
import type { InstanceDoc, InstanceTermsDoc, PendingDoc, SeriesDoc, StudyDoc } from './documents.js';

export interface Collections {
  studies: Collection<StudyDoc>;
  series: Collection<SeriesDoc>;
  instances: Collection<InstanceDoc>;
  /** Instance-level search terms, one document per instance under the same `_id` (see documents.ts). */
  terms: Collection<InstanceTermsDoc>;
  pending: Collection<PendingDoc>;
}

export function collections(db: Db): Collections {
  return {
    studies: db.collection<StudyDoc>('studies'),
    series: db.collection<SeriesDoc>('series'),
    instances: db.collection<InstanceDoc>('instances'),
    terms: db.collection<InstanceTermsDoc>('instance_terms'),
    pending: db.collection<PendingDoc>('pending'),
  };
}

/**
 * Unique indexes carry the duplicate detection (no transactions: FerretDB 1.x
 * has none). Sort indexes match the query order of each level, and
 * {tenant, t} serves every search condition (see terms.ts).
 */
const INDEXES: Record<keyof Collections, IndexDescription[]> = {
  studies: [
    { key: { tenant: 1, studyUid: 1 }, name: 'study_uid', unique: true },
    { key: { tenant: 1, sortKey: -1, seq: -1 }, name: 'study_order' },
    { key: { tenant: 1, t: 1 }, name: 'study_terms' },
  ],
  series: [
    { key: { tenant: 1, seriesUid: 1 }, name: 'series_uid', unique: true },
    { key: { tenant: 1, studyUid: 1, sortKey: 1, seq: 1 }, name: 'series_order' },
    { key: { tenant: 1, t: 1 }, name: 'series_terms' },
  ],
  instances: [
    { key: { tenant: 1, sopUid: 1 }, name: 'sop_uid', unique: true },
    { key: { tenant: 1, studyUid: 1, seriesUid: 1, sortKey: 1, seq: 1 }, name: 'instance_order' },
    { key: { tenant: 1, blobKey: 1 }, name: 'instance_blob' },
  ],
  terms: [
    { key: { tenant: 1, t: 1 }, name: 'instance_terms' },
    { key: { tenant: 1, studyUid: 1, seriesUid: 1, sortKey: 1, seq: 1 }, name: 'instance_terms_order' },
  ],
  pending: [{ key: { startedAt: 1 }, name: 'pending_started' }],
};

/**
 * Idempotent. One index per command: FerretDB 1.24 drops the connection
 * (a server-side panic) when one createIndexes names several indexes that
 * all exist already, i.e. on every start after the first.
 */
export async function ensureIndexes(c: Collections): Promise<void> {
  for (const name of Object.keys(INDEXES) as Array<keyof Collections>) {
    for (const index of INDEXES[name]) await c[name].createIndexes([index]);
  }
}
