import type { Request, Response } from 'express';
import { storeInstance, type StoreDeps, type StoreResult } from '../../core/store/store-instance.js';
import { FailureReason } from '../../core/store/failure-reasons.js';
import { isValidUid } from '../../dicom/uid.js';
import { AppError } from '../../storage/errors.js';
import { contentTypeParam, mediaType, readMultipart } from '../multipart/related-reader.js';
import { toNativeXml } from '../dicom-xml.js';
import { sendDicomJson, sendDicomXml } from '../respond.js';
import { buildStowResponse } from './stow-response.js';
import type { DicomwebContext } from '../context.js';

/**
 * STOW-RS (PS3.18 §10.5): POST /studies[/{study}] with
 * multipart/related; type="application/dicom". Parts are stored one at a
 * time as they stream in; one bad part never stops the good ones.
 */
export function handleStore(deps: StoreDeps, ctx: DicomwebContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const expectedStudyUid = req.params.study as string | undefined;
    if (expectedStudyUid !== undefined && !isValidUid(expectedStudyUid)) {
      throw new AppError('invalid', 'StudyInstanceUID in the URL is not a valid UID');
    }
    const boundary = checkContentType(req.headers['content-type']);
    const wantsXml = prefersXml(req.headers.accept);
    const tenant = ctx.tenantOf(req);
    const results: StoreResult[] = [];
    for await (const part of readMultipart(req, boundary)) {
      const type = mediaType(part.headers['content-type'] ?? 'application/dicom');
      if (type !== 'application/dicom') {
        part.body.resume();
        results.push({ ok: false, reason: FailureReason.CannotUnderstand, message: `part media type ${type} is not application/dicom` });
        continue;
      }
      results.push(await storeInstance(part.body, { tenant, expectedStudyUid }, deps));
    }
    if (results.length === 0) throw new AppError('invalid', 'the multipart body holds no parts');
    ctx.onStored?.(tenant, results);
    const { status, body } = buildStowResponse(results, ctx.baseUrl(req));
    if (wantsXml) sendDicomXml(res, status, toNativeXml(body));
    else sendDicomJson(res, status, body);
  };
}

function checkContentType(header: string | undefined): string {
  const type = mediaType(header);
  if (type !== 'multipart/related') {
    throw new AppError('unsupported-media', `STOW-RS needs Content-Type multipart/related; type="application/dicom", got "${type || 'none'}"`);
  }
  const rootType = (contentTypeParam(header!, 'type') ?? 'application/dicom').toLowerCase();
  if (rootType !== 'application/dicom') {
    throw new AppError('unsupported-media', `multipart/related type "${rootType}" is not supported; send PS3.10 instances as type="application/dicom"`);
  }
  const boundary = contentTypeParam(header!, 'boundary');
  if (!boundary) throw new AppError('invalid', 'multipart/related Content-Type has no boundary parameter');
  return boundary;
}

function prefersXml(accept: string | undefined): boolean {
  if (!accept) return false;
  const xml = accept.indexOf('application/dicom+xml');
  const json = accept.indexOf('application/dicom+json');
  return xml >= 0 && (json < 0 || xml < json);
}
