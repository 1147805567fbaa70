/**
 * The index as the ingest and delete paths see it: every write that changes
 * a study's instances first makes the study's FHIR dirty mark durable
 * (write-ahead, FhirSync.beforeWrite), so no instance is ever committed, or
 * deleted, without a mark that brings its FHIR resources along - even if the
 * process dies right after the commit, before any response or hook.
 * Everything else goes straight to the index.
 */
import type { IndexStore, InstanceScope } from '../../storage/index-store.js';
import type { DuplicatePolicy, InsertOutcome, InstanceRecord } from '../../storage/model.js';

export interface WriteMarks {
  /** Resolves once the study's mark is durable; the function is called after the write (ok: false when it threw). */
  beforeWrite(tenant: string, studyUid: string): Promise<(ok?: boolean) => void>;
}

export function markingIndex(index: IndexStore, marks: WriteMarks): IndexStore {
  const guarded = async <T>(tenant: string, studyUid: string, write: () => Promise<T>): Promise<T> => {
    const done = await marks.beforeWrite(tenant, studyUid);
    let ok = false;
    try {
      const result = await write();
      ok = true;
      return result;
    } finally {
      done(ok);
    }
  };
  return new Proxy(index, {
    get(target, prop, receiver) {
      if (prop === 'insertInstance') {
        return (rec: InstanceRecord, policy: DuplicatePolicy): Promise<InsertOutcome> =>
          guarded(rec.tenant, rec.studyUid, () => target.insertInstance(rec, policy));
      }
      if (prop === 'deleteInstances') {
        return (scope: InstanceScope): Promise<InstanceRecord[]> => guarded(scope.tenant, scope.studyUid, () => target.deleteInstances(scope));
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
