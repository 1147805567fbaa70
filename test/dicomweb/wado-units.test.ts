import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { groupFrames, looksLikeFrameStart, type EncapsulatedTable } from '../../dicom/encapsulated.js';
import { decodeRle } from '../../dicom/codecs/rle.js';
import { parseAccept } from '../../dicomweb/wado/accept.js';
import { planFrames, planInstance } from '../../dicomweb/wado/negotiate.js';
import { parseRange } from '../../dicomweb/wado/range.js';
import { MultipartWriter } from '../../dicomweb/multipart/related-writer.js';
import { parseMultipart } from './wado-helpers.js';

const EVRLE = '1.2.840.10008.1.2.1';
const JLS = '1.2.840.10008.1.2.4.80';
const JXL = '1.2.840.10008.1.2.4.111';

describe('transfer syntax negotiation (PS3.18 §8.7.3)', () => {
  const plan = (accept: string, stored: string) => planInstance(parseAccept(accept), stored)?.kind;
  test('instances', () => {
    assert.equal(plan('multipart/related; type="application/dicom"; transfer-syntax=*', JLS), 'stored');
    assert.equal(plan('multipart/related; type="application/dicom"', JLS), 'explicit-le');
    assert.equal(plan('multipart/related; type=application/dicom; transfer-syntax=1.2.840.10008.1.2.1', EVRLE), 'stored');
    assert.equal(plan('*/*', JXL), 'stored');
    assert.equal(plan('multipart/related; type="application/dicom"', JXL), undefined, 'no decoder: nothing acceptable');
    assert.equal(plan('multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.90, multipart/related; type="application/dicom"; transfer-syntax=*;q=0.5', JLS), 'stored');
  });
  test('frames', () => {
    const frames = (accept: string, stored: string) => planFrames(parseAccept(accept), stored)?.kind;
    assert.equal(frames('multipart/related; type=application/octet-stream; transfer-syntax=*', JLS), 'stored');
    assert.equal(frames('multipart/related; type="application/octet-stream"', JLS), 'explicit-le');
    assert.equal(frames('multipart/related; type="image/jls"', JLS), 'stored');
    assert.equal(frames('multipart/related; type="image/jp2"', JLS), undefined);
    assert.equal(frames('multipart/related; type="application/octet-stream"', '1.2.840.10008.1.2'), 'stored', 'implicit LE frames are LE bytes');
  });
  test('q=0 and the accept query parameter', () => {
    assert.deepEqual(parseAccept('image/png;q=0, image/jpeg').map((e) => e.type), ['image/jpeg']);
    assert.deepEqual(parseAccept('image/png', 'image/jpeg').map((e) => e.type), ['image/jpeg']);
  });
});

test('byte ranges', () => {
  assert.deepEqual(parseRange('bytes=10-19', 100), { start: 10, end: 20 });
  assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 100 });
  assert.deepEqual(parseRange('bytes=-5', 100), { start: 95, end: 100 });
  assert.equal(parseRange('bytes=1-2,4-5', 100), undefined, 'several ranges: the whole value');
  assert.throws(() => parseRange('bytes=100-', 100));
});

test('RLE: segments are most significant byte first (PS3.5 Annex G)', async () => {
  // One 2x1 frame of 16-bit samples 0x0102 0x0304: segment 1 = high bytes, segment 2 = low bytes.
  const header = Buffer.alloc(64);
  header.writeUInt32LE(2, 0);
  header.writeUInt32LE(64, 4);
  header.writeUInt32LE(67, 8);
  const frame = Buffer.concat([header, Buffer.from([1, 0x01, 0x03]), Buffer.from([1, 0x02, 0x04])]);
  const info = { rows: 1, columns: 2, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 0, photometric: 'MONOCHROME2', planarConfiguration: 0, numberOfFrames: 1 };
  const out = await decodeRle(frame, info);
  assert.deepEqual([out.pixels.readUInt16LE(0), out.pixels.readUInt16LE(2)], [0x0102, 0x0304]);
});

test('fragments are grouped into frames by count, Basic Offset Table, or start markers', async () => {
  const frag = (offset: number, length = 10) => ({ offset, length });
  const table = (bot: number[], f: number[]): EncapsulatedTable => ({ basicOffsets: bot, fragments: f.map((o) => frag(o)), firstItemOffset: 100 });
  assert.equal((await groupFrames(table([], [108, 126]), 2, async () => false)).length, 2);
  const byBot = await groupFrames(table([0, 36], [108, 126, 144, 162]), 2, async () => false);
  assert.deepEqual(byBot.map((f) => f.length), [2, 2]);
  const starts = new Set([108, 162]);
  const byMarker = await groupFrames(table([], [108, 126, 144, 162]), 2, async (f) => starts.has(f.offset));
  assert.deepEqual(byMarker.map((f) => f.length), [3, 1]);
  assert.ok(looksLikeFrameStart(Buffer.from([0xff, 0xd8, 0xff])) && looksLikeFrameStart(Buffer.from([0xff, 0x4f, 0xff, 0x51])));
});

test('the multipart writer waits for a slow client (backpressure) and frames parts correctly', async () => {
  const chunks: Buffer[] = [];
  let pending = 0;
  const slow = new Writable({
    highWaterMark: 16,
    write(chunk, _enc, done) {
      chunks.push(chunk);
      pending++;
      setTimeout(() => (pending--, done()), 1);
    },
  });
  const w = new MultipartWriter(slow);
  await w.part({ 'Content-Type': 'application/octet-stream' }, Readable.from([Buffer.alloc(1000, 1), Buffer.alloc(1000, 2)]));
  await w.part({ 'Content-Type': 'application/octet-stream' }, Buffer.from('second'));
  await w.end();
  assert.ok(pending <= 1);
  const parts = parseMultipart(w.contentType('application/octet-stream'), Buffer.concat(chunks));
  assert.deepEqual(parts.map((p) => p.body.length), [2000, 6]);
});
