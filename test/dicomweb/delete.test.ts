import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { BACKENDS, startTestApp, type TestApp } from '../helpers/test-app.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { newUid, syntheticInstance } from '../fixtures/synthetic-dicom.js';
import { blobKeys } from '../../storage/blob-store.js';
import { Readable } from 'node:stream';

for (const backend of BACKENDS) {
  describe(`DELETE on ${backend}`, () => {
    let t: TestApp;
    before(async () => (t = await startTestApp(backend)));
    after(async () => t.close());

    async function storeStudy() {
      const study = newUid();
      const [ct, mr] = [newUid(), newUid()];
      const sops = [newUid(), newUid(), newUid()];
      const res = await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(multipartBody([
        syntheticInstance({ studyUid: study, seriesUid: ct, sopUid: sops[0], attrs: { BodyPartExamined: 'KNEE' } }),
        syntheticInstance({ studyUid: study, seriesUid: ct, sopUid: sops[1] }),
        syntheticInstance({ studyUid: study, seriesUid: mr, sopUid: sops[2], modality: 'MR' }),
      ]));
      assert.equal(res.status, 200);
      return { study, ct, mr, sops };
    }
    const count = async (study: string) => (await request(t.app).get(`/dicomweb/studies?StudyInstanceUID=${study}`)).body[0]?.['00201208']?.Value[0];

    test('an instance, then a series, then the study; counts follow and blobs go', async () => {
      const { study, ct, mr, sops } = await storeStudy();
      const [first] = await t.container.index.findInstances({ tenant: 'default', studyUid: study, sopUid: sops[0] });
      await t.container.blobs.put(blobKeys.thumbnail(first.blobKey), Readable.from([Buffer.from('png')]));

      assert.equal((await request(t.app).delete(`/dicomweb/studies/${study}/series/${ct}/instances/${sops[0]}`)).status, 204);
      assert.equal(await count(study), 2);
      assert.equal(await t.container.blobs.stat(first.blobKey), undefined, 'instance blob deleted');
      assert.equal(await t.container.blobs.stat(blobKeys.thumbnail(first.blobKey)), undefined, 'cached thumbnail deleted');
      assert.deepEqual((await request(t.app).get(`/dicomweb/studies?StudyInstanceUID=${study}&BodyPartExamined=KNEE`)).body, []);

      assert.equal((await request(t.app).delete(`/dicomweb/studies/${study}/series/${mr}`)).status, 204);
      const s = (await request(t.app).get(`/dicomweb/studies?StudyInstanceUID=${study}`)).body[0];
      assert.deepEqual([s['00201206'].Value[0], s['00201208'].Value[0], s['00080061'].Value], [1, 1, ['CT']]);

      const remaining = await t.container.index.findInstances({ tenant: 'default', studyUid: study });
      assert.equal((await request(t.app).delete(`/dicomweb/studies/${study}`)).status, 204);
      assert.deepEqual((await request(t.app).get(`/dicomweb/studies?StudyInstanceUID=${study}`)).body, []);
      assert.deepEqual((await request(t.app).get(`/dicomweb/instances?SOPInstanceUID=${sops[1]}`)).body, []);
      for (const r of remaining) assert.equal(await t.container.blobs.stat(r.blobKey), undefined);
      assert.deepEqual(await t.container.index.listPending(new Date(Date.now() + 60_000).toISOString()), [], 'no pending entries left');
    });

    test('unknown UIDs answer 404 with a DICOM-style body; malformed ones 400', async () => {
      const gone = await request(t.app).delete(`/dicomweb/studies/${newUid()}`);
      assert.equal(gone.status, 404);
      assert.match(gone.body['00000902'].Value[0], /no such/);
      assert.equal((await request(t.app).delete('/dicomweb/studies/x..y')).status, 400);
    });

    test('a deleted instance can be stored again', async () => {
      const { study, ct, sops } = await storeStudy();
      assert.equal((await request(t.app).delete(`/dicomweb/studies/${study}`)).status, 204);
      const again = await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE)
        .send(multipartBody([syntheticInstance({ studyUid: study, seriesUid: ct, sopUid: sops[0] })]));
      assert.equal(again.status, 200);
      assert.equal(await count(study), 1);
    });
  });
}
