/**
 * POST /api/imaging/upload-dicom end to end (supertest on the real app):
 * metadata groups, patient data limits, the stored bytes' hash, clear 4xx
 * answers for every way an upload can be wrong, corpus files including the
 * broken ones, the size limit, the feature switch and DEID_POLICY=at-ingest.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { CORPUS_DIR, corpusManifest } from '../helpers/corpus.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUid, syntheticInstance } from '../fixtures/synthetic-dicom.js';

/** A TID 1500 measurement report (highdicom): its findings come back in the upload answer. */
const SR_FILE = 'sr/highdicom-sr_document.dcm';
const PHI = { PatientName: 'Uploader^Ursula', PatientID: 'UP-PID-5150', PatientBirthDate: '19550505', InstitutionName: 'Upload Valley Hospital' };

function upload(app: TestApp['app'], file: Buffer | undefined, fields: Record<string, string>, name = 'scan.dcm', type = 'application/dicom') {
  let r = request(app).post('/api/imaging/upload-dicom');
  // Fields after the file, as a browser FormData built file-first sends them.
  if (file) r = r.attach('file', file, { filename: name, contentType: type });
  for (const [k, v] of Object.entries(fields)) r = r.field(k, v);
  return r;
}

const knee = () => syntheticInstance({
  modality: 'MR',
  attrs: {
    ...PHI, BodyPartExamined: 'KNEE', Laterality: 'L', SliceThickness: '3', PixelSpacing: ['0.35', '0.35'], RepetitionTime: '2500', EchoTime: '30',
    PatientSex: 'F', PatientAge: '068Y', PatientWeight: '70', Manufacturer: 'SIEMENS', ManufacturerModelName: 'Skyra',
  },
});

describe('upload API (DEID_POLICY=on-read)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('embedded+fs', { UPLOAD_MAX_BYTES: String(2 * 1024 * 1024) });
  });
  after(async () => t.close());

  test('stores the file and answers with grouped metadata, a generated description, procedure matches and the SHA-256', async () => {
    const file = knee();
    const res = await upload(t.app, file, { patientId: 'patient_abc123', indication: 'knee pain' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const d = res.body.data;
    assert.equal(d.patientId, 'patient_abc123');
    assert.equal(d.stored.sha256, createHash('sha256').update(file).digest('hex'));
    assert.equal(d.stored.deidentified, false);
    assert.equal(d.studyDescription, 'MR LEFT KNEE');
    assert.equal(d.dicomMetadata.study.studyDescriptionGenerated, true);
    assert.equal(d.dicomMetadata.series.modality, 'MR');
    assert.deepEqual(d.dicomMetadata.acquisition.pixelSpacing, [0.35, 0.35]);
    assert.equal(d.dicomMetadata.acquisition.echoTime, 30);
    assert.equal(d.dicomMetadata.equipment.manufacturerModelName, 'Skyra');
    assert.deepEqual(d.dicomMetadata.patient, { patientSex: 'F', patientAge: '068Y', patientWeight: 70 });
    assert.ok(d.procedureMatches.some((m: { procedure: string }) => m.procedure === 'knee_replacement'));
    // The ImagingStudy the FHIR sync writes for this study is named in the answer, and exists once the sync ran.
    assert.equal(d.fhir.status, 'pending');
    assert.match(String(d.fhir.imagingStudyId), /^[0-9a-f-]{36}$/);
    assert.deepEqual(d.srFindings, [], 'an image has no SR findings');
    await t.container.fhir.sync.idle();
    const study = await request(t.app).get(`/fhir/ImagingStudy/${d.fhir.imagingStudyId}`);
    assert.equal(study.status, 200, `ImagingStudy ${d.fhir.imagingStudyId}: ${study.status}`);
    assert.ok(JSON.stringify(study.body.identifier).includes(d.studyInstanceUid), 'the named ImagingStudy is the uploaded study');
    const body = JSON.stringify(res.body);
    for (const s of ['Uploader', 'UP-PID-5150', '19550505', 'Upload Valley']) assert.ok(!body.includes(s), `${s} in the answer`);
    // Stored through the same pipeline as STOW: QIDO finds it.
    const qido = await request(t.app).get('/dicomweb/studies').query({ StudyInstanceUID: d.studyInstanceUid });
    assert.equal(qido.body.length, 1);
  });

  test('an SR document answers with its findings, as the FHIR mapping reads them', async () => {
    const res = await upload(t.app, readFileSync(CORPUS_DIR + SR_FILE), { patientId: 'patient_sr' });
    assert.ok(res.status === 201 || res.status === 200, `${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    const d = res.body.data;
    assert.ok(Array.isArray(d.srFindings) && d.srFindings.length > 0, `no SR findings in ${JSON.stringify(d.srFindings)}`);
    for (const f of d.srFindings) assert.equal(f.sopInstanceUid, d.sopInstanceUid, 'each finding names the uploaded SR');
    assert.match(String(d.fhir.imagingStudyId), /^[0-9a-f-]{36}$/);
  });

  test('missing patientId is 400 and nothing is stored', async () => {
    const file = syntheticInstance({ attrs: PHI });
    const studyUid = /\d[\d.]+/.exec(JSON.stringify({}))?.[0];
    void studyUid;
    const res = await upload(t.app, file, {});
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'PATIENT_ID_REQUIRED');
    const all = await request(t.app).get('/dicomweb/instances').query({ PatientID: PHI.PatientID });
    const stored = all.body.filter((i: any) => file.includes(Buffer.from(i['00080018'].Value[0])));
    assert.equal(stored.length, 0);
  });

  test('no file is 400; non-DICOM content, a non-DICOM media type or extension are 415', async () => {
    assert.equal((await upload(t.app, undefined, { patientId: 'p1' })).status, 400);
    const text = await upload(t.app, Buffer.from('hello, this is not an image at all. '.repeat(10)), { patientId: 'p1' });
    assert.equal(text.status, 415);
    assert.equal(text.body.error.code, 'NOT_DICOM');
    assert.equal((await upload(t.app, knee(), { patientId: 'p1' }, 'scan.png', 'image/png')).status, 415);
    assert.equal((await upload(t.app, knee(), { patientId: 'p1' }, 'report.pdf', 'application/octet-stream')).status, 415);
    assert.equal((await upload(t.app, knee(), { patientId: 'p1' }, 'IM000001', 'application/octet-stream')).status, 201);
    assert.equal((await upload(t.app, knee(), { patientId: 'p1' }, 'x.dicom', 'application/x-dicom')).status, 201);
  });

  test('a file over UPLOAD_MAX_BYTES is 413, stopped while streaming', async () => {
    const big = syntheticInstance({ rows: 1100, columns: 1100, randomPixels: true }); // ~2.4 MB > 2 MiB
    const res = await upload(t.app, big, { patientId: 'p1' });
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'FILE_TOO_LARGE');
  });

  test('the same file twice: 200 the second time; a different file with the same SOP Instance UID: 409', async () => {
    const sopUid = newUid();
    const file = syntheticInstance({ sopUid });
    assert.equal((await upload(t.app, file, { patientId: 'p2' })).status, 201);
    assert.equal((await upload(t.app, file, { patientId: 'p2' })).status, 200);
    const other = syntheticInstance({ sopUid, randomPixels: true });
    assert.equal((await upload(t.app, other, { patientId: 'p2' })).status, 409);
  });

  test('every corpus file, broken ones included, gets a clear answer: stored, or a 4xx, never a 5xx', async () => {
    const answers = new Map<number, number>();
    for (const e of corpusManifest()) {
      const res = await upload(t.app, readFileSync(CORPUS_DIR + e.path), { patientId: 'corpus-patient' }, e.path.split('/').pop());
      assert.ok([200, 201, 400, 409, 413, 415].includes(res.status), `${e.path}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.success, res.status < 300, e.path);
      if (e.folder === 'broken') assert.notEqual(res.status, 500, e.path);
      answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
    }
    assert.ok((answers.get(201) ?? 0) > 100);
    assert.ok((answers.get(415) ?? 0) + (answers.get(400) ?? 0) >= 8, JSON.stringify([...answers]));
    assert.equal((await request(t.app).get('/readyz')).status, 200);
  });
});

describe('search API GET /api/imaging', () => {
  let t: TestApp;
  const agent = { ContrastBolusAgent: 'Iohexol 350' };
  before(async () => {
    t = await startTestApp('embedded+fs');
    const files = [
      syntheticInstance({ modality: 'CT', attrs: { BodyPartExamined: 'CHEST', Manufacturer: 'GE MEDICAL SYSTEMS', StudyDate: '20250110', ...agent } }),
      syntheticInstance({ modality: 'MR', attrs: { BodyPartExamined: 'KNEE', Manufacturer: 'SIEMENS', StudyDate: '20250301' } }),
      syntheticInstance({ modality: 'CT', attrs: { BodyPartExamined: 'HEAD', Manufacturer: 'Philips', StudyDate: '20240615' } }),
    ];
    for (const f of files) assert.equal((await upload(t.app, f, { patientId: 'patient_abc123' })).status, 201);
    assert.equal((await upload(t.app, syntheticInstance({ modality: 'CT', attrs: { BodyPartExamined: 'CHEST' } }), { patientId: 'someone_else' })).status, 201);
  });
  after(async () => t.close());

  const search = async (q: Record<string, string>) => request(t.app).get('/api/imaging').query({ patientId: 'patient_abc123', ...q });
  const parts = (res: request.Response) => res.body.data.map((s: { bodyPartExamined: string }) => s.bodyPartExamined).sort();

  test('filters by uploader, modality, body part (any case), manufacturer (substring), contrast, dates', async () => {
    assert.deepEqual(parts(await search({})), ['CHEST', 'HEAD', 'KNEE']);
    assert.deepEqual(parts(await search({ modality: 'CT' })), ['CHEST', 'HEAD']);
    assert.deepEqual(parts(await search({ bodyPart: 'chest' })), ['CHEST']);
    assert.deepEqual(parts(await search({ manufacturer: 'ge' })), ['CHEST']);
    assert.deepEqual(parts(await search({ manufacturer: 'PHIL' })), ['HEAD']);
    assert.deepEqual(parts(await search({ hasContrast: 'true' })), ['CHEST']);
    assert.deepEqual(parts(await search({ hasContrast: 'false' })), ['HEAD', 'KNEE']);
    assert.deepEqual(parts(await search({ contrastAgent: 'iohexol' })), ['CHEST']);
    assert.deepEqual(parts(await search({ startDate: '2025-01-01', endDate: '2025-12-31' })), ['CHEST', 'KNEE']);
    assert.deepEqual(parts(await search({ endDate: '2024-12-31' })), ['HEAD']);
    const one = (await search({ bodyPart: 'Knee' })).body.data[0];
    assert.equal(one.studyDescription, 'MR KNEE');
    assert.ok(one.retrieveUrl.includes('/dicomweb/studies/'));
  });

  test('pages', async () => {
    const first = await search({ pageSize: '2', page: '1' });
    const second = await search({ pageSize: '2', page: '2' });
    assert.equal(first.body.data.length, 2);
    assert.equal(first.body.pagination.hasMore, true);
    assert.equal(second.body.data.length, 1);
    assert.equal(second.body.pagination.hasMore, false);
  });

  test('patientId is required and parameters are validated', async () => {
    assert.equal((await request(t.app).get('/api/imaging')).status, 400);
    assert.equal((await search({ hasContrast: 'maybe' })).status, 400);
    assert.equal((await search({ startDate: '01/02/2025' })).status, 400);
    assert.equal((await search({ pageSize: '1000' })).status, 400);
  });
});

describe('upload switch and de-identification at ingest', () => {
  test('DICOM_UPLOAD_ENABLED=false turns the upload route off with a clear 404', async () => {
    const t = await startTestApp('embedded+fs', { DICOM_UPLOAD_ENABLED: 'false' });
    try {
      const res = await upload(t.app, knee(), { patientId: 'p' });
      assert.equal(res.status, 404);
      assert.match(res.body.error.message, /DICOM_UPLOAD_ENABLED=false/);
      assert.equal((await request(t.app).get('/api/imaging').query({ patientId: 'p' })).status, 200);
    } finally {
      await t.close();
    }
  });

  test('with DEID_POLICY=at-ingest the upload is stored de-identified and the hash is of the stored bytes', async () => {
    const t = await startTestApp('embedded+fs', { DEID_POLICY: 'at-ingest' });
    try {
      const file = knee();
      const res = await upload(t.app, file, { patientId: 'patient_abc123' });
      assert.equal(res.status, 201);
      const d = res.body.data;
      assert.equal(d.stored.deidentified, true);
      assert.notEqual(d.stored.sha256, createHash('sha256').update(file).digest('hex'));
      assert.match(d.studyInstanceUid, /^2\.25\./);
      assert.equal(d.dicomMetadata.patient.patientSex, 'F'); // Retain Patient Characteristics
      const found = await request(t.app).get('/api/imaging').query({ patientId: 'patient_abc123', bodyPart: 'knee' });
      assert.equal(found.body.data.length, 1);
    } finally {
      await t.close();
    }
  });
});
