import { Transform, type TransformCallback } from 'node:stream';
import { ApiError } from '../errors.js';

/**
 * What the upload API accepts before reading a byte of content: the DICOM
 * media types of PS3.18 §8.7.3 (application/dicom) plus those browsers and
 * older software send, and a file name ending .dcm / .dicom or with no
 * extension (DICOMDIR-style names such as IM000001).
 */
const MEDIA_TYPES = new Set(['application/dicom', 'application/x-dicom', 'image/dicom', 'application/octet-stream']);

export function checkDeclaredType(fileName: string, mimeType: string): void {
  const type = mimeType.split(';')[0].trim().toLowerCase();
  if (type && !MEDIA_TYPES.has(type)) {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `files of type ${sanitize(type)} are not accepted; send application/dicom`);
  }
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
  if (ext && ext !== 'dcm' && ext !== 'dicom' && !/^\d+$/.test(ext)) {
    throw new ApiError(415, 'UNSUPPORTED_FILE_EXTENSION', 'only .dcm, .dicom or extension-less DICOM files are accepted');
  }
}

function sanitize(type: string): string {
  return type.replace(/[^a-z0-9.+/-]/g, '').slice(0, 64);
}

/**
 * Passes the upload through while checking it: the "DICM" marker at offset
 * 128 (PS3.10 §7.1) as soon as 132 bytes have arrived, and the size limit on
 * every chunk, so an oversized or non-DICOM upload stops early instead of
 * being stored first and judged later.
 */
export class UploadGuard extends Transform {
  violation?: 'too-large' | 'not-dicom';
  size = 0;
  private head = Buffer.alloc(0);

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return this.stop('too-large', `the file is larger than UPLOAD_MAX_BYTES (${this.maxBytes} bytes)`, done);
    if (this.head.length < 132) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, 132 - this.head.length)]);
      if (this.head.length >= 132 && this.head.toString('latin1', 128, 132) !== 'DICM') {
        return this.stop('not-dicom', 'not a DICOM file: no "DICM" marker at byte 128 (PS3.10 §7.1)', done);
      }
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.head.length < 132) return this.stop('not-dicom', 'not a DICOM file: shorter than the 132-byte PS3.10 preamble and marker', done);
    done();
  }

  private stop(kind: 'too-large' | 'not-dicom', message: string, done: TransformCallback): void {
    this.violation = kind;
    done(kind === 'too-large' ? new ApiError(413, 'FILE_TOO_LARGE', message) : new ApiError(415, 'NOT_DICOM', message));
  }
}
