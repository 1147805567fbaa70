/**
 * The study sync behind the FHIR API: new versions only on change, study sets
 * replaced as instances come and go, coalescing of bursts, patient identifier
 * systems from configuration, and a restart that resumes unfinished syncs.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { loadConfig } from '../../server/config.js';
import { buildContainer } from '../../server/container.js';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { newUid } from '../fixtures/synthetic-dicom.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import type { TestApp } from '../helpers/test-app.js';
import { basicTextReport, ctImage } from './fixtures.js';
import { get, startFhirApp, store } from './helpers.js';

const studyQuery = (uid: string) => `/fhir/ImagingStudy?identifier=urn:dicom:uid|urn:oid:${uid}`;
const countOf = async (t: TestApp, url: string) => (await get(t.app, `${url}${url.includes('?') ? '&' : '?'}_summary=count`)).total as number;

async function withApp(env: Record<string, string>, body: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await startFhirApp('embedded+fs', env);
  try {
    await body(t);
  } finally {
    await t.close();
  }
}

describe('FHIR study sync', () => {
  it('a new instance makes a new ImagingStudy version; re-sending the same bytes makes none', () => withApp({}, async (t) => {
    const uid = newUid();
    const first = ctImage(uid, { SeriesNumber: '1' });
    await store(t, [first]);
    const v1 = (await get(t.app, studyQuery(uid))).entry[0].resource;
    assert.deepEqual([v1.meta.versionId, v1.numberOfInstances], ['1', 1]);
    await store(t, [first]);
    assert.equal((await get(t.app, studyQuery(uid))).entry[0].resource.meta.versionId, '1', 'duplicate STOW: no new version');
    await store(t, [ctImage(uid, { SeriesNumber: '2' })]);
    const v2 = (await get(t.app, studyQuery(uid))).entry[0].resource;
    assert.deepEqual([v2.id, v2.meta.versionId, v2.numberOfInstances, v2.numberOfSeries], [v1.id, '2', 2, 2]);
    const patient = await get(t.app, `/fhir/${v1.subject.reference}`);
    assert.equal(patient.meta.versionId, '1', 'the Patient did not change');
  }));

  it('deleting a study removes its resources, but not the Patient another study still has', () => withApp({}, async (t) => {
    const [a, b] = [newUid(), newUid()];
    await store(t, [ctImage(a), basicTextReport({ studyUid: a })]);
    await store(t, [ctImage(b)]);
    const studyA = (await get(t.app, studyQuery(a))).entry[0].resource;
    assert.equal(await countOf(t, `/fhir/Observation?part-of=ImagingStudy/${studyA.id}`), 1);
    assert.equal(await countOf(t, '/fhir/Condition'), 1);
    const del = await request(t.app).delete(`/dicomweb/studies/${a}`);
    assert.ok(del.status < 300, `DELETE answered ${del.status}`);
    await t.container.fhir.sync.idle();
    await get(t.app, `/fhir/ImagingStudy/${studyA.id}`, 404);
    for (const type of ['Observation', 'DiagnosticReport', 'Condition']) assert.equal(await countOf(t, `/fhir/${type}`), 0, type);
    assert.equal(await countOf(t, '/fhir/ImagingStudy'), 1);
    await get(t.app, `/fhir/${studyA.subject.reference}`); // study b has the same patient
    assert.equal(await countOf(t, '/fhir/Endpoint'), 1);
  }));

  it('coalesces a burst of STOWs of one study into one sync', () => withApp({ FHIR_SYNC_DELAY_MS: '1500' }, async (t) => {
    const uid = newUid();
    for (let i = 1; i <= 5; i++) {
      const res = await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(multipartBody([ctImage(uid, { InstanceNumber: String(i) })]));
      assert.equal(res.status, 200);
    }
    await t.container.fhir.sync.idle();
    const study = (await get(t.app, studyQuery(uid))).entry[0].resource;
    assert.deepEqual([study.numberOfInstances, study.meta.versionId], [5, '1']);
  }));

  it('keys Patients by issuer: configured systems, urn:dicom:patient-id:<issuer>, and the default', () => withApp(
    { PATIENT_ID_SYSTEMS: 'HOSPA=https://hospital-a.example.org/mrn' },
    async (t) => {
      await store(t, [ctImage(newUid(), { PatientID: 'P1', IssuerOfPatientID: 'HOSPA' })]);
      await store(t, [ctImage(newUid(), { PatientID: 'P1', IssuerOfPatientID: 'Clinic B' })]);
      await store(t, [ctImage(newUid(), { PatientID: 'P1' })]);
      const systems = (await get(t.app, '/fhir/Patient?identifier=P1')).entry.map((e: any) => e.resource.identifier[0].system).sort();
      assert.deepEqual(systems, ['https://hospital-a.example.org/mrn', 'urn:dicom:patient-id:Clinic%20B', 'urn:dicom:patient-id:default']);
      assert.equal(await countOf(t, '/fhir/Patient?identifier=urn:dicom:patient-id:Clinic%2520B|P1'), 1);
    },
  ));

  it('resumes a sync a restart interrupted', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fhir-resume-'));
    const open = async (delay: string) => {
      const container = await buildContainer(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', FHIR_SYNC_DELAY_MS: delay }), createLogger('silent'));
      return { app: createApp(container), container, close: () => container.close() } as TestApp;
    };
    try {
      const uid = newUid();
      const first = await open('600000'); // the sync would start in 10 minutes: the server stops before
      const res = await request(first.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(multipartBody([ctImage(uid), basicTextReport({ studyUid: uid })]));
      assert.equal(res.status, 200);
      assert.equal((await first.container.fhir.store.listDirty(10)).length, 1);
      // Straight from the store: a FHIR API read would bring the sync forward (FhirSync.caughtUp).
      const stored = await first.container.fhir.store.search({ tenant: 'default', type: 'ImagingStudy', conditions: [], sort: { by: 'id', descending: false }, offset: 0, count: 0 });
      assert.equal(stored.total, 0, 'no FHIR yet before the stop');
      await first.close();

      const second = await open('0');
      try {
        await second.container.fhir.sync.idle();
        assert.equal((await get(second.app, studyQuery(uid))).total, 1);
        assert.equal(await countOf(second, '/fhir/Condition'), 1);
        assert.deepEqual(await second.container.fhir.store.listDirty(10), []);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
