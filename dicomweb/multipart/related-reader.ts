import { Readable } from 'node:stream';

/**
 * Streaming reader for multipart bodies (RFC 2046 §5.1, as used by PS3.18 §8.6.1.2).
 * busboy/multer only handle multipart/form-data, so STOW-RS needs its own.
 * Each part body is a Readable pulled from the request on demand (backpressure);
 * only the current search window is held in memory.
 */
export interface MultipartPart {
  headers: Record<string, string>;
  body: Readable;
}

export class MultipartError extends Error {}

const MAX_HEADER_BYTES = 16 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');

export async function* readMultipart(source: AsyncIterable<Buffer>, boundary: string): AsyncGenerator<MultipartPart> {
  const cursor = new Cursor(source);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter may start the body without a preceding CRLF (RFC 2046 §5.1.1).
  cursor.buf = Buffer.from('\r\n');
  await skipPreamble(cursor, delimiter);
  while (true) {
    if (await atCloseDelimiter(cursor)) return;
    const headers = await readHeaders(cursor);
    let done = false;
    const chunks = readBody(cursor, delimiter, () => (done = true));
    // The body reads through a view without return()/throw(): destroying it must not end
    // the generator while one of its reads is pending, or a second reader would race it.
    const body = Readable.from({ [Symbol.asyncIterator]: () => ({ next: () => chunks.next() }) }, { objectMode: false });
    yield { headers, body };
    if (!done) {
      body.destroy();
      // Drain the unread rest through the same generator: its calls queue behind a pending read.
      while (!(await chunks.next()).done) {
        /* discard */
      }
      if (!done) throw new MultipartError('multipart body ended before the closing boundary');
    }
  }
}

class Cursor {
  buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Buffer>;
  ended = false;
  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }
  async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.it.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    return true;
  }
}

async function skipPreamble(c: Cursor, delimiter: Buffer): Promise<void> {
  while (true) {
    const idx = c.buf.indexOf(delimiter);
    if (idx >= 0) {
      c.buf = c.buf.subarray(idx + delimiter.length);
      return;
    }
    c.buf = c.buf.subarray(Math.max(0, c.buf.length - delimiter.length));
    if (!(await c.fill())) throw new MultipartError('multipart body has no boundary delimiter');
  }
}

/** After a delimiter: "--" closes the body; otherwise optional padding then CRLF (RFC 2046 §5.1.1). */
async function atCloseDelimiter(c: Cursor): Promise<boolean> {
  while (c.buf.length < 2) if (!(await c.fill())) throw new MultipartError('multipart body ended after a boundary');
  if (c.buf[0] === 0x2d && c.buf[1] === 0x2d) return true;
  while (true) {
    const eol = c.buf.indexOf('\r\n');
    if (eol >= 0) {
      if (c.buf.subarray(0, eol).toString('latin1').trim() !== '') throw new MultipartError('garbage after boundary');
      c.buf = c.buf.subarray(eol + 2);
      return false;
    }
    if (c.buf.length > 1024 || !(await c.fill())) throw new MultipartError('malformed boundary line');
  }
}

async function readHeaders(c: Cursor): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  if (c.buf.length < 2) await c.fill();
  if (c.buf[0] === 0x0d && c.buf[1] === 0x0a) {
    c.buf = c.buf.subarray(2); // a part with no headers
    return headers;
  }
  let end = c.buf.indexOf(CRLFCRLF);
  while (end < 0) {
    if (c.buf.length > MAX_HEADER_BYTES) throw new MultipartError('part headers exceed 16 KiB');
    if (!(await c.fill())) throw new MultipartError('multipart body ended inside part headers');
    end = c.buf.indexOf(CRLFCRLF);
  }
  for (const line of c.buf.subarray(0, end).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  c.buf = c.buf.subarray(end + 4);
  return headers;
}

async function* readBody(c: Cursor, delimiter: Buffer, onEnd: () => void): AsyncGenerator<Buffer> {
  while (true) {
    const idx = c.buf.indexOf(delimiter);
    if (idx >= 0) {
      const chunk = c.buf.subarray(0, idx);
      c.buf = c.buf.subarray(idx + delimiter.length);
      onEnd();
      if (chunk.length) yield chunk;
      return;
    }
    // Keep only a tail that could be the start of a delimiter split across chunks (usually none,
    // so the next chunk is taken as it comes instead of being copied behind a tail).
    const safe = partialDelimiterAt(c.buf, delimiter);
    if (safe > 0) {
      const chunk = c.buf.subarray(0, safe);
      c.buf = c.buf.subarray(safe);
      yield chunk;
    }
    if (!(await c.fill())) throw new MultipartError('multipart body ended before the closing boundary');
  }
}

/**
 * Where the longest suffix of `buf` that is a proper prefix of `delimiter` starts
 * (`buf.length` when none): everything before it is body whatever comes next.
 */
export function partialDelimiterAt(buf: Buffer, delimiter: Buffer): number {
  const first = delimiter[0];
  for (let p = Math.max(0, buf.length - (delimiter.length - 1)); p < buf.length; p++) {
    p = buf.indexOf(first, p);
    if (p < 0) break;
    if (delimiter.subarray(0, buf.length - p).equals(buf.subarray(p))) return p;
  }
  return buf.length;
}

/** Extracts a parameter (e.g. boundary, type) from a Content-Type header value (RFC 2045 §5.1). */
export function contentTypeParam(contentType: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i');
  const m = re.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}
