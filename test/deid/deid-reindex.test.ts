/**
 * A tenant's DEID_POLICY changes after studies were stored (off → on-read):
 * the de-identified view cannot see them until its search terms are
 * re-indexed (deid/reindex.ts, `npm run deid:reindex`). Then QIDO and WADO-RS
 * of the view find them under de-identified UIDs and pseudonyms, while the
 * identified index and the upload API's terms are untouched. Both backends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { reindexDeidTerms } from '../../deid/reindex.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { BACKENDS, startTestApp, type TestApp } from '../helpers/test-app.js';
import { syntheticInstance, newUid } from '../fixtures/synthetic-dicom.js';

const PHI = { PatientName: 'Reindex^Rupert', PatientID: 'REIDX-0042', PatientBirthDate: '19480911' };

for (const backend of BACKENDS) {
  describe(`re-index of the de-identified view after a policy change (${backend})`, () => {
    let t: TestApp;
    const studyA = newUid();
    const seriesA = newUid();
    const studyB = newUid();
    const tenant = () => t.container.config.defaultTenant;
    const deidOf = (uid: string) => t.container.deid.engine.uid(tenant(), uid);
    const reindex = () => reindexDeidTerms({ index: t.container.index, blobs: t.container.blobs, deid: t.container.deid, maxHeaderBytes: t.container.config.maxHeaderBytes }, tenant());
    const view = async (path: string, q: Record<string, string> = {}) => (await request(t.app).get(`/dicomweb/deid${path}`).query(q));

    before(async () => {
      t = await startTestApp(backend, { DEID_POLICY: 'off' });
      const files = [
        syntheticInstance({ studyUid: studyA, seriesUid: seriesA, attrs: { ...PHI, InstanceNumber: '1' } }),
        syntheticInstance({ studyUid: studyA, seriesUid: seriesA, attrs: { ...PHI, InstanceNumber: '2' } }),
        syntheticInstance({ studyUid: studyB, attrs: { PatientName: 'Other^Olga', PatientID: 'REIDX-0043' } }),
      ];
      const res = await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(multipartBody(files));
      assert.equal(res.status, 200, 'STOW under DEID_POLICY=off');
      const upload = await request(t.app).post('/api/imaging/upload-dicom').field('patientId', 'uploader-77')
        .attach('file', syntheticInstance({ attrs: { PatientName: 'Upload^Ulla' } }), { filename: 'u.dcm', contentType: 'application/dicom' });
      assert.equal(upload.status, 201, `upload: ${upload.status} ${JSON.stringify(upload.body).slice(0, 200)}`);
      // The operator turns the de-identified view on (DEID_POLICY=on-read) and restarts.
      t.container.deid.config.policy = 'on-read';
    });
    after(async () => t.close());

    test('before the re-index the view cannot find or retrieve studies stored under "off"', async () => {
      // An unfiltered list shows them (records are de-identified as they are read), but nothing
      // can be looked up by what the view shows: its UIDs and pseudonyms are not indexed.
      const listed = await view('/studies');
      assert.equal(listed.body.length, 3);
      const pseudonym = listed.body.find((s: any) => s['0020000D'].Value[0] === deidOf(studyA))['00100020'].Value[0];
      assert.equal((await view('/studies', { StudyInstanceUID: deidOf(studyA) })).body.length, 0, 'de-identified UID not indexed');
      assert.equal((await view('/studies', { PatientID: pseudonym })).body.length, 0, 'pseudonym not indexed');
      assert.equal((await view(`/studies/${deidOf(studyA)}/series`)).body.length, 0);
      assert.equal((await view(`/studies/${deidOf(studyA)}/metadata`)).status, 404);
      assert.equal((await view(`/studies/${deidOf(studyA)}/series/${deidOf(seriesA)}`)).status, 404);
    });

    test('after the re-index: QIDO and WADO-RS of the view find them by de-identified values only', async () => {
      const result = await reindex();
      assert.deepEqual({ studies: result.studies, instances: result.instances, failed: result.failed }, { studies: 3, instances: 4, failed: 0 });
      const studies = await view('/studies');
      assert.equal(studies.body.length, 3);
      const a = (await view('/studies', { StudyInstanceUID: deidOf(studyA) })).body;
      assert.equal(a.length, 1);
      assert.equal(a[0]['00201208'].Value[0], 2);
      const pseudonym = a[0]['00100020'].Value[0];
      assert.match(pseudonym, /^ANON-/);
      assert.equal((await view('/studies', { PatientID: pseudonym })).body.length, 1, 'study level matches the pseudonym');
      assert.equal((await view('/instances', { PatientID: pseudonym })).body.length, 2, 'instance level matches the pseudonym');
      assert.equal((await view('/studies', { PatientID: PHI.PatientID })).body.length, 0, 'original values still match nothing');
      assert.equal((await view('/studies', { PatientName: 'Reindex*' })).body.length, 0);
      assert.equal((await view(`/studies/${deidOf(studyA)}/series`)).body[0]['0020000E'].Value[0], deidOf(seriesA));
      const md = await view(`/studies/${deidOf(studyA)}/metadata`);
      assert.equal(md.status, 200);
      assert.equal(md.body.length, 2);
      assert.ok(!JSON.stringify(md.body).includes('Reindex'), 'no PHI in the view');
    });

    test('identified search and the upload API are untouched; a second run changes nothing', async () => {
      const again = await reindex();
      assert.equal(again.instances, 4);
      assert.equal((await view('/studies')).body.length, 3);
      const identified = await request(t.app).get('/dicomweb/studies').query({ PatientName: 'Reindex*' });
      assert.equal(identified.body.length, 1, 'identified QIDO still matches the original name');
      assert.equal(identified.body[0]['00201208'].Value[0], 2);
      const uploads = await request(t.app).get('/api/imaging').query({ patientId: 'uploader-77' });
      assert.equal(uploads.status, 200);
      assert.equal(uploads.body.data.length, 1, 'the upload API still finds the uploader\'s file');
    });

    test('back to "off": the re-index removes the view\'s terms', async () => {
      t.container.deid.config.policy = 'off';
      await reindex();
      t.container.deid.config.policy = 'on-read';
      assert.equal((await view('/studies', { StudyInstanceUID: deidOf(studyA) })).body.length, 0);
      assert.equal((await view(`/studies/${deidOf(studyA)}/metadata`)).status, 404);
      assert.equal((await request(t.app).get('/dicomweb/studies')).body.length, 3);
    });
  });
}
