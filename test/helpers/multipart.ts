import { readFileSync } from 'node:fs';

export const BOUNDARY = 'dicomweb-test-boundary-7d1f';
export const STOW_TYPE = `multipart/related; type="application/dicom"; boundary=${BOUNDARY}`;

export interface PartSpec {
  body: Buffer;
  contentType?: string;
}

/** A multipart/related body (RFC 2046) from parts; a Buffer is an application/dicom part. */
export function multipartBody(parts: Array<Buffer | PartSpec>, boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const spec = Buffer.isBuffer(p) ? { body: p, contentType: 'application/dicom' } : p;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${spec.contentType ?? 'application/dicom'}\r\n\r\n`));
    chunks.push(spec.body, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

export function fileParts(paths: string[]): Buffer {
  return multipartBody(paths.map((p) => readFileSync(p)));
}
