import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a handler learns while serving a request that the audit record should
 * name: the studies stored by a STOW to /studies, the FHIR resources a search
 * returned. Carried in AsyncLocalStorage so handlers and hooks can add to the
 * record of the request they serve without being handed it.
 */
export interface AuditNotes {
  studyUids: Set<string>;
  entities: Set<string>;
}

const current = new AsyncLocalStorage<AuditNotes>();

export function runWithAuditNotes<T>(notes: AuditNotes, fn: () => T): T {
  return current.run(notes, fn);
}

/** Adds study UIDs to the audit record of the request being served (no-op outside one). */
export function noteStudies(uids: Iterable<string>): void {
  const notes = current.getStore();
  if (notes) for (const uid of uids) notes.studyUids.add(uid);
}

/** Adds FHIR references ("ImagingStudy/abc") to the audit record of the request being served. */
export function noteEntities(refs: Iterable<string>): void {
  const notes = current.getStore();
  if (notes) for (const ref of refs) notes.entities.add(ref);
}
