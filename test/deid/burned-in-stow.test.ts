/**
 * Burned-in annotation risk (issue #5) on the STOW-RS path: an instance whose pixels
 * may hold burned-in text (ultrasound, Secondary Capture, Burned In Annotation = YES)
 * is flagged in the STOW-RS response with `Warning: 299` (counts and reasons, no UIDs;
 * status and body as PS3.18 §10.5.3 has them) and in its FHIR ImagingStudy instance,
 * never presented as clean: with DEID_POLICY=at-ingest (the stored copy's headers are
 * de-identified, its pixels are not) and with the other policies too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const US = 'us/examples_rgb_color.dcm';
const SC = 'other/clearcanvas-real01.dcm';
const CT = 'ct/CT_small.dcm';
const US_CLASS = 'urn:oid:1.2.840.10008.5.1.4.1.1.6.1';
const CT_CLASS = 'urn:oid:1.2.840.10008.5.1.4.1.1.2';
const WARNING = /^299 \S+ "burned-in annotation risk: (\d+) of (\d+) stored instances \(([a-z, -]+)\); their pixel data may contain identifying text, which de-identification never removes \(headers only\)"$/;

const file = (p: string): Buffer => readFileSync(CORPUS_DIR + p);

function stow(t: TestApp, parts: Buffer[], accept?: string) {
  let r = request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE);
  if (accept) r = r.set('Accept', accept);
  return r.send(multipartBody(parts));
}

/** UIDs in a file (byte scan): the Warning must carry none of them. */
function uidsIn(p: string): string[] {
  return [...new Set([...file(p).toString('latin1').matchAll(/\d+(?:\.\d+){5,}/g)].map((m) => m[0]))];
}

describe('STOW-RS with DEID_POLICY=at-ingest: instances at risk of burned-in text are flagged', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('embedded+fs', { DEID_POLICY: 'at-ingest', FHIR_SYNC_DELAY_MS: '0' });
  });
  after(async () => t?.close());

  test('an ultrasound stored with a CT: 200 as before, Warning 299 counting 1 of 2, no UIDs in it', async () => {
    const res = await stow(t, [file(US), file(CT)]);
    assert.equal(res.status, 200, `every instance stored: 200 (PS3.18 §10.5.3), got ${res.status}`);
    assert.equal(res.body['00081199'].Value.length, 2, 'both instances listed as stored');
    assert.equal(res.body['00081198'], undefined, 'no Failed SOP Sequence');
    const warning = String(res.headers.warning ?? '');
    const m = WARNING.exec(warning);
    assert.ok(m, `Warning 299 names the risk: ${warning}`);
    assert.deepEqual([m[1], m[2], m[3]], ['1', '2', 'ultrasound'], 'one of two stored instances, reason ultrasound');
    for (const s of [...uidsIn(US), ...uidsIn(CT)]) assert.ok(!warning.includes(s), `the Warning carries no UID (${s})`);
    assert.deepEqual(Object.keys(res.body), ['00081199'], 'the body is the plain Store Instances Response (two studies: no top-level Retrieve URL)');
  });

  test('the FHIR ImagingStudy flags the ultrasound instance, not the CT', async () => {
    await t.container.fhir.sync.idle();
    const res = await request(t.app).get('/fhir/ImagingStudy').query({ _count: '50' });
    assert.equal(res.status, 200, `FHIR search answered ${res.status}`);
    const instances = (res.body.entry ?? []).flatMap((e: any) => (e.resource.series ?? []).flatMap((s: any) => s.instance ?? []));
    const url = `${t.container.config.fhir.mapping.canonicalBase}/StructureDefinition/burned-in-annotation-risk`;
    const us = instances.filter((i: any) => i.sopClass.code === US_CLASS);
    const ct = instances.filter((i: any) => i.sopClass.code === CT_CLASS);
    assert.equal(us.length, 1, `one ultrasound instance in FHIR (${instances.length} instances)`);
    assert.equal(ct.length, 1, 'one CT instance in FHIR');
    assert.deepEqual(us[0].extension, [{ url, valueCode: 'ultrasound' }], 'the ultrasound instance carries the risk extension');
    assert.equal(ct[0].extension, undefined, 'the CT instance carries none');
  });

  test('a CT alone: no Warning', async () => {
    const res = await stow(t, [file(CT)]);
    assert.equal(res.status, 200, `idempotent re-send stored: ${res.status}`);
    assert.equal(res.headers.warning, undefined, 'no Warning without an instance at risk');
  });

  test('some instances failed: still 202, and the Warning counts the stored ones only (XML answer too)', async () => {
    const res = await stow(t, [file(SC), Buffer.from('not DICOM at all')], 'application/dicom+xml');
    assert.equal(res.status, 202, `one stored, one failed: 202, got ${res.status}`);
    const m = WARNING.exec(String(res.headers.warning ?? ''));
    assert.ok(m, `Warning 299 on a 202: ${res.headers.warning}`);
    assert.deepEqual([m[1], m[2], m[3]], ['1', '1', 'secondary-capture'], 'the failed part is not counted');
  });
});

describe('STOW-RS with DEID_POLICY=on-read and off: flagged the same way', () => {
  for (const policy of ['on-read', 'off']) {
    test(`${policy}: an ultrasound and a Secondary Capture`, async () => {
      const t = await startTestApp('embedded+fs', { DEID_POLICY: policy });
      try {
        const res = await stow(t, [file(US), file(SC), file(CT)]);
        assert.equal(res.status, 200, `${policy}: all stored, got ${res.status}`);
        const m = WARNING.exec(String(res.headers.warning ?? ''));
        assert.ok(m, `${policy}: Warning 299 present: ${res.headers.warning}`);
        assert.deepEqual([m[1], m[2], m[3]], ['2', '3', 'ultrasound, secondary-capture'], `${policy}: counts and reasons`);
      } finally {
        await t.close();
      }
    });
  }
});
