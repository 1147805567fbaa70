import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { BOUNDARY, STOW_TYPE } from '../helpers/multipart.js';
import { newUid } from '../fixtures/synthetic-dicom.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * A 2 GiB study (one instance of 1024 frames of 1024x1024x16 bits) goes
 * out through WADO-RS while the server's resident memory grows by less than
 * 200 MB, and one frame of it is served (and rendered) by reading that frame
 * only. Frame k holds the byte k % 251 everywhere, so any frame is checkable.
 */
const FRAMES = 1024;
const FRAME_BYTES = 1024 * 1024 * 2;
const study = newUid();
const series = newUid();
const sop = newUid();

let server: ServerProcess;
let dataDir: string;
let sentHash = '';
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dicomweb-wado-large-'));
  server = await startServerProcess({ DATA_DIR: dataDir });
  sentHash = await storeLargeInstance();
});
after(async () => {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('retrieving a 2 GiB study streams with bounded server memory', { timeout: 600_000 }, async () => {
  const watch = memoryWatch();
  const hash = createHash('sha256');
  let inPart = false;
  let size = 0;
  // The part body lies between the part headers and the closing delimiter: hash all
  // but the last 256 bytes seen, which may be that delimiter.
  let held = Buffer.alloc(0);
  const res = await get(`/dicomweb/studies/${study}`, 'multipart/related; type="application/dicom"; transfer-syntax=*', (chunk) => {
    size += chunk.length;
    if (!inPart) {
      inPart = true;
      chunk = chunk.subarray(chunk.indexOf('\r\n\r\n') + 4);
    }
    const all = Buffer.concat([held, chunk]);
    hash.update(all.subarray(0, Math.max(0, all.length - 256)));
    held = all.subarray(Math.max(0, all.length - 256));
  });
  hash.update(held.subarray(0, held.lastIndexOf(Buffer.from('\r\n--'))));
  const growth = watch.stop();
  assert.equal(res.status, 200);
  assert.ok(size > 2 * 1024 ** 3, `received ${size} bytes`);
  assert.equal(hash.digest('hex'), sentHash, 'the instance comes back byte for byte');
  assert.ok(growth < 200, `server memory grew by ${growth.toFixed(0)} MB`);
  console.log(`# 2 GiB WADO-RS retrieve: server RSS grew ${growth.toFixed(0)} MB`);
});

test('one frame of the 1024-frame instance is served without reading the rest', { timeout: 120_000 }, async () => {
  const watch = memoryWatch();
  const t0 = Date.now();
  const chunks: Buffer[] = [];
  const path = `/dicomweb/studies/${study}/series/${series}/instances/${sop}/frames/777`;
  const res = await get(path, 'multipart/related; type="application/octet-stream"; transfer-syntax=*', (c) => chunks.push(c));
  const ms = Date.now() - t0;
  const body = Buffer.concat(chunks);
  assert.equal(res.status, 200);
  const start = body.indexOf('\r\n\r\n') + 4;
  const frame = body.subarray(start, start + FRAME_BYTES);
  assert.equal(frame.length, FRAME_BYTES);
  assert.ok(frame.every((b) => b === 776 % 251), 'frame 777 holds its own bytes');
  const rendered = await get(`${path}/rendered`, 'image/png', () => undefined);
  assert.equal(rendered.status, 200);
  const growth = watch.stop();
  assert.ok(growth < 100, `server memory grew by ${growth.toFixed(0)} MB for one frame`);
  console.log(`# frame 777 of 1024 (2 GiB instance): ${ms} ms, server RSS grew ${growth.toFixed(0)} MB`);
});

function memoryWatch() {
  const baseline = server.rssBytes();
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, server.rssBytes())), 50);
  return {
    stop: () => {
      clearInterval(timer);
      console.log(`# server RSS ${(baseline / 1024 ** 2).toFixed(0)} MB before, ${(peak / 1024 ** 2).toFixed(0)} MB at peak`);
      return (peak - baseline) / 1024 ** 2;
    },
  };
}

function get(path: string, accept: string, onData: (b: Buffer) => void): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    request(`${server.url}${path}`, { headers: { Accept: accept } }, (res) => {
      res.on('data', onData);
      res.on('end', () => resolve({ status: res.statusCode! }));
      res.on('error', reject);
    }).on('error', reject).end();
  });
}

async function storeLargeInstance(): Promise<string> {
  const header = headerOf();
  const hash = createHash('sha256').update(header);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${server.url}/dicomweb/studies`, { method: 'POST', headers: { 'Content-Type': STOW_TYPE, 'Transfer-Encoding': 'chunked' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    const write = (b: Buffer) => new Promise<void>((ok) => (req.write(b) ? ok() : req.once('drain', () => ok())));
    (async () => {
      await write(Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`));
      await write(header);
      for (let k = 0; k < FRAMES; k++) {
        const frame = Buffer.alloc(FRAME_BYTES, k % 251);
        hash.update(frame);
        await write(frame);
      }
      await write(Buffer.from(`\r\n--${BOUNDARY}--\r\n`));
      req.end();
    })().catch(reject);
  });
  assert.equal(status, 200);
  return hash.digest('hex');
}

function headerOf(): Buffer {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const meta = new DicomDict(DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer, MediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.7.3',
    MediaStorageSOPInstanceUID: sop, TransferSyntaxUID: '1.2.840.10008.1.2.1', ImplementationClassUID: '1.2.826.0.1.3680043.10.1443.1',
  }));
  meta.dict = DicomMetaDictionary.denaturalizeDataset({
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7.3', SOPInstanceUID: sop, StudyInstanceUID: study, SeriesInstanceUID: series,
    Modality: 'OT', PatientID: 'BIG', SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2', NumberOfFrames: String(FRAMES),
    Rows: 1024, Columns: 1024, BitsAllocated: 16, BitsStored: 16, HighBit: 15, PixelRepresentation: 0,
  });
  const pixel = Buffer.alloc(12);
  pixel.writeUInt16LE(0x7fe0, 0);
  pixel.writeUInt16LE(0x0010, 2);
  pixel.write('OW', 4, 'latin1');
  pixel.writeUInt32LE(FRAMES * FRAME_BYTES, 8);
  return Buffer.concat([Buffer.from(meta.write()), pixel]);
}
