import type { Collections } from './collections.js';
import { nextSeq, readParents } from './documents.js';
import { putTerms } from './instance-terms.js';
import { recordId } from './record-ids.js';
import { termValues } from './terms.js';

interface SeriesTally {
  seriesUid: string;
  count: number;
  sops: string[];
  firstId: string;
  sortKey: string;
  terms: Set<string>;
}

interface StudyTally {
  series: Map<string, SeriesTally>;
  firstId?: string;
  sortKey: string;
  terms: Set<string>;
  modalities: string[];
}

/**
 * Recomputes a study and its series from the instances, the source of truth.
 * Repairs what a crash inside insertInstance can leave (see insert-instance.ts):
 * missing counts, and series or study documents never created; those are
 * rebuilt from their first instance, as the insert would have made them;
 * instance terms documents never written are written from `parents`.
 * Not atomic: meant for recovery, when the study is not being written.
 */
export async function recount(c: Collections, tenant: string, studyUid: string): Promise<void> {
  await repairTerms(c, tenant, studyUid);
  const tally = await tallyInstances(c, tenant, studyUid);
  let numInstances = 0;
  for (const s of tally.series.values()) {
    if (await repairSeries(c, tenant, studyUid, s)) numInstances += s.count;
  }
  await c.series.updateMany({ tenant, studyUid, seriesUid: { $nin: [...tally.series.keys()] } }, { $set: { numInstances: 0, sops: [] } });
  const numSeries = await c.series.countDocuments({ tenant, studyUid });
  const _id = recordId(tenant, studyUid);
  const exists = await c.studies.findOne({ _id }, { projection: { _id: 1 } });
  if (!exists && !tally.firstId) return;
  const update: Record<string, unknown> = {
    $set: { numInstances, numSeries, modalities: tally.modalities },
    $addToSet: { t: { $each: [...tally.terms] } },
  };
  if (!exists) update.$setOnInsert = { tenant, studyUid, ...await createdFields(c, tally.firstId!, tally.sortKey) };
  await c.studies.updateOne({ _id }, update, { upsert: !exists });
}

/** False when the series belongs to another study (stray instances of an interrupted conflicting insert). */
async function repairSeries(c: Collections, tenant: string, studyUid: string, s: SeriesTally): Promise<boolean> {
  const _id = recordId(tenant, s.seriesUid);
  const existing = await c.series.findOne({ _id }, { projection: { studyUid: 1 } });
  if (existing && existing.studyUid !== studyUid) return false;
  const update: Record<string, unknown> = {
    $set: { numInstances: s.count, sops: s.sops },
    $addToSet: { t: { $each: [...s.terms] } },
  };
  if (!existing) update.$setOnInsert = { tenant, studyUid, seriesUid: s.seriesUid, ...await createdFields(c, s.firstId, s.sortKey) };
  await c.series.updateOne({ _id }, update, { upsert: !existing });
  return true;
}

async function tallyInstances(c: Collections, tenant: string, studyUid: string): Promise<StudyTally> {
  const study: StudyTally = { series: new Map(), sortKey: '', terms: new Set(), modalities: [] };
  const cursor = c.instances
    .find({ tenant, studyUid }, { projection: { seriesUid: 1, sopUid: 1, parents: 1 } })
    .sort({ seq: 1 });
  for await (const doc of cursor) {
    const d = { _id: doc._id, seriesUid: doc.seriesUid, parents: readParents(doc) };
    study.firstId ??= d._id;
    if (study.series.size === 0) study.sortKey = d.parents.studySortKey;
    let s = study.series.get(d.seriesUid);
    if (!s) {
      s = { seriesUid: d.seriesUid, count: 0, sops: [], firstId: d._id, sortKey: d.parents.seriesSortKey, terms: new Set() };
      study.series.set(d.seriesUid, s);
    }
    s.count++;
    s.sops.push(doc.sopUid);
    for (const t of d.parents.seriesTerms) s.terms.add(t);
    for (const t of d.parents.studyTerms) study.terms.add(t);
    for (const m of termValues(d.parents.seriesTerms, 'Modality')) if (!study.modalities.includes(m)) study.modalities.push(m);
  }
  return study;
}

/** Writes the terms document of each instance of the study that has none (a crash inside insert step 1). */
async function repairTerms(c: Collections, tenant: string, studyUid: string): Promise<void> {
  const have = new Set((await c.terms.find({ tenant, studyUid }, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
  const docs = await c.instances.find({ tenant, studyUid }, { projection: { seriesUid: 1, sortKey: 1, seq: 1, parents: 1 } }).toArray();
  for (const d of docs) {
    const t = readParents(d).instanceTerms;
    if (have.has(d._id) || !t) continue;
    await putTerms(c, { _id: d._id, tenant, studyUid, seriesUid: d.seriesUid, sortKey: d.sortKey, seq: d.seq, t });
  }
}

/** What the insert's $setOnInsert would have written, taken from the first instance. */
async function createdFields(c: Collections, firstId: string, sortKey: string) {
  const first = await c.instances.findOne({ _id: firstId }, { projection: { attrs: 1, storedAt: 1 } });
  return { attrs: first?.attrs ?? '{}', sortKey, seq: nextSeq(), updatedAt: first?.storedAt ?? new Date().toISOString() };
}
