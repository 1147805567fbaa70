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

/**
 * The instance records with these `_id`s, in this order; ids without a
 * record (a terms document whose insert a crash cut short) are left out.
 * `{_id}` alone is what FerretDB 1.24 pushes down; `$in` it decodes the
 * collection for, so that only for many ids (MongoDB uses `_id` either way).
 */
export async function instancesByIds(c: Collections, ids: string[], projection: Record<string, 0>): Promise<InstanceDoc[]> {
  const found = ids.length <= MAX_LOOKUPS
    ? await Promise.all(ids.map((_id) => c.instances.findOne({ _id }, { projection })))
    : await c.instances.find({ _id: { $in: ids } }, { projection }).toArray();
  const byId = new Map<string, InstanceDoc>();
  for (const d of found) if (d) byId.set(d._id, d);
  return ids.flatMap((id) => byId.get(id) ?? []);
}
