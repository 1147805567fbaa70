import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import request from 'supertest';
import { recoverPending } from '../../core/store/recover-pending.js';
import { blobKeys } from '../../storage/blob-store.js';
import { startTestApp } from '../helpers/test-app.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { newUid, syntheticInstance } from '../fixtures/synthetic-dicom.js';

test('restart clean-up deletes never-committed blobs and keeps committed ones', async () => {
  const t = await startTestApp();
  try {
    const { index, blobs } = t.container;
    const orphan = blobKeys.instance('default', 'orphan-1');
    await index.addPending({ tenant: 'default', blobKey: orphan, startedAt: '2000-01-01T00:00:00.000Z' });
    await blobs.put(orphan, Readable.from([Buffer.from('half an instance')]));
    const study = newUid();
    const res = await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(multipartBody([syntheticInstance({ studyUid: study })]));
    assert.equal(res.status, 200);
    const [stored] = await index.findInstances({ tenant: 'default', studyUid: study });
    // A crash after the index commit but before the pending entry was dropped:
    await index.addPending({ tenant: 'default', blobKey: stored.blobKey, startedAt: '2000-01-01T00:00:00.000Z' });
    const live = blobKeys.instance('default', 'in-flight');
    await index.addPending({ tenant: 'default', blobKey: live, startedAt: new Date(Date.now() + 60_000).toISOString() });

    const result = await recoverPending(index, blobs, new Date());
    assert.deepEqual(result, { deleted: 1, committed: 1 });
    assert.equal(await blobs.stat(orphan), undefined, 'orphan blob removed');
    assert.ok((await blobs.stat(stored.blobKey))! > 0, 'committed blob kept');
    assert.deepEqual((await index.listPending(new Date(Date.now() + 120_000).toISOString())).map((p) => p.blobKey), [live], 'in-flight store untouched');
    assert.equal((await index.getStudy('default', study))!.numInstances, 1);
  } finally {
    await t.close();
  }
});
