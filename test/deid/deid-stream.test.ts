/**
 * The streaming de-identifier on files built in code: memory stays bounded
 * whatever the Pixel Data size, pixels pass unchanged, what follows Pixel
 * Data is cut, and the audit sink writes PHI-free JSON lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { JsonlAuditSink } from '../../deid/audit.js';
import { DeidTransform } from '../../deid/deid-stream.js';
import { DeidEngine } from '../../deid/engine.js';
import { DEFAULT_VIEW_OPTIONS } from '../../deid/profile/options.js';
import { parseHeader } from '../../dicom/parse-header.js';
import { syntheticInstance } from '../fixtures/synthetic-dicom.js';

const engine = new DeidEngine(Buffer.from('stream-test'), DEFAULT_VIEW_OPTIONS);
const PHI = { PatientName: 'Streamer^Sally', PatientID: 'STREAM-001', InstitutionName: 'Streaming General Hospital' };

/** The bytes of a small instance up to (not including) its Pixel Data element. */
function headerOf(file: Buffer): Buffer {
  const h = parseHeader(file, true)!;
  return file.subarray(0, h.pixelDataValueOffset! - 12);
}

function owElement(length: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(0x7fe0, 0);
  b.writeUInt16LE(0x0010, 2);
  b.write('OW', 4, 'latin1');
  b.writeUInt32LE(length, 8);
  return b;
}

test('a 256 MiB Pixel Data streams through with bounded memory and arrives byte for byte', async () => {
  const LENGTH = 256 * 1024 * 1024;
  const CHUNK = 1024 * 1024;
  const head = Buffer.concat([headerOf(syntheticInstance({ rows: 4, columns: 4, attrs: PHI })), owElement(LENGTH)]);
  const block = Buffer.alloc(CHUNK, 7);
  async function* source() {
    yield head;
    for (let sent = 0; sent < LENGTH; sent += CHUNK) yield block;
  }
  const prefix: Buffer[] = [];
  let prefixBytes = 0;
  const sevens = Buffer.alloc(CHUNK, 7);
  let altered = false;
  let outBytes = 0;
  let peak = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (prefixBytes < 2 * CHUNK) {
        prefix.push(chunk);
        prefixBytes += chunk.length;
      } else altered ||= !chunk.equals(sevens.subarray(0, chunk.length));
      outBytes += chunk.length;
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      done();
    },
  });
  const base = process.memoryUsage().arrayBuffers;
  await pipeline(Readable.from(source()), new DeidTransform(engine, 't', 64 * 1024 * 1024), sink);
  const start = Buffer.concat(prefix);
  const h = parseHeader(start, false);
  assert.ok(h, 'the output starts with a readable header');
  assert.ok(!JSON.stringify(h.dataset).includes('Streamer') && !JSON.stringify(h.dataset).includes('STREAM-001'), 'the header is de-identified');
  assert.equal(h.pixelDataLength, LENGTH);
  assert.equal(outBytes - h.pixelDataValueOffset!, LENGTH, 'every Pixel Data byte arrives');
  assert.ok(start.subarray(h.pixelDataValueOffset!).every((b) => b === 7) && !altered, 'Pixel Data bytes unchanged');
  assert.ok(peak - base < 48 * 1024 * 1024, `buffers grew by ${((peak - base) / 1048576).toFixed(1)} MiB while streaming 256 MiB`);
});

test('Pixel Data is identical and trailing elements after it are cut (Data Set Trailing Padding, X)', async () => {
  const file = syntheticInstance({ rows: 16, columns: 16, randomPixels: true, attrs: PHI });
  const padding = Buffer.concat([Buffer.from([0xfc, 0xff, 0xfc, 0xff, 0x4f, 0x42, 0, 0]), Buffer.from([8, 0, 0, 0]), Buffer.from('PHI-HERE')]);
  const input = Buffer.concat([file, padding]);
  const chunks: Buffer[] = [];
  const t = new DeidTransform(engine, 't', 1 << 20);
  await pipeline(Readable.from([input.subarray(0, 300), input.subarray(300)]), t, new Writable({ write(c, _e, d) { chunks.push(c); d(); } }));
  const out = Buffer.concat(chunks);
  const inH = parseHeader(file, true)!;
  const outH = parseHeader(out, true)!;
  assert.deepEqual(out.subarray(outH.pixelDataValueOffset!), file.subarray(inH.pixelDataValueOffset!));
  assert.ok(!out.includes('PHI-HERE'));
  assert.ok(!out.includes('Streamer') && !out.includes('STREAM-001') && !out.includes('Streaming General'));
  assert.ok(t.result!.attributesChanged > 0);
});

test('a file that is not DICOM fails the stream instead of passing bytes on', async () => {
  const t = new DeidTransform(engine, 't', 1 << 20);
  const out: Buffer[] = [];
  await assert.rejects(pipeline(Readable.from([Buffer.from('not dicom at all '.repeat(20))]), t, new Writable({ write(c, _e, d) { out.push(c); d(); } })));
  assert.equal(Buffer.concat(out).length, 0);
  await assert.rejects(t.outcome);
});

test('the JSONL audit sink appends one PHI-free record per de-identification', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'deid-audit-'));
  try {
    const sink = new JsonlAuditSink(join(dir, 'audit', 'deid.jsonl'));
    const o = engine.deidentify('t', { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Audit^Alice' }] }, '00080018': { vr: 'UI', Value: ['1.2.3.4'] } });
    const base = { tenant: 't', trigger: 'retrieve' as const, profile: 'PS3.15 E.1 Basic Application Level Confidentiality Profile' as const, options: engine.optionNames() };
    await Promise.all([1, 2, 3].map(() => sink.record({
      ...base, at: new Date().toISOString(), attributesChanged: o.attributesChanged, privateAttributesRemoved: 0, instanceId: o.sopInstanceUid, burnedInAnnotationRisk: [],
    })));
    await sink.close();
    const lines = (await readFile(join(dir, 'audit', 'deid.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 3);
    const rec = JSON.parse(lines[0]);
    assert.match(rec.instanceId, /^2\.25\./);
    assert.deepEqual(rec.options, ['retain-patient-characteristics', 'retain-longitudinal-full-dates']);
    assert.ok(!lines.join('').includes('Alice') && !lines.join('').includes('1.2.3.4'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
