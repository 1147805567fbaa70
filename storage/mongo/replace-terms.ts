import type { PrefixedTerms } from '../index-store.js';
import type { Collections } from './collections.js';
import { readParents, writeParents } from './documents.js';
import { retryTransient } from './mongo-errors.js';
import { recordId } from './record-ids.js';
import { encodeTerms } from './terms.js';

/**
 * IndexStore.replacePrefixedTerms for MongoDB, for the instances of ONE study
 * (the caller holds that study's lock, as deleteInstances does): each
 * instance's prefixed terms (its instance_terms document) and contributions
 * (`parents`) are replaced, then
 * the prefixed terms of its series and study are set to the union of their
 * instances' contributions (unprefixed terms are carried over as they are).
 * Not atomic across documents (FerretDB 1.x has no transactions): instances
 * first, so an interrupted run is finished by running it again.
 */
export async function replacePrefixedTerms(c: Collections, tenant: string, studyUid: string, prefix: string, updates: PrefixedTerms[]): Promise<string[]> {
  const missing: string[] = [];
  const series = new Set<string>();
  const keep = (encoded: string[] | undefined) => (encoded ?? []).filter((e) => !e.startsWith(prefix));
  for (const u of updates) {
    const _id = recordId(tenant, u.sopUid);
    const doc = await c.instances.findOne({ _id }, { projection: { parents: 1, studyUid: 1, seriesUid: 1, sortKey: 1, seq: 1 } });
    if (!doc || doc.studyUid !== studyUid) {
      missing.push(u.sopUid);
      continue;
    }
    const parents = readParents(doc);
    const current = (await c.terms.findOne({ _id }, { projection: { t: 1 } }))?.t ?? parents.instanceTerms;
    const instanceTerms = [...keep(current), ...encodeTerms(u.terms.instance)];
    await c.instances.updateOne({ _id }, {
      $set: {
        parents: writeParents({
          ...parents,
          seriesTerms: [...keep(parents.seriesTerms), ...encodeTerms(u.terms.series)],
          studyTerms: [...keep(parents.studyTerms), ...encodeTerms(u.terms.study)],
          instanceTerms,
        }),
      },
    });
    const terms = { tenant, studyUid, seriesUid: doc.seriesUid, sortKey: doc.sortKey, seq: doc.seq, t: instanceTerms };
    await retryTransient(() => c.terms.replaceOne({ _id }, terms, { upsert: true })); // there already, but for a crash window
    series.add(doc.seriesUid);
  }
  if (series.size === 0) return missing;
  const rest = await c.instances.find({ tenant, studyUid }, { projection: { seriesUid: 1, parents: 1 } }).toArray();
  const all = rest.map((d) => ({ seriesUid: d.seriesUid, parents: readParents(d) }));
  for (const seriesUid of series) {
    const doc = await c.series.findOne({ _id: recordId(tenant, seriesUid) }, { projection: { t: 1 } });
    if (!doc) continue;
    const prefixed = all.filter((d) => d.seriesUid === seriesUid).flatMap((d) => d.parents.seriesTerms.filter((e) => e.startsWith(prefix)));
    await c.series.updateOne({ _id: doc._id }, { $set: { t: [...new Set([...keep(doc.t), ...prefixed])] } });
  }
  const study = await c.studies.findOne({ _id: recordId(tenant, studyUid) }, { projection: { t: 1 } });
  if (study) {
    const prefixed = all.flatMap((d) => d.parents.studyTerms.filter((e) => e.startsWith(prefix)));
    await c.studies.updateOne({ _id: study._id }, { $set: { t: [...new Set([...keep(study.t), ...prefixed])] } });
  }
  return missing;
}
