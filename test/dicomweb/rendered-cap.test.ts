import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RENDERED_MAX_IMAGES } from '../../dicomweb/rendered/rendered-handler.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUid, syntheticInstance } from '../fixtures/synthetic-dicom.js';
import { getRaw, parseMultipart, store } from './wado-helpers.js';

/**
 * Study and series rendered (PS3.18 §10.4.1.1.4) answer every image in one
 * multipart response; past RENDERED_MAX_IMAGES the response holds the first
 * ones, in series and instance order, with a Warning: 299 saying so.
 */
describe('rendered study, series and frame lists are capped', () => {
  let t: TestApp;
  const study = newUid();
  const series = newUid();
  let first: string;
  before(async () => {
    t = await startTestApp('embedded+fs');
    const files = Array.from({ length: RENDERED_MAX_IMAGES + 1 }, (_, i) =>
      syntheticInstance({ studyUid: study, seriesUid: series, rows: 8, columns: 8, attrs: { InstanceNumber: String(i + 1) } }));
    const { status, paths } = await store(t.app, files);
    assert.equal(status, 200, 'the series is stored');
    first = paths[0];
  });
  after(async () => t.close());

  test(`a series of ${RENDERED_MAX_IMAGES + 1} images gives the first ${RENDERED_MAX_IMAGES} and a warning`, async () => {
    for (const path of [`/dicomweb/studies/${study}/series/${series}/rendered`, `/dicomweb/studies/${study}/rendered`]) {
      const res = await getRaw(t.app, path, 'multipart/related; type="image/png"');
      assert.equal(res.status, 200, `${path}: 200`);
      assert.match(String(res.headers.warning), new RegExp(`^299 - "rendered response holds the first ${RENDERED_MAX_IMAGES} of ${RENDERED_MAX_IMAGES + 1} images`), `${path}: Warning`);
      const parts = parseMultipart(res.headers['content-type'], res.body);
      assert.equal(parts.length, RENDERED_MAX_IMAGES, `${path}: capped part count`);
      assert.ok(parts.every((p) => p.headers['content-type'] === 'image/png'), `${path}: PNG parts`);
    }
  });

  test('a frame list longer than the cap is cut the same way; a short one is whole and unwarned', async () => {
    const long = await getRaw(t.app, `${first}/frames/${Array(RENDERED_MAX_IMAGES + 5).fill(1).join(',')}/rendered`, 'image/png');
    assert.equal(long.status, 200, 'long frame list: 200');
    assert.match(String(long.headers.warning), /of 105 frames/, 'long frame list: Warning');
    assert.equal(parseMultipart(long.headers['content-type'], long.body).length, RENDERED_MAX_IMAGES, 'long frame list: capped');
    const short = await getRaw(t.app, `${first}/frames/1,1/rendered`, 'image/png');
    assert.equal(short.headers.warning, undefined, 'short frame list: no Warning');
    assert.equal(parseMultipart(short.headers['content-type'], short.body).length, 2, 'short frame list: both parts');
  });
});
