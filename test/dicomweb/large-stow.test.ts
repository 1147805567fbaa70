import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import Database from 'better-sqlite3';
import { BOUNDARY, STOW_TYPE } from '../helpers/multipart.js';
import { newUid } from '../fixtures/synthetic-dicom.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * A 2 GiB instance streams through STOW-RS while the server's resident
 * memory grows by less than 200 MB (the body is never held whole).
 */
const PIXEL_BYTES = 2 * 1024 ** 3;
const CHUNK = Buffer.alloc(1024 * 1024, 0x5a);

let server: ServerProcess;
let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dicomweb-large-'));
  server = await startServerProcess({ DATA_DIR: dataDir });
});
after(async () => {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('a 2 GiB instance stores with bounded server memory', { timeout: 300_000 }, async () => {
  const header = headerWithHugePixelData();
  const hash = createHash('sha256').update(header);
  const baseline = server.rssBytes();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, server.rssBytes())), 50);
  const { status, body } = await post(`${server.url}/dicomweb/studies`, async (write) => {
    await write(Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`));
    await write(header);
    for (let sent = 0; sent < PIXEL_BYTES; sent += CHUNK.length) {
      hash.update(CHUNK);
      await write(CHUNK);
    }
    await write(Buffer.from(`\r\n--${BOUNDARY}--\r\n`));
  });
  clearInterval(sampler);
  assert.equal(status, 200, body);
  const growthMb = (peak - baseline) / 1024 ** 2;
  assert.ok(growthMb < 200, `server memory grew by ${growthMb.toFixed(0)} MB`);
  const sop = JSON.parse(body)['00081199'].Value[0]['00081155'].Value[0];
  const found = await fetch(`${server.url}/dicomweb/instances?SOPInstanceUID=${sop}`).then((r) => r.json());
  assert.equal(found.length, 1);
  const db = new Database(join(dataDir, 'index.sqlite'), { readonly: true });
  const row = db.prepare('SELECT sha256, size FROM instances WHERE sop_uid = ?').get(sop) as { sha256: string; size: number };
  db.close();
  assert.equal(row.size, header.length + PIXEL_BYTES);
  assert.equal(row.sha256, hash.digest('hex'), 'the index holds the SHA-256 of exactly the bytes sent');
  console.log(`# 2 GiB STOW: server RSS grew ${growthMb.toFixed(0)} MB`);
});

/** A PS3.10 header whose Pixel Data element declares 2 GiB of OW (32768 x 32768 x 16 bit). */
function headerWithHugePixelData(): Buffer {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const sop = newUid();
  const meta = new DicomDict(DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    MediaStorageSOPInstanceUID: sop,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '1.2.826.0.1.3680043.10.1443.1',
  }));
  meta.dict = DicomMetaDictionary.denaturalizeDataset({
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7', SOPInstanceUID: sop, StudyInstanceUID: newUid(), SeriesInstanceUID: newUid(),
    Modality: 'OT', PatientID: 'BIG', SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2',
    Rows: 32768, Columns: 32768, BitsAllocated: 16, BitsStored: 16, HighBit: 15, PixelRepresentation: 0,
  });
  const pixelHeader = Buffer.alloc(12);
  pixelHeader.writeUInt16LE(0x7fe0, 0);
  pixelHeader.writeUInt16LE(0x0010, 2);
  pixelHeader.write('OW', 4, 'latin1');
  pixelHeader.writeUInt32LE(PIXEL_BYTES, 8);
  return Buffer.concat([Buffer.from(meta.write()), pixelHeader]);
}

async function post(url: string, produce: (write: (b: Buffer) => Promise<void>) => Promise<void>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': STOW_TYPE, 'Transfer-Encoding': 'chunked' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    const write = (b: Buffer) => new Promise<void>((ok) => (req.write(b) ? ok() : req.once('drain', () => ok())));
    produce(write).then(() => req.end(), reject);
  });
}
