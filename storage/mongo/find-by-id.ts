import type { InstanceScope } from '../index-store.js';
import type { LevelQuery, QueryLevel } from '../model.js';
import type { Collection } from 'mongodb';
import type { Collections } from './collections.js';
import { RECORD_PROJECTION, type InstanceDoc } from './documents.js';
import { MAX_LOOKUPS, instancesByIds } from './instance-terms.js';
import { recordId } from './record-ids.js';
import { SEP } from './terms.js';

/** The UID search key that names one record of each level (its `_id` is recordId(tenant, uid)). */
const UID_KEY: Record<QueryLevel, string> = { study: 'StudyInstanceUID', series: 'SeriesInstanceUID', instance: 'SOPInstanceUID' };

/** Sort order of each level (see ORDER in mongo-index-store.ts): sortKey, then insertion order. */
export const ORDER = {
  study: { sortKey: -1, seq: -1 },
  series: { sortKey: 1, seq: 1 },
  instance: { sortKey: 1, seq: 1 },
} as const;

/**
 * The instance documents in scope. A scope naming one SOP Instance is one
 * lookup by `_id` (record-ids.ts: FerretDB scans the collection for any
 * other filter); the document must then also be in the named study/series.
 */
export async function findInstanceDocs(c: Collections, s: InstanceScope, projection?: Record<string, 0>): Promise<InstanceDoc[]> {
  if (s.sopUid) {
    const d = await c.instances.findOne({ _id: recordId(s.tenant, s.sopUid) }, { projection });
    return d && d.studyUid === s.studyUid && (s.seriesUid === undefined || d.seriesUid === s.seriesUid) ? [d] : [];
  }
  const filter: Record<string, string> = { tenant: s.tenant, studyUid: s.studyUid };
  if (s.seriesUid) filter.seriesUid = s.seriesUid;
  return c.instances.find(filter, { projection }).sort(ORDER.instance).toArray();
}

/**
 * The instances of a study or series for reading, in ORDER.instance: the
 * series documents name them (`sops`), then one lookup by `_id` each
 * (instancesByIds), instead of a filter on {tenant, studyUid, seriesUid} that
 * FerretDB answers by decoding every instance document. A series without
 * `sops` (not migrated to schema 4) falls back to that query. Deletes and
 * recount() keep the query: they must also see an instance a crash left out
 * of its series.
 */
export async function listInstanceDocs(c: Collections, s: InstanceScope, projection: Record<string, 0>): Promise<InstanceDoc[]> {
  if (s.sopUid) return findInstanceDocs(c, s, projection);
  const series = s.seriesUid
    ? [await c.series.findOne({ _id: recordId(s.tenant, s.seriesUid) }, { projection: { studyUid: 1, seriesUid: 1, sops: 1 } })]
    : await c.series.find({ tenant: s.tenant, studyUid: s.studyUid }, { projection: { studyUid: 1, seriesUid: 1, sops: 1 } }).toArray();
  const mine = series.filter((d) => d !== null && d.studyUid === s.studyUid) as Array<{ seriesUid: string; sops?: string[] }>;
  if (mine.some((d) => !Array.isArray(d.sops))) return findInstanceDocs(c, s, projection);
  const ids = mine.flatMap((d) => d.sops!.map((sop) => recordId(s.tenant, sop)));
  const docs = await instancesByIds(c, ids, projection);
  const inScope = docs.filter((d) => d.studyUid === s.studyUid && (s.seriesUid === undefined || d.seriesUid === s.seriesUid));
  return inScope.sort(compareBy('instance'));
}

interface MatchDoc {
  _id: string;
  studyUid: string;
  seriesUid?: string;
  sortKey: string;
  seq: number;
  t: string[];
}

/**
 * QIDO of records named by UID (StudyInstanceUID=…, SOPInstanceUID=…, or the
 * study of a /studies/{uid} path at study level) as lookups by `_id` instead
 * of a query, then the remaining conditions checked here. Only when every
 * condition is a list of values ('any'), which is `t` containing one of
 * 'key=value' exactly as the query filter has it (terms.ts); undefined
 * otherwise, and the caller runs the query. Returns the documents to convert
 * (instance records at instance level, whose terms are in c.terms), in order.
 */
export async function queryByIds(c: Collections, q: LevelQuery): Promise<unknown[] | undefined> {
  let uids: string[] | undefined;
  for (const cond of q.conditions) {
    if (cond.op !== 'any' || cond.key.includes(SEP)) return undefined; // the query path handles (and refuses) the rest
    if (cond.key === UID_KEY[q.level]) uids = uids ? uids.filter((u) => cond.values.includes(u)) : [...new Set(cond.values)];
  }
  if (!uids && q.level === 'study' && q.studyUid) uids = [q.studyUid];
  if (!uids || uids.length > MAX_LOOKUPS) return undefined;
  const col = q.level === 'instance' ? c.terms : q.level === 'series' ? c.series : c.studies;
  const found = await Promise.all(uids.map((u) => (col as unknown as Collection<MatchDoc>).findOne({ _id: recordId(q.tenant, u) }, { projection: RECORD_PROJECTION_KEEP_TERMS })));
  const matched = found.filter((d): d is MatchDoc => d !== null && inScope(d, q) && q.conditions.every((cond) => {
    const wanted = new Set((cond as { values: string[] }).values.map((v) => cond.key + SEP + v));
    return d.t.some((e) => wanted.has(e));
  })).sort(compareBy(q.level));
  return q.level === 'instance' ? instancesByIds(c, matched.map((d) => d._id), RECORD_PROJECTION) : matched;
}

/** Records without `parents` (never read back), but with `t` to check the conditions on. */
const RECORD_PROJECTION_KEEP_TERMS = { parents: 0 } as const;

/** The query's scope as the scan applies it (mongo-index-store.ts query): series only at instance level. */
function inScope(d: MatchDoc, q: LevelQuery): boolean {
  if (q.studyUid && d.studyUid !== q.studyUid) return false;
  return !(q.seriesUid && q.level === 'instance' && d.seriesUid !== q.seriesUid);
}

interface Ordered {
  sortKey: string;
  seq: number;
}

/** MongoDB orders strings by their UTF-8 bytes (no collation), so compare those. */
function compareBy(level: QueryLevel): (a: Ordered, b: Ordered) => number {
  const dir = ORDER[level].sortKey;
  return (a, b) => dir * (Buffer.compare(Buffer.from(a.sortKey), Buffer.from(b.sortKey)) || Math.sign(a.seq - b.seq));
}
