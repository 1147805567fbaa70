import type { InstanceScope } from '../index-store.js';
import type { InstanceRecord } from '../model.js';
import type { Collections } from './collections.js';
import { docToInstance, readParents, type InstanceDoc, type ParentTerms } from './documents.js';
import { findInstanceDocs } from './find-by-id.js';
import { recordId } from './record-ids.js';
import { termValues } from './terms.js';

/**
 * Deletes instances, then rebuilds their series and study from the instances
 * that remain (each instance keeps what it contributed in `parents`), with
 * $set rather than $addToSet so no search term outlives its last instance.
 * Runs under the caller's per-study lock. Not atomic across documents
 * (FerretDB 1.x has no transactions): instances go first, so a search never
 * returns an instance whose document is gone; a crash between steps leaves
 * parent counts that recount() repairs.
 */
export async function deleteInstances(c: Collections, s: InstanceScope): Promise<InstanceRecord[]> {
  const docs = await findInstanceDocs(c, s);
  if (docs.length === 0) return [];
  // By `_id` alone when there is one (record-ids.ts: the one filter FerretDB does not scan for).
  const ids = docs.map((d) => d._id);
  await (ids.length === 1 ? c.instances.deleteOne({ _id: ids[0] }) : c.instances.deleteMany({ _id: { $in: ids } }));
  await (ids.length === 1 ? c.terms.deleteOne({ _id: ids[0] }) : c.terms.deleteMany({ _id: { $in: ids } }));
  const rest = await c.instances.find({ tenant: s.tenant, studyUid: s.studyUid }, { projection: { seriesUid: 1, sopUid: 1, parents: 1 } }).toArray();
  const left = rest.map((d) => ({ seriesUid: d.seriesUid, sopUid: d.sopUid, parents: readParents(d) }));
  for (const seriesUid of new Set(docs.map((d) => d.seriesUid))) await rebuildSeries(c, s.tenant, seriesUid, left.filter((d) => d.seriesUid === seriesUid));
  await rebuildStudy(c, s.tenant, s.studyUid, left);
  return docs.map(docToInstance);
}

type Remaining = Array<Pick<InstanceDoc, 'seriesUid' | 'sopUid'> & { parents: ParentTerms }>;

async function rebuildSeries(c: Collections, tenant: string, seriesUid: string, left: Remaining): Promise<void> {
  const _id = recordId(tenant, seriesUid);
  if (left.length === 0) {
    await c.series.deleteOne({ _id });
    return;
  }
  const t = union(left.map((d) => d.parents.seriesTerms));
  await c.series.updateOne({ _id }, { $set: { numInstances: left.length, t, sops: left.map((d) => d.sopUid) } });
}

async function rebuildStudy(c: Collections, tenant: string, studyUid: string, left: Remaining): Promise<void> {
  const _id = recordId(tenant, studyUid);
  if (left.length === 0) {
    await c.studies.deleteOne({ _id });
    return;
  }
  const modalities: string[] = [];
  for (const d of left) for (const m of termValues(d.parents.seriesTerms, 'Modality')) if (!modalities.includes(m)) modalities.push(m);
  const numSeries = new Set(left.map((d) => d.seriesUid)).size;
  const t = union(left.map((d) => d.parents.studyTerms));
  await c.studies.updateOne({ _id }, { $set: { numInstances: left.length, numSeries, modalities, t } });
}

function union(lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}
