import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dcmdumpUids } from '../helpers/corpus.js';
import request from 'supertest';
import type { Express } from 'express';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { STOW_TYPE, fileParts, multipartBody } from '../helpers/multipart.js';

/** Shared pieces of the WADO-RS / rendered tests. */
export const ANY_TS = 'multipart/related; type="application/dicom"; transfer-syntax=*';
export const FRAMES_AS_STORED = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
export const FRAMES_NATIVE = 'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1';

/** Corpus rows that have Pixel Data (the manifest's has_pixel_data column). */
export function corpusImages(): Array<{ path: string; transferSyntax: string; photometric: string }> {
  const [header, ...rows] = readFileSync(`${CORPUS_DIR}MANIFEST.tsv`, 'utf8').trim().split('\n');
  const cols = header.split('\t');
  const at = (r: string[], name: string) => r[cols.indexOf(name)] ?? '';
  return rows.map((l) => l.split('\t')).filter((r) => at(r, 'has_pixel_data') === 'y')
    .map((r) => ({ path: at(r, 'path'), transferSyntax: at(r, 'transfer_syntax'), photometric: at(r, 'photometric') }));
}

/** Stores files; returns the instance paths (…/studies/{s}/series/{se}/instances/{i}) in order. */
export async function store(app: Express, files: Array<string | Buffer>): Promise<{ status: number; paths: string[] }> {
  const body = multipartBody(files.map((f) => (Buffer.isBuffer(f) ? f : readFileSync(f.startsWith('/') ? f : CORPUS_DIR + f))));
  const res = await request(app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(body);
  const refs = (res.body['00081199']?.Value ?? []) as any[];
  return { status: res.status, paths: refs.map((r) => new URL(r['00081190'].Value[0]).pathname) };
}

/** GET with the whole body as a Buffer whatever its type. */
export function getRaw(app: Express, path: string, accept?: string, headers: Record<string, string> = {}) {
  let r = request(app).get(path);
  if (accept) r = r.set('Accept', accept);
  for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
  return r.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  }) as unknown as Promise<{ status: number; headers: Record<string, string>; body: Buffer }>;
}

export interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

/** Splits a multipart/related body (as our tests receive it) into parts. */
export function parseMultipart(contentType: string, body: Buffer): Part[] {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delim = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd);
    const headers: Record<string, string> = {};
    for (const line of body.subarray(start + 2, headEnd).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    parts.push({ headers, body: body.subarray(headEnd + 4, next) });
    pos = next + 2;
  }
  return parts;
}

/**
 * A few corpus images lack Study/Series Instance UID and are refused at
 * STOW; a temporary copy with UIDs added by DCMTK's dcmodify (pixel data
 * untouched) lets their transfer syntaxes (HTJ2K, JPEG-LS near-lossless) be
 * retrieved too. Returns the file to store (the original when complete).
 */
export function storableCopy(file: string): string {
  const uids = dcmdumpUids(file);
  if (uids.StudyInstanceUID && uids.SeriesInstanceUID) return file;
  const copy = join(mkdtempSync(join(tmpdir(), 'uids-')), 'instance.dcm');
  copyFileSync(file, copy);
  chmodSync(copy, 0o644);
  const args = ['-nb', '-ie', '-i', `(0020,000d)=2.25.${seed(file, 1)}`, '-i', `(0020,000e)=2.25.${seed(file, 2)}`, copy];
  try {
    execFileSync('dcmodify', args, { stdio: 'ignore' });
    return copy;
  } catch {
    return file; // DCMTK cannot rewrite it either (e.g. a truncated file): store it as is
  }
}

function seed(file: string, n: number): string {
  let h = BigInt(n);
  for (const ch of file) h = (h * 131n + BigInt(ch.charCodeAt(0))) % 10n ** 30n;
  return h.toString();
}

export { STOW_TYPE, fileParts };
