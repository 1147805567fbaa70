import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp } from '../helpers/test-app.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { syntheticInstance } from '../fixtures/synthetic-dicom.js';
import { loadConfig } from '../../server/config.js';

test('healthz answers; readyz is ready only while storage answers', async () => {
  const t = await startTestApp();
  assert.equal((await request(t.app).get('/healthz')).status, 200);
  assert.equal((await request(t.app).get('/readyz')).body.status, 'ready');
  await t.container.index.close();
  const down = await request(t.app).get('/readyz');
  assert.equal(down.status, 503);
  assert.equal(down.headers['retry-after'], '5');
  await t.container.blobs.close();
});

test('EXTRA_SEARCH_TAGS makes more attributes searchable at every level', async () => {
  const t = await startTestApp('embedded+fs', { EXTRA_SEARCH_TAGS: 'SliceThickness,00181020' });
  try {
    const inst = syntheticInstance({ attrs: { SliceThickness: '2.5', SoftwareVersions: 'v7' } });
    await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(multipartBody([inst, syntheticInstance()]));
    const byKeyword = await request(t.app).get('/dicomweb/studies?SliceThickness=2.5');
    assert.equal(byKeyword.body.length, 1);
    const byTag = await request(t.app).get('/dicomweb/instances?00181020=v7&includefield=00181020');
    assert.equal(byTag.body.length, 1);
    assert.equal(byTag.body[0]['00181020'].Value[0], 'v7');
  } finally {
    await t.close();
  }
});

test('configuration is validated at boot with clear messages', () => {
  assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT must be a non-negative integer/);
  assert.throws(() => loadConfig({ DUPLICATE_POLICY: 'maybe' }), /DUPLICATE_POLICY must be one of reject, overwrite/);
  const c = loadConfig({ MONGODB_URL: 'mongodb://x/', S3_BUCKET: 'b', S3_ENDPOINT: 'http://127.0.0.1:9000' });
  assert.equal(c.index.kind, 'mongodb');
  assert.equal(c.blobs.kind, 's3');
  assert.equal(loadConfig({}).index.kind, 'embedded');
});
