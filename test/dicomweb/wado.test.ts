import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import sharp from 'sharp';
import { blobKeys } from '../../storage/blob-store.js';
import { startTestApp, type Backend, type TestApp } from '../helpers/test-app.js';
import { newUid, syntheticInstance } from '../fixtures/synthetic-dicom.js';
import { ANY_TS, FRAMES_AS_STORED, getRaw, parseMultipart, store } from './wado-helpers.js';

/**
 * WADO-RS and rendered behaviour beyond the corpus round trip: negotiation,
 * errors, caching. Runs on MongoDB + S3 too when the launcher provides them
 * (ranged S3 reads, cached metadata and thumbnails in the bucket).
 */
/** Polls `probe` for up to 5 s until it gives a value (the metadata cache blob is written after the answer). */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T | undefined> {
  for (let i = 0; i < 100; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

const BACKENDS: Backend[] = process.env.MONGODB_URL && process.env.S3_BUCKET ? ['embedded+fs', 'mongodb+s3'] : ['embedded+fs'];

for (const backend of BACKENDS) describe(`WADO-RS behaviour on ${backend}`, () => {
  let t: TestApp;
  let ct: string;
  let jls: string;
  let sr: string;
  const study = newUid();
  before(async () => {
    t = await startTestApp(backend);
    ct = (await store(t.app, [syntheticInstance({ studyUid: study, attrs: { WindowCenter: '2000', WindowWidth: '4000' } })])).paths[0];
    jls = (await store(t.app, ['pt/pet-jpegls.dcm'])).paths[0];
    sr = (await store(t.app, ['sr/dcmjs-structured_report.dcm'])).paths[0];
  });
  after(async () => t.close());

  test('unknown UIDs answer 404 with a DICOM-style body; malformed UIDs 400', async () => {
    const res = await request(t.app).get(`/dicomweb/studies/${newUid()}/metadata`);
    assert.equal(res.status, 404);
    assert.equal(res.type, 'application/dicom+json');
    assert.match(res.body['00000902'].Value[0], /^no study /);
    assert.equal((await request(t.app).get(`${ct.replace(/instances\/.*/, `instances/${newUid()}`)}/frames/1`)).status, 404);
    assert.equal((await request(t.app).get('/dicomweb/studies/1.2.abc/metadata')).status, 400);
  });

  test('instances come as multipart/related with the transfer syntax and Content-Location of each part', async () => {
    const res = await getRaw(t.app, `/dicomweb/studies/${study}`, ANY_TS);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^multipart\/related; type="application\/dicom"; boundary=/);
    const [part] = parseMultipart(res.headers['content-type'], res.body);
    assert.equal(part.headers['content-type'], 'application/dicom; transfer-syntax=1.2.840.10008.1.2.1');
    assert.match(part.headers['content-location'], new RegExp(`${ct.replace(/\./g, '\\.')}$`));
  });

  test('a compressed instance is decoded only when asked; unservable syntaxes get 406 with a reason', async () => {
    const asStored = await getRaw(t.app, jls, ANY_TS);
    assert.match(parseMultipart(asStored.headers['content-type'], asStored.body)[0].headers['content-type'], /1\.2\.840\.10008\.1\.2\.4\.80$/);
    const decoded = await getRaw(t.app, jls, 'multipart/related; type="application/dicom"');
    assert.match(parseMultipart(decoded.headers['content-type'], decoded.body)[0].headers['content-type'], /1\.2\.840\.10008\.1\.2\.1$/);
    const j2k = await request(t.app).get(jls).set('Accept', 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.90');
    assert.equal(j2k.status, 406);
    assert.match(j2k.body['00000902'].Value[0], /stored in transfer syntax 1\.2\.840\.10008\.1\.2\.4\.80/);
    assert.equal((await request(t.app).get(`${jls}/metadata`).set('Accept', 'application/dicom+xml')).status, 406);
  });

  test('frames: stored media type with transfer-syntax=*, image/jls by name, 406 for another image type', async () => {
    const stored = await getRaw(t.app, `${jls}/frames/1`, FRAMES_AS_STORED);
    assert.match(stored.headers['content-type'], /type="image\/jls"/);
    const byName = await getRaw(t.app, `${jls}/frames/1`, 'multipart/related; type="image/jls"');
    assert.equal(byName.status, 200);
    assert.equal((await request(t.app).get(`${jls}/frames/1`).set('Accept', 'multipart/related; type="image/jp2"')).status, 406);
    assert.equal((await request(t.app).get(`${jls}/frames/2`).set('Accept', FRAMES_AS_STORED)).status, 404);
    assert.equal((await request(t.app).get(`${jls}/frames/0`)).status, 400);
    assert.equal((await request(t.app).get(`${jls}/frames/1,x`)).status, 400);
  });

  test('metadata has an ETag and answers 304 when it has not changed', async () => {
    const first = await request(t.app).get(`/dicomweb/studies/${study}/metadata`);
    assert.ok(first.headers.etag);
    const again = await request(t.app).get(`/dicomweb/studies/${study}/metadata`).set('If-None-Match', first.headers.etag);
    assert.equal(again.status, 304);
    const key = (await t.container.index.findInstances({ tenant: 'default', studyUid: study }))[0].blobKey;
    // Written after the answer (write-behind), so it may land a moment later.
    assert.ok(await eventually(() => t.container.blobs.stat(key.replace(/\.dcm$/, '_meta.json'))), 'per-instance metadata is cached next to the instance');
  });

  test('bulk data: Range gives 206 with Content-Range, multipart when asked, 400 outside the value', async () => {
    const uri = new URL((await request(t.app).get(`${ct}/metadata`)).body[0]['7FE00010'].BulkDataURI).pathname;
    const part = await getRaw(t.app, uri, 'application/octet-stream', { Range: 'bytes=100-199' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 100-199/${64 * 64 * 2}`);
    assert.equal(part.body.length, 100);
    const multi = await getRaw(t.app, uri, 'multipart/related; type="application/octet-stream"');
    assert.equal(parseMultipart(multi.headers['content-type'], multi.body)[0].body.length, 64 * 64 * 2);
    assert.equal((await request(t.app).get(uri).set('Range', 'bytes=999999-')).status, 400);
  });

  test('rendered: window, viewport and quality; the file window by default', async () => {
    const png = await getRaw(t.app, `${ct}/rendered?window=100,200,linear&viewport=32,32`, 'image/png');
    const meta = await sharp(png.body).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', 32, 32, 1]);
    const small = await getRaw(t.app, `${ct}/rendered?quality=10`, 'image/jpeg');
    const big = await getRaw(t.app, `${ct}/rendered?quality=95`, 'image/jpeg');
    assert.ok(small.body.length < big.body.length, 'quality changes the JPEG');
    assert.equal((await request(t.app).get(`${ct}/rendered?window=1,0`)).status, 400);
    assert.equal((await request(t.app).get(`${ct}/rendered`).set('Accept', 'image/gif')).status, 406);
    assert.equal((await getRaw(t.app, `${ct}/rendered?accept=image/png`, 'image/gif')).headers['content-type'], 'image/png');
  });

  test('thumbnails: at most 256x256, cached next to the instance, at every level; SR gets 406', async () => {
    const rec = (await t.container.index.findInstances({ tenant: 'default', studyUid: study }))[0];
    const thumb = await getRaw(t.app, `/dicomweb/studies/${study}/thumbnail`, 'image/jpeg');
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers['content-type'], 'image/jpeg');
    assert.ok(await eventually(() => t.container.blobs.stat(blobKeys.thumbnail(rec.blobKey))), 'thumbnail PNG cached in the blob store (written after the answer)');
    const series = await getRaw(t.app, `${ct.replace(/\/instances\/.*/, '')}/thumbnail?viewport=16,16`, 'image/png');
    assert.equal((await sharp(series.body).metadata()).width, 16);
    const res = await request(t.app).get(`${sr}/thumbnail`);
    assert.equal(res.status, 406);
    assert.match(res.body['00000902'].Value[0], /has no Pixel Data/);
  });

  test('deleting an instance removes what WADO cached beside it: metadata JSON and thumbnail (blobKeys.derived)', async () => {
    const own = newUid();
    const path = (await store(t.app, [syntheticInstance({ studyUid: own })])).paths[0];
    assert.equal((await request(t.app).get(`${path}/metadata`)).status, 200, 'metadata served');
    assert.equal((await getRaw(t.app, `${path}/thumbnail`, 'image/png')).status, 200, 'thumbnail served');
    const [rec] = await t.container.index.findInstances({ tenant: 'default', studyUid: own });
    const derived = blobKeys.derived(rec.blobKey);
    assert.deepEqual(derived, [blobKeys.thumbnail(rec.blobKey), blobKeys.metadata(rec.blobKey)], 'both caches are derived blobs');
    for (const key of derived) assert.ok(await eventually(() => t.container.blobs.stat(key)), `${key} cached before the delete`);
    assert.equal((await request(t.app).delete(path)).status, 204, 'instance deleted');
    for (const key of [rec.blobKey, ...derived]) assert.equal(await t.container.blobs.stat(key), undefined, `${key} gone after the delete`);
    assert.equal((await request(t.app).get(`${path}/metadata`)).status, 404, 'no metadata from a memory cache after the delete');
  });

  test('a declared 65535x65535 image with 256 bytes of pixels gets a clear 406, never an allocation', async () => {
    const { paths } = await store(t.app, ['broken/oob-monochrome-65535.dcm']);
    for (const suffix of ['/frames/1', '/rendered', '/thumbnail']) {
      const res = await request(t.app).get(paths[0] + suffix).set('Accept', suffix === '/frames/1' ? FRAMES_AS_STORED : 'image/png');
      assert.equal(res.status, 406, suffix);
      assert.match(res.body['00000902'].Value[0], /Pixel Data holds 256 bytes/);
    }
  });
});
