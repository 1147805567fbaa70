import { Readable } from 'node:stream';
import { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { binaryOf } from '../../dicom/binary.js';
import type { DicomDataset } from '../../dicom/dicom-json.js';
import { AppError } from '../../storage/errors.js';
import { MultipartWriter } from '../multipart/related-writer.js';
import { handleRendered, handleThumbnail, type Level } from '../rendered/rendered-handler.js';
import { isImage, representative } from '../rendered/render-instance.js';
import { parseAccept } from '../wado/accept.js';
import type { WadoDeps } from '../wado/deps.js';
import { pixelErrors } from '../wado/errors.js';
import { findScope, scopeOf } from '../wado/lookup.js';
import { parseRange, type Span } from '../wado/range.js';
import { handleRetrieveBulkdata } from '../wado/retrieve-bulkdata.js';
import { handleRetrieveFrames } from '../wado/retrieve-frames.js';
import { handleRetrieveMetadata } from '../wado/retrieve-metadata.js';
import { burnedInWarning, type DeidHeaders } from './deid-headers.js';
import type { ViewInstance } from './deid-index-view.js';

/**
 * WADO-RS resources of the de-identified view other than whole instances
 * (those are deid-retrieve.ts), on the same paths as dicomweb/wado:
 * - metadata (study, series, instance): the DICOM JSON of the de-identified
 *   header (deid-headers.ts), bulk data URIs under /dicomweb/deid;
 * - bulk data: Pixel Data from the stored blob (the profile leaves it
 *   unchanged), any other value from the de-identified header only;
 * - frames, rendered and thumbnails: pixels from the stored blob, addressed by
 *   de-identified UIDs. Thumbnails are the cached ones of the original (same
 *   pixels).
 * The handlers of dicomweb/wado and dicomweb/rendered serve these unchanged:
 * `deps.index` is the view, so every lookup goes through de-identified UIDs.
 * Pixels are never cleaned of burned-in text: instances at risk are flagged
 * with a Warning header on every pixel resource, as on retrieval.
 */
export function deidWadoRouter(deps: WadoDeps, headers: DeidHeaders): Router {
  const r = Router();
  const study = '/studies/:study';
  const series = `${study}/series/:series`;
  const instance = `${series}/instances/:instance`;
  const frames = `${instance}/frames/:frames`;

  const metadata = handleRetrieveMetadata(deps, { get: (rec) => headers.metadata(rec as ViewInstance) });
  for (const path of [study, series, instance]) r.get(`${path}/metadata`, flagged(deps, headers, 'all'), metadata);

  r.get(frames, flagged(deps, headers, 'first'), handleRetrieveFrames(deps));

  const pixelBulk = handleRetrieveBulkdata(deps);
  r.get(`${instance}/bulkdata/*path`, async (req: Request, res: Response) => {
    const path = bulkPath(req.params.path);
    if (path.length === 1 && path[0] === '7FE00010') {
      await flagged(deps, headers, 'first')(req, res, () => undefined);
      return pixelBulk(req, res);
    }
    const [rec] = await findScope(deps.index, deps.ctx.tenantOf(req), scopeOf(req));
    const bytes = walk((await headers.header(rec as ViewInstance)).header.dataset, path);
    if (!bytes) throw new AppError('not-found', `no bulk data at ${path.join('/')} in the de-identified instance`);
    await sendBytes(req, res, bytes);
  });

  const levels = [[study, 'study'], [series, 'series'], [instance, 'instance'], [frames, 'frames']] as const;
  for (const [path, level] of levels) {
    r.get(`${path}/rendered`, flagged(deps, headers, level === 'study' || level === 'series' ? 'images' : 'first'), handleRendered(level as Level, deps));
    r.get(`${path}/thumbnail`, flagged(deps, headers, level === 'study' || level === 'series' ? 'representative' : 'first'), handleThumbnail(level as Level, deps));
  }
  r.use(pixelErrors, sameNotFound);
  return r;
}

/**
 * A study, series or instance the view does not have is answered like the
 * view's instance retrieval does, without echoing the UID asked for: "not
 * there" and "another tenant's" must read the same, whichever UIDs were used.
 */
const sameNotFound: ErrorRequestHandler = (err, _req, _res, next) => {
  if (err instanceof AppError && err.kind === 'not-found' && /^no (study|series|instance) /.test(err.message)) {
    return next(new AppError('not-found', 'no such study, series or instance in the de-identified view'));
  }
  next(err);
};

/**
 * Sets the burned-in Warning for the instances whose pixels (or header) the
 * resource shows, then hands on to the handler. Lookup errors are left to the
 * handler, which answers them as on /dicomweb.
 */
function flagged(deps: WadoDeps, headers: DeidHeaders, shown: 'all' | 'first' | 'images' | 'representative'): RequestHandler {
  return async (req, res, next) => {
    let records: ViewInstance[];
    try {
      records = (await findScope(deps.index, deps.ctx.tenantOf(req), scopeOf(req))) as ViewInstance[];
    } catch {
      return next();
    }
    let subject: ViewInstance[] = records;
    if (shown === 'first') subject = records.slice(0, 1);
    else if (shown === 'images') subject = records.filter(isImage);
    else if (shown === 'representative') subject = records.some(isImage) ? [representative(records) as ViewInstance] : [];
    const reasons = (await Promise.all(subject.map((rec) => headers.burnedIn(rec)))).flat();
    const warning = burnedInWarning(reasons);
    if (warning) res.setHeader('Warning', warning);
    next();
  };
}

async function sendBytes(req: Request, res: Response, bytes: Buffer): Promise<void> {
  const range = parseRange(req.headers.range, bytes.length);
  const span: Span = range ?? { start: 0, end: bytes.length };
  const body = bytes.subarray(span.start, span.end);
  const status = range ? 206 : 200;
  const contentRange = range ? `bytes ${span.start}-${span.end - 1}/${bytes.length}` : undefined;
  if (parseAccept(req.headers.accept, req.query.accept).some((e) => e.type === 'multipart/related')) {
    const w = new MultipartWriter(res);
    res.status(status).setHeader('Content-Type', w.contentType('application/octet-stream'));
    const h: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) };
    if (contentRange) h['Content-Range'] = contentRange;
    await w.part(h, Readable.from([body]));
    await w.end();
    return;
  }
  res.status(status).setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Accept-Ranges', 'bytes');
  if (contentRange) res.setHeader('Content-Range', contentRange);
  res.end(body);
}

function walk(ds: DicomDataset, path: string[]): Buffer | undefined {
  const el = ds[path[0]];
  if (!el?.Value) return undefined;
  if (path.length === 1) {
    const parts = el.Value.map(binaryOf).filter((b): b is Buffer => b !== undefined);
    return parts.length ? Buffer.concat(parts) : undefined;
  }
  const item = el.Value[Number(path[1])];
  return item && typeof item === 'object' ? walk(item as DicomDataset, path.slice(2)) : undefined;
}

function bulkPath(raw: unknown): string[] {
  const parts = (Array.isArray(raw) ? raw : String(raw ?? '').split('/')).map(String).filter(Boolean);
  const ok = parts.length % 2 === 1 && parts.every((p, i) => (i % 2 === 0 ? /^[0-9A-Fa-f]{8}$/.test(p) : /^\d{1,6}$/.test(p)));
  if (!ok) throw new AppError('invalid', 'a bulk data path is <tag>[/<item>/<tag>…] with 8-hex-digit tags');
  return parts.map((p, i) => (i % 2 === 0 ? p.toUpperCase() : p));
}
