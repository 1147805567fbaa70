import type { Collections } from './collections.js';
import type { InstanceDoc, InstanceTermsDoc } from './documents.js';
import { isDuplicateKey, retryTransient } from './mongo-errors.js';

/** Up to this many records are read one `_id` lookup each (FerretDB: a SQLite-level scan), beyond one `$in` query. */
export const MAX_LOOKUPS = 16;

/** Writes an instance's terms document: an insert, or a replace of one an earlier or interrupted write left. */
export async function putTerms(c: Collections, doc: InstanceTermsDoc): Promise<void> {
  try {
    await retryTransient(() => c.terms.insertOne(doc));
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await retryTransient(() => c.terms.replaceOne({ _id: doc._id }, doc, { upsert: true }));
  }
}

/** Lookups by `_id` run this many at a time (FerretDB answers reads on several connections). */
const PARALLEL = 8;

/**
 * The instance records with these `_id`s, in this order; ids without a
 * record (a crash cut an insert or delete short) are left out. `{_id}` alone
 * is what FerretDB 1.24 pushes down (~2 ms with 3,000 instances, where `$in`
 * or any other filter decodes every document: ~0.5 s), so one lookup per id
 * up to LIST_LOOKUPS; beyond, one `$in` query (MongoDB uses `_id` either way).
 */
export async function instancesByIds(c: Collections, ids: string[], projection: Record<string, 0>): Promise<InstanceDoc[]> {
  const found: Array<InstanceDoc | null> = [];
  if (ids.length <= LIST_LOOKUPS) {
    for (let i = 0; i < ids.length; i += PARALLEL) {
      found.push(...await Promise.all(ids.slice(i, i + PARALLEL).map((_id) => c.instances.findOne({ _id }, { projection }))));
    }
  } else {
    found.push(...await c.instances.find({ _id: { $in: ids } }, { projection }).toArray());
  }
  const byId = new Map<string, InstanceDoc>();
  for (const d of found) if (d) byId.set(d._id, d);
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Up to this many records, lookups by `_id` cost FerretDB less than one decode of a few thousand instances. */
export const LIST_LOOKUPS = 256;
