import type { Request, Response } from 'express';
import { deleteInstances } from '../../core/store/delete-instances.js';
import { isValidUid } from '../../dicom/uid.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { AppError } from '../../storage/errors.js';
import type { IndexStore } from '../../storage/index-store.js';
import type { DicomwebContext } from '../context.js';

/**
 * DELETE /studies/{s}[/series/{se}[/instances/{i}]]. Not part of PS3.18
 * (which has no delete transaction); shaped like Microsoft's and Google's
 * DICOMweb delete: 204 when something was deleted, 404 when nothing matched.
 */
export function handleDelete(deps: { index: IndexStore; blobs: BlobStore }, ctx: DicomwebContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const [studyUid, seriesUid, sopUid] = [req.params.study, req.params.series, req.params.instance].map(uid);
    const tenant = ctx.tenantOf(req);
    const removed = await deleteInstances(deps.index, deps.blobs, { tenant, studyUid: studyUid!, seriesUid, sopUid });
    if (removed.length === 0) throw new AppError('not-found', 'no such study, series or instance');
    await ctx.onDeleted?.(tenant, studyUid!, removed);
    res.status(204).end();
  };
}

function uid(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !isValidUid(v)) throw new AppError('invalid', 'a UID in the URL is not a valid UID');
  return v;
}
