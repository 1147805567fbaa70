/**
 * The de-identified view /dicomweb/deid under each DEID_POLICY, on both
 * backends: QIDO-RS answers with de-identified values and UIDs, matches only
 * de-identified values, and WADO-RS retrieval streams de-identified bytes
 * whose references (SEG → CT) still resolve inside the view.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { readMultipart, contentTypeParam } from '../../dicomweb/multipart/related-reader.js';
import { parseHeader, type ParsedHeader } from '../../dicom/parse-header.js';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { BACKENDS, startTestApp, type TestApp } from '../helpers/test-app.js';
import { syntheticInstance, newUid } from '../fixtures/synthetic-dicom.js';

const PHI = {
  PatientName: 'Viewtest^Valerie^Q',
  PatientID: 'VIEW-PID-4711',
  PatientBirthDate: '19610203',
  InstitutionName: 'Viewtest Memorial Clinic',
  ReferringPhysicianName: 'Referrer^Roberta',
  AccessionNumber: 'ACC-VIEW-99',
  BodyPartExamined: 'KNEE',
};
const PHI_STRINGS = ['Viewtest', 'VIEW-PID-4711', '19610203', 'Memorial', 'Roberta', 'ACC-VIEW-99'];
const CT_3SLICE = ['01', '02', '03'].map((n) => `ct/dcmqi-ct-3slice/${n}.dcm`);
const SEG = 'seg/liver.dcm';

async function stow(app: TestApp['app'], files: Buffer[]): Promise<number> {
  const res = await request(app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(multipartBody(files));
  return res.status;
}

function raw(app: TestApp['app'], path: string, accept?: string) {
  let r = request(app).get(path);
  if (accept) r = r.set('Accept', accept);
  return r.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

async function parts(contentType: string, body: Buffer): Promise<Buffer[]> {
  const out: Buffer[] = [];
  async function* once() {
    yield body;
  }
  for await (const part of readMultipart(once(), contentTypeParam(contentType, 'boundary')!)) {
    const chunks: Buffer[] = [];
    for await (const c of part.body) chunks.push(c as Buffer);
    out.push(Buffer.concat(chunks));
  }
  return out;
}

const text = (h: ParsedHeader, tag: string) => {
  const v = h.dataset[tag]?.Value?.[0];
  return v && typeof v === 'object' ? (v as { Alphabetic?: string }).Alphabetic : v === undefined || v === null ? undefined : String(v);
};

for (const backend of BACKENDS) {
  describe(`de-identified view, DEID_POLICY=on-read (${backend})`, () => {
    let t: TestApp;
    const studyUid = newUid();
    const seriesUid = newUid();
    before(async () => {
      t = await startTestApp(backend, { DEID_POLICY: 'on-read' });
      const own = [1, 2].map((n) => syntheticInstance({ studyUid, seriesUid, attrs: { ...PHI, InstanceNumber: String(n) } }));
      assert.equal(await stow(t.app, [...own, ...[...CT_3SLICE, SEG].map((f) => readFileSync(CORPUS_DIR + f))]), 200);
    });
    after(async () => t.close());

    test('QIDO answers with de-identified values and UIDs; the identified service still has the originals', async () => {
      const deidUid = t.container.deid.engine.uid(t.container.config.defaultTenant, studyUid);
      const res = await request(t.app).get('/dicomweb/deid/studies').query({ includefield: 'all', StudyInstanceUID: deidUid });
      assert.equal(res.status, 200);
      assert.equal(res.body.length, 1);
      const body = JSON.stringify(res.body);
      for (const s of PHI_STRINGS) assert.ok(!body.includes(s), `${s} in the de-identified view`);
      assert.ok(!body.includes(studyUid));
      const study = res.body[0];
      assert.match(study['00100020'].Value[0], /^ANON-/);
      assert.equal(study['00100040']?.Value?.[0], 'M'); // Retain Patient Characteristics
      assert.equal(study['00080020'].Value[0], '20240115'); // Retain Longitudinal Temporal Information (full dates)
      assert.equal(study['00120062'].Value[0], 'YES');
      assert.ok(study['00081190'].Value[0].endsWith(`/dicomweb/deid/studies/${deidUid}`));
      const identified = await request(t.app).get('/dicomweb/studies').query({ StudyInstanceUID: studyUid, includefield: 'PatientName' });
      assert.equal(identified.body[0]['00100010'].Value[0].Alphabetic, PHI.PatientName);
    });

    test('matching runs on de-identified values only: original identifiers and UIDs find nothing', async () => {
      const tenant = t.container.config.defaultTenant;
      const pseudonym = (await request(t.app).get('/dicomweb/deid/studies').query({ StudyInstanceUID: t.container.deid.engine.uid(tenant, studyUid) })).body[0]['00100020'].Value[0];
      const found = async (q: Record<string, string>) => (await request(t.app).get('/dicomweb/deid/studies').query(q)).body.length;
      assert.equal(await found({ PatientID: pseudonym }), 1);
      assert.equal(await found({ PatientID: PHI.PatientID }), 0);
      assert.equal(await found({ PatientName: 'Viewtest*' }), 0);
      assert.equal(await found({ StudyInstanceUID: studyUid }), 0);
      assert.equal(await found({ AccessionNumber: PHI.AccessionNumber }), 0);
      const series = await request(t.app).get(`/dicomweb/deid/studies/${t.container.deid.engine.uid(tenant, studyUid)}/series`);
      assert.equal(series.status, 200);
      assert.equal(series.body.length, 1);
      assert.match(series.body[0]['0020000E'].Value[0], /^2\.25\./);
    });

    test('WADO-RS streams de-identified instances; pixels unchanged; SEG references resolve in the view', async () => {
      const tenant = t.container.config.defaultTenant;
      const segs = await request(t.app).get('/dicomweb/deid/instances').query({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.66.4' });
      assert.equal(segs.body.length, 1);
      const seg = segs.body[0];
      const url = new URL(seg['00081190'].Value[0]).pathname;
      const res = await raw(t.app, url, 'multipart/related; type="application/dicom"; transfer-syntax=*');
      assert.equal(res.status, 200);
      const [file] = await parts(res.headers['content-type'], res.body as Buffer);
      const h = parseHeader(file, true)!;
      assert.equal(text(h, '00080018'), seg['00080018'].Value[0]);
      assert.match(String(text(h, '00100020')), /^ANON-/);
      assert.equal(h.dataset['00120062'].Value![0], 'YES');
      const original = readFileSync(CORPUS_DIR + SEG);
      const oh = parseHeader(original, true)!;
      assert.ok(file.subarray(h.pixelDataValueOffset!).equals(original.subarray(oh.pixelDataValueOffset!, oh.pixelDataValueOffset! + oh.pixelDataLength!)));
      // Every CT instance the SEG references is found in the view under the UID written in the de-identified SEG.
      const refs = [...new Set(JSON.stringify(h.dataset).match(/"00081155":\{"vr":"UI","Value":\["([0-9.]+)"\]/g)!.map((m) => m.match(/\["([0-9.]+)"\]/)![1]))];
      assert.ok(refs.length >= 3);
      for (const ref of refs) {
        const hit = await request(t.app).get('/dicomweb/deid/instances').query({ SOPInstanceUID: ref });
        assert.equal(hit.body.length, 1, `referenced instance ${ref} not found in the view`);
      }
      // and the view's series retrieval returns every CT slice, de-identified
      const ct = (await request(t.app).get('/dicomweb/deid/instances').query({ SOPInstanceUID: refs[0] })).body[0];
      const series = await raw(t.app, `/dicomweb/deid/studies/${ct['0020000D'].Value[0]}/series/${ct['0020000E'].Value[0]}`, '*/*');
      assert.equal((await parts(series.headers['content-type'], series.body as Buffer)).length, 3);
      assert.ok(t.container.deid.engine.uid(tenant, '1').startsWith('2.25.'));
    });

    test('each retrieval writes an audit record without PHI', async () => {
      await t.container.deid.audit.close();
      const lines = (await readFile(join(t.container.config.dataDir, 'audit', 'deid.jsonl'), 'utf8')).trim().split('\n');
      assert.ok(lines.length >= 4);
      const rec = JSON.parse(lines[0]);
      assert.equal(rec.trigger, 'retrieve');
      assert.match(rec.instanceId, /^2\.25\./);
      for (const s of PHI_STRINGS) assert.ok(!lines.join('\n').includes(s));
    });

    test('a transfer syntax other than the stored one is refused with 406', async () => {
      const inst = (await request(t.app).get('/dicomweb/deid/instances').query({ limit: '1' })).body[0];
      const res = await raw(t.app, new URL(inst['00081190'].Value[0]).pathname, 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50');
      assert.equal(res.status, 406);
    });
  });
}

describe('DEID_POLICY=at-ingest: the original is never stored', () => {
  let t: TestApp;
  const studyUid = newUid();
  before(async () => {
    t = await startTestApp('embedded+fs', { DEID_POLICY: 'at-ingest' });
    assert.equal(await stow(t.app, [syntheticInstance({ studyUid, attrs: PHI }), readFileSync(CORPUS_DIR + 'ct/CT_small.dcm')]), 200);
  });
  after(async () => t.close());

  test('no stored byte holds the PHI, and /dicomweb itself serves de-identified data', async () => {
    const root = join(t.container.config.dataDir, 'blobs');
    const files = await listFiles(root);
    assert.equal(files.length, 2);
    for (const f of files) {
      const bytes = await readFile(f);
      for (const s of [...PHI_STRINGS, 'CompressedSamples^CT1', studyUid]) assert.ok(!bytes.includes(s), `${s} stored in ${f}`);
    }
    const res = await request(t.app).get('/dicomweb/studies').query({ includefield: 'all' });
    assert.equal(res.body.length, 2);
    for (const s of PHI_STRINGS) assert.ok(!JSON.stringify(res.body).includes(s));
  });

  test('the de-identified view shows the same UIDs as the stored data (no second mapping)', async () => {
    const stored = (await request(t.app).get('/dicomweb/studies')).body.map((s: any) => s['0020000D'].Value[0]).sort();
    const view = (await request(t.app).get('/dicomweb/deid/studies')).body.map((s: any) => s['0020000D'].Value[0]).sort();
    assert.deepEqual(view, stored);
    assert.equal(stored[0].startsWith('2.25.'), true);
    const one = (await request(t.app).get('/dicomweb/deid/instances').query({ limit: '1' })).body[0];
    const res = await raw(t.app, new URL(one['00081190'].Value[0]).pathname, '*/*');
    assert.equal(res.status, 200);
  });

  test('re-sending the original does not fork the study: same de-identified UIDs, an idempotent duplicate, new instances join it', async () => {
    const before = (await request(t.app).get('/dicomweb/instances').query({ limit: '1000' })).body.length;
    const again = syntheticInstance({ studyUid, attrs: PHI });
    const res = await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(multipartBody([again, readFileSync(CORPUS_DIR + 'ct/CT_small.dcm')]));
    assert.equal(res.status, 200, 'the re-sent CT is an idempotent success');
    const studies = (await request(t.app).get('/dicomweb/studies')).body;
    assert.equal(studies.length, 2, 'no new study: the re-sent instances map to the same de-identified Study Instance UID');
    const deidStudy = t.container.deid.engine.uid(t.container.config.defaultTenant, studyUid);
    const mine = studies.find((s: any) => s['0020000D'].Value[0] === deidStudy);
    assert.ok(mine, 'the study is stored under its de-identified UID');
    assert.equal(mine['00201208'].Value[0], 2, 'the new instance joined the same study');
    assert.equal((await request(t.app).get('/dicomweb/instances').query({ limit: '1000' })).body.length, before + 1, 'CT_small was not stored twice');
  });

  test('ingest writes the audit record', async () => {
    await t.container.deid.audit.close();
    const lines = (await readFile(join(t.container.config.dataDir, 'audit', 'deid.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    // One per instance stored de-identified: 2 + the new one re-sent with its study (a duplicate is discarded, not stored again).
    assert.equal(lines.filter((l) => l.trigger === 'ingest').length, 3, 'one audit record per instance stored de-identified');
  });
});

describe('DEID_POLICY=off', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('embedded+fs', { DEID_POLICY: 'off' });
  });
  after(async () => t.close());

  test('the view answers 404 with the reason', async () => {
    const res = await request(t.app).get('/dicomweb/deid/studies');
    assert.equal(res.status, 404);
    assert.match(res.body['00000902'].Value[0], /DEID_POLICY=off/);
  });
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}
