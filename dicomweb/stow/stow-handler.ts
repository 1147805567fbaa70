import type { Request, Response } from 'express';
import { storeInstance, type StoreDeps, type StoreResult } from '../../core/store/store-instance.js';
import { FailureReason } from '../../core/store/failure-reasons.js';
import { isValidUid } from '../../dicom/uid.js';
import { AppError } from '../../storage/errors.js';
import type { NamedLimit } from '../../dicom/dataset-limits.js';
import { ByteBudget, limitExceeded } from '../multipart/byte-budget.js';
import { contentTypeParam, mediaType, readMultipart } from '../multipart/related-reader.js';
import { toNativeXml } from '../dicom-xml.js';
import { sendDicomJson, sendDicomXml } from '../respond.js';
import { buildStowResponse, burnedInStowWarning } from './stow-response.js';
import type { DicomwebContext } from '../context.js';

/** Limits on one STOW request as a whole; a hit is a 413 that names the limit. */
export interface StowLimits {
  requestBytes: NamedLimit;
  parts: NamedLimit;
}

export const DEFAULT_STOW_LIMITS: StowLimits = {
  requestBytes: { name: 'STOW_MAX_REQUEST_BYTES', max: 4 * 1024 ** 3 },
  parts: { name: 'STOW_MAX_PARTS', max: 5000 },
};

/**
 * STOW-RS (PS3.18 §10.5): POST /studies[/{study}] with
 * multipart/related; type="application/dicom". Parts are stored one at a
 * time as they stream in; one bad part never stops the good ones. A limit on
 * one part fails that part (A700); a limit on the whole request stops reading
 * and answers 413, listing what was stored before it.
 */
export function handleStore(deps: StoreDeps, ctx: DicomwebContext, limits: StowLimits = DEFAULT_STOW_LIMITS) {
  return async (req: Request, res: Response): Promise<void> => {
    const expectedStudyUid = req.params.study as string | undefined;
    if (expectedStudyUid !== undefined && !isValidUid(expectedStudyUid)) {
      throw new AppError('invalid', 'StudyInstanceUID in the URL is not a valid UID');
    }
    const boundary = checkContentType(req.headers['content-type']);
    const declared = Number(req.headers['content-length']);
    if (declared > limits.requestBytes.max) throw limitExceeded(limits.requestBytes, `Content-Length is ${declared}`);
    const wantsXml = prefersXml(req.headers.accept);
    const tenant = ctx.tenantOf(req);
    const results: StoreResult[] = [];
    const body = new ByteBudget(req, limits.requestBytes);
    let refusal: AppError | undefined;
    try {
      for await (const part of readMultipart(body, boundary)) {
        if (results.length >= limits.parts.max) {
          refusal = limitExceeded(limits.parts, `the request has more parts`);
          break;
        }
        const type = mediaType(part.headers['content-type'] ?? 'application/dicom');
        if (type !== 'application/dicom') {
          // Left unread: the reader drains it before the next part.
          results.push({ ok: false, reason: FailureReason.CannotUnderstand, message: `part media type ${type} is not application/dicom` });
          continue;
        }
        results.push(await storeInstance(part.body, { tenant, expectedStudyUid }, deps));
        if (body.error) break;
      }
    } catch (err) {
      if (err !== body.error) {
        // A dependency failed part way (503): what was stored before it is stored all the same.
        if (results.some((r) => r.ok)) await ctx.onStored?.(tenant, results);
        throw err;
      }
    }
    refusal ??= body.error;
    if (results.length === 0 && !refusal) throw new AppError('invalid', 'the multipart body holds no parts');
    if (results.length) await ctx.onStored?.(tenant, results);
    const response = buildStowResponse(results, ctx.baseUrl(req));
    if (refusal) {
      // Whole-request limit: 413, with the Store Instances Response of what came before it.
      response.status = 413;
      response.body['00000902'] = { vr: 'LO', Value: [refusal.message] };
      res.setHeader('Connection', 'close');
    }
    // Every policy: pixels are never de-identified, whether the stored copy's headers were (at-ingest) or not.
    const warning = burnedInStowWarning(results, warnAgent(req));
    if (warning) res.setHeader('Warning', warning);
    if (wantsXml) sendDicomXml(res, response.status, toNativeXml(response.body));
    else sendDicomJson(res, response.status, response.body);
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

/** RFC 9111 §5.5 warn-agent: the host the client addressed when it is a plain host name or IP literal, else `-`. */
function warnAgent(req: Request): string {
  const host = req.hostname;
  return host && /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])$/.test(host) ? host : '-';
}

function prefersXml(accept: string | undefined): boolean {
  if (!accept) return false;
  const xml = accept.indexOf('application/dicom+xml');
  const json = accept.indexOf('application/dicom+json');
  return xml >= 0 && (json < 0 || xml < json);
}
