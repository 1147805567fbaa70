import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partialDelimiterAt, readMultipart } from '../../../dicomweb/multipart/related-reader.js';

const BOUNDARY = 'XbX';

function body(parts: Buffer[]): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) out.push(Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`), p, Buffer.from('\r\n'));
  out.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(out);
}

async function* chunksOf(buf: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let i = 0;
  for (let off = 0; off < buf.length; i++) {
    const n = sizes[i % sizes.length];
    yield buf.subarray(off, off + n);
    off += n;
  }
}

async function read(buf: Buffer, sizes: number[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const part of readMultipart(chunksOf(buf, sizes), BOUNDARY)) {
    const chunks: Buffer[] = [];
    for await (const c of part.body) chunks.push(c as Buffer);
    out.push(Buffer.concat(chunks));
  }
  return out;
}

test('partialDelimiterAt finds only a suffix that could start the delimiter', () => {
  const d = Buffer.from(`\r\n--${BOUNDARY}`);
  assert.equal(partialDelimiterAt(Buffer.from('abcdef'), d), 6, 'no CR: nothing to keep');
  assert.equal(partialDelimiterAt(Buffer.from('abc\r'), d), 3, 'a CR at the end is kept');
  assert.equal(partialDelimiterAt(Buffer.from('abc\r\n-'), d), 3, 'CRLF- is kept');
  assert.equal(partialDelimiterAt(Buffer.from('abc\r\n-x'), d), 7, 'CRLF-x cannot start the delimiter');
  assert.equal(partialDelimiterAt(Buffer.from('\r\r\n--Xb'), d), 1, 'the longest possible start wins');
  assert.equal(partialDelimiterAt(Buffer.alloc(0), d), 0, 'empty buffer');
});

test('parts come out byte for byte whatever the chunking, with near-delimiters inside', async () => {
  const tricky = Buffer.from(`\r\n-\r\n--X\r\n--Xb\r\r\n--XbY--${BOUNDARY}\r\n`);
  const parts = [
    Buffer.concat([tricky, Buffer.alloc(300, 7), tricky]),
    Buffer.alloc(0),
    Buffer.from('\r'),
    Buffer.concat([Buffer.alloc(1000, 1), tricky, Buffer.from('\r\n-')]),
  ];
  const whole = body(parts);
  for (const sizes of [[1], [2], [3], [5], [7], [11], [13], [64], [1, 9, 2, 30], [whole.length]]) {
    const got = await read(whole, sizes);
    assert.equal(got.length, parts.length, `chunk sizes ${sizes}: number of parts`);
    got.forEach((g, i) => assert.ok(g.equals(parts[i]), `chunk sizes ${sizes}: part ${i} differs`));
  }
});
