import { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import { binaryOf } from '../../dicom/binary.js';
import type { DicomDataset } from '../../dicom/dicom-json.js';
import { scanEncapsulated } from '../../dicom/encapsulated.js';
import { isEncapsulated } from '../../dicom/transfer-syntax.js';
import { AppError } from '../../storage/errors.js';
import type { InstanceRecord } from '../../storage/model.js';
import { MultipartWriter } from '../multipart/related-writer.js';
import { parseAccept } from './accept.js';
import type { WadoDeps } from './deps.js';
import { findScope, scopeOf } from './lookup.js';
import { parseRange, type Span } from './range.js';

/**
 * Retrieve Bulkdata (PS3.18 §10.4.1.1.5) at the URIs that metadata hands
 * out: …/instances/{i}/bulkdata/<tag>[/<item>/<tag>…]. Pixel Data is read
 * from its place in the blob (native bytes, or the encapsulated value), other
 * values from the header. A single Range (RFC 9110 §14) is honoured.
 * Clients asking for multipart/related get one part, others the bare bytes.
 */
export function handleRetrieveBulkdata(deps: WadoDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const path = pathOf(req.params.path);
    const [rec] = await findScope(deps.index, deps.ctx.tenantOf(req), scopeOf(req));
    const source = path.length === 1 && path[0] === '7FE00010' ? await pixelSpan(rec, deps) : await headerValue(rec, path, deps);
    const range = parseRange(req.headers.range, source.length);
    const span: Span = range ?? { start: 0, end: source.length };
    const body = await source.open(span);
    const multipart = parseAccept(req.headers.accept, req.query.accept).some((e) => e.type === 'multipart/related');
    if (multipart) {
      const w = new MultipartWriter(res);
      res.status(range ? 206 : 200).setHeader('Content-Type', w.contentType('application/octet-stream'));
      const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(span.end - span.start) };
      if (range) headers['Content-Range'] = `bytes ${span.start}-${span.end - 1}/${source.length}`;
      await w.part(headers, body);
      await w.end();
      return;
    }
    res.status(range ? 206 : 200).setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Length', String(span.end - span.start));
    if (range) res.setHeader('Content-Range', `bytes ${span.start}-${span.end - 1}/${source.length}`);
    body.pipe(res);
    await new Promise<void>((resolve, reject) => {
      res.once('finish', resolve);
      res.once('close', resolve);
      body.once('error', reject);
    });
  };
}

interface BulkSource {
  length: number;
  open(span: Span): Promise<Readable>;
}

/** The Pixel Data value: native bytes, or the items of encapsulated data without the delimiter. */
async function pixelSpan(rec: InstanceRecord, deps: WadoDeps): Promise<BulkSource> {
  const opened = await deps.access.open(rec);
  const h = opened.header;
  if (!h.reachedPixelData || h.pixelDataValueOffset === undefined) throw new AppError('not-found', 'the instance has no Pixel Data');
  const start = h.pixelDataValueOffset;
  let end = start + (h.pixelDataLength ?? 0);
  if (isEncapsulated(h.transferSyntaxUid)) {
    const t = await scanEncapsulated(opened.read, start, opened.size);
    const last = t.fragments.at(-1);
    end = last ? last.offset + last.length : t.firstItemOffset;
  }
  end = Math.min(end, opened.size);
  const open = async (s: Span) => opened.reencoded
    ? Readable.from([await opened.read(start + s.start, start + s.end)])
    : deps.blobs.get(rec.blobKey, { start: start + s.start, end: start + s.end });
  return { length: end - start, open };
}

async function headerValue(rec: InstanceRecord, path: string[], deps: WadoDeps): Promise<BulkSource> {
  const h = (await deps.access.open(rec)).header;
  const bytes = walk(h.dataset, path);
  if (!bytes) throw new AppError('not-found', `no bulk data at ${path.join('/')}`);
  return { length: bytes.length, open: async (s) => Readable.from([bytes.subarray(s.start, s.end)]) };
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

function pathOf(raw: unknown): string[] {
  const parts = (Array.isArray(raw) ? raw : String(raw ?? '').split('/')).map(String).filter(Boolean);
  const ok = parts.length % 2 === 1 && parts.every((p, i) => (i % 2 === 0 ? /^[0-9A-Fa-f]{8}$/.test(p) : /^\d{1,6}$/.test(p)));
  if (!ok) throw new AppError('invalid', 'a bulk data path is <tag>[/<item>/<tag>…] with 8-hex-digit tags');
  return parts.map((p, i) => (i % 2 === 0 ? p.toUpperCase() : p));
}
