import type { Request } from 'express';
import { isValidUid } from '../../dicom/uid.js';
import { AppError } from '../../storage/errors.js';
import type { IndexStore } from '../../storage/index-store.js';
import type { InstanceRecord } from '../../storage/model.js';

/** The study/series/instance UIDs named in a WADO-RS path, validated (PS3.18 §10.4.1). */
export interface WadoScope {
  studyUid: string;
  seriesUid?: string;
  sopUid?: string;
}

export function scopeOf(req: Request): WadoScope {
  const uid = (name: string) => {
    const v = req.params[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !isValidUid(v)) throw new AppError('invalid', `the ${name} UID in the URL is not a valid UID`);
    return v;
  };
  return { studyUid: uid('study')!, seriesUid: uid('series'), sopUid: uid('instance') };
}

/** The instances in scope, in series then instance order; 404 when there are none. */
export async function findScope(index: IndexStore, tenant: string, scope: WadoScope): Promise<InstanceRecord[]> {
  const found = await index.findInstances({ tenant, ...scope });
  if (found.length === 0) throw new AppError('not-found', notFoundMessage(scope));
  return found.sort((a, b) => cmp(a.seriesUid, b.seriesUid) || cmp(a.sortKeys.instance, b.sortKeys.instance) || cmp(a.sopUid, b.sopUid));
}

function notFoundMessage(s: WadoScope): string {
  if (s.sopUid) return `no instance ${s.sopUid} in series ${s.seriesUid} of study ${s.studyUid}`;
  if (s.seriesUid) return `no series ${s.seriesUid} in study ${s.studyUid}`;
  return `no study ${s.studyUid}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
