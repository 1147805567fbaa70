import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { readFileSync } from 'node:fs';
import { BACKENDS, startTestApp, type TestApp } from '../helpers/test-app.js';
import { BOUNDARY, STOW_TYPE, fileParts, multipartBody } from '../helpers/multipart.js';
import { newUid, syntheticInstance } from '../fixtures/synthetic-dicom.js';

const CORPUS = new URL('../../../shared/corpus/', import.meta.url).pathname;
const failed = (body: any) => body['00081198']?.Value ?? [];
const referenced = (body: any) => body['00081199']?.Value ?? [];
const reasons = (body: any) => failed(body).map((f: any) => f['00081197'].Value[0]);

for (const backend of BACKENDS) {
  describe(`STOW-RS on ${backend}`, () => {
    let t: TestApp;
    before(async () => (t = await startTestApp(backend)));
    after(async () => t.close());

    const stow = (body: Buffer, path = '/dicomweb/studies', type = STOW_TYPE) =>
      request(t.app).post(path).set('Content-Type', type).set('Accept', 'application/dicom+json').send(body);

    test('stores several instances and answers 200 with Referenced SOP Sequence and Retrieve URLs', async () => {
      const study = newUid();
      const a = syntheticInstance({ studyUid: study });
      const b = syntheticInstance({ studyUid: study, modality: 'MR' });
      const res = await stow(multipartBody([a, b]));
      assert.equal(res.status, 200);
      assert.equal(res.type, 'application/dicom+json');
      assert.equal(referenced(res.body).length, 2);
      assert.equal(res.body['00081198'], undefined, 'no Failed SOP Sequence when nothing failed');
      assert.match(res.body['00081190'].Value[0], new RegExp(`/dicomweb/studies/${study.replace(/\./g, '\\.')}$`));
      const item = referenced(res.body)[0];
      assert.equal(item['00081150'].Value[0], '1.2.840.10008.5.1.4.1.1.2');
      assert.match(item['00081190'].Value[0], /\/studies\/.+\/series\/.+\/instances\/.+/);
    });

    test('one broken part never stops the good ones: 202 with Failure Reason C000', async () => {
      const good = syntheticInstance();
      const res = await stow(multipartBody([Buffer.from('this is not DICOM at all'.repeat(20)), good]));
      assert.equal(res.status, 202);
      assert.deepEqual(reasons(res.body), [0xc000]);
      assert.equal(referenced(res.body).length, 1);
    });

    test('an instance without SOP Instance UID fails with A900 and a reason', async () => {
      const res = await stow(fileParts([`${CORPUS}broken/dwv034-sr-ruler-no-uids.dcm`]));
      assert.equal(res.status, 409);
      assert.deepEqual(reasons(res.body), [0xa900]);
      assert.match(failed(res.body)[0]['00000902'].Value[0], /SOPInstanceUID is missing/);
    });

    test('invalid and path-like UIDs are refused and never reach storage', async () => {
      const bad = syntheticInstance({ sopUid: '../../etc/passwd' });
      const res = await stow(multipartBody([bad]));
      assert.equal(res.status, 409);
      assert.deepEqual(reasons(res.body), [0xa900]);
      const url = await request(t.app).post('/dicomweb/studies/..%2F..%2Fx').set('Content-Type', STOW_TYPE).send(multipartBody([syntheticInstance()]));
      assert.equal(url.status, 400);
    });

    test('study-scoped store refuses instances of another study with 0124', async () => {
      const study = newUid();
      const res = await stow(multipartBody([syntheticInstance({ studyUid: study }), syntheticInstance()]), `/dicomweb/studies/${study}`);
      assert.equal(res.status, 202);
      assert.deepEqual(reasons(res.body), [0x0124]);
      assert.equal(referenced(res.body).length, 1);
    });

    test('re-sending the same bytes is idempotent: success, nothing duplicated', async () => {
      const study = newUid();
      const inst = syntheticInstance({ studyUid: study });
      assert.equal((await stow(multipartBody([inst]))).status, 200);
      const again = await stow(multipartBody([inst]));
      assert.equal(again.status, 200);
      assert.equal(referenced(again.body).length, 1);
      const found = await request(t.app).get(`/dicomweb/studies?StudyInstanceUID=${study}`);
      assert.equal(found.body[0]['00201208'].Value[0], 1);
      assert.equal((await t.container.index.findInstances({ tenant: 'default', studyUid: study })).length, 1);
    });

    test('different bytes under a stored SOP Instance UID are refused with 0111 (policy reject)', async () => {
      const sop = newUid();
      const study = newUid();
      const series = newUid();
      await stow(multipartBody([syntheticInstance({ sopUid: sop, studyUid: study, seriesUid: series })]));
      const res = await stow(multipartBody([syntheticInstance({ sopUid: sop, studyUid: study, seriesUid: series, randomPixels: true })]));
      assert.equal(res.status, 409);
      assert.deepEqual(reasons(res.body), [0x0111]);
    });

    test('concurrent stores of one study keep counts and series lists exact', async () => {
      const study = newUid();
      const series = [newUid(), newUid(), newUid()];
      const bodies = Array.from({ length: 24 }, (_, i) => multipartBody([syntheticInstance({ studyUid: study, seriesUid: series[i % 3] })]));
      const results = await Promise.all(bodies.map((b) => stow(b)));
      assert.ok(results.every((r) => r.status === 200));
      const s = await request(t.app).get(`/dicomweb/studies?StudyInstanceUID=${study}`);
      assert.equal(s.body[0]['00201206'].Value[0], 3);
      assert.equal(s.body[0]['00201208'].Value[0], 24);
      const se = await request(t.app).get(`/dicomweb/studies/${study}/series`);
      assert.deepEqual(se.body.map((x: any) => x['00201209'].Value[0]), [8, 8, 8]);
    });

    test('answers in Native DICOM Model XML when asked', async () => {
      const res = await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE)
        .set('Accept', 'application/dicom+xml').send(multipartBody([syntheticInstance()]));
      assert.equal(res.status, 200);
      assert.equal(res.type, 'application/dicom+xml');
      assert.match(res.text, /<NativeDicomModel xmlns="http:\/\/dicom.nema.org\/PS3.19\/models\/NativeDICOM">/);
      assert.match(res.text, /<DicomAttribute tag="00081199" vr="SQ" keyword="ReferencedSOPSequence"><Item number="1">/);
    });

    test('bad requests get a clear 4xx', async () => {
      const notMultipart = await request(t.app).post('/dicomweb/studies').set('Content-Type', 'application/dicom').send(syntheticInstance());
      assert.equal(notMultipart.status, 415);
      assert.match(notMultipart.body['00000902'].Value[0], /multipart\/related/);
      const json = await stow(multipartBody([Buffer.from('[]')]), '/dicomweb/studies', `multipart/related; type="application/dicom+json"; boundary=${BOUNDARY}`);
      assert.equal(json.status, 415);
      const noBoundary = await stow(Buffer.from('x'), '/dicomweb/studies', 'multipart/related; type="application/dicom"');
      assert.equal(noBoundary.status, 400);
      const truncated = await stow(multipartBody([syntheticInstance()]).subarray(0, 500));
      assert.equal(truncated.status, 400);
      assert.match(truncated.body['00000902'].Value[0], /malformed multipart/);
      const empty = await stow(Buffer.from(`--${BOUNDARY}--\r\n`));
      assert.equal(empty.status, 400);
    });

    test('a part of another media type fails alone', async () => {
      const res = await stow(multipartBody([{ body: Buffer.from('{}'), contentType: 'application/json' }, syntheticInstance()]));
      assert.equal(res.status, 202);
      assert.deepEqual(reasons(res.body), [0xc000]);
    });

    test('a corpus file stores with the hash of its exact bytes', async () => {
      const path = `${CORPUS}ct/CT_small.dcm`;
      const res = await stow(fileParts([path]));
      assert.equal(res.status, 200);
      const sop = referenced(res.body)[0]['00081155'].Value[0];
      const study = res.body['00081190'].Value[0].split('/studies/')[1];
      const [rec] = await t.container.index.findInstances({ tenant: 'default', studyUid: study, sopUid: sop });
      const { createHash } = await import('node:crypto');
      assert.equal(rec.sha256, createHash('sha256').update(readFileSync(path)).digest('hex'));
      assert.equal(rec.size, readFileSync(path).length);
    });
  });
}
