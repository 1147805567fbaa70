/**
 * FHIR_MODE=deidentified end to end (issue #5: "the FHIR push can be set to send only
 * de-identified resources"): a CT full of PHI and a Basic Text SR of the same patient are
 * STOWed into our server pushing to a real HAPI FHIR JPA server (test/hapi); once the
 * outbox is drained, every version of every resource the upstream holds (system
 * `_history`) is searched for each PHI value and its components, and the resources
 * still reference each other through the pseudonymous Patient.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadConfig } from '../../server/config.js';
import { buildContainer } from '../../server/container.js';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { type HapiServer, startHapiServer } from '../hapi/server.js';
import { newUid, syntheticInstance } from '../fixtures/synthetic-dicom.js';
import type { TestApp } from '../helpers/test-app.js';
import { basicTextReport } from './fixtures.js';
import { store } from './helpers.js';

const PATIENT_ID = 'MRN-PHI-7731902';
const ISSUER = 'ST-PHINEAS-MRN';

/** Identifying attributes of the CT (all must stay home). */
const CT_PHI = {
  PatientName: 'Quillfeather^Zebediah^Marmaduke^Dr^Jr',
  PatientID: PATIENT_ID,
  IssuerOfPatientID: ISSUER,
  PatientBirthDate: '19470322',
  OtherPatientIDs: 'OTHER-ID-55123984',
  PatientAddress: '42 Wallaby Way, Sydney',
  PatientTelephoneNumbers: '+61 2 5550 1234',
  PatientMotherBirthName: 'Honeysuckle^Ermengarde',
  AccessionNumber: 'ACC-PHI-88442211',
  ReferringPhysicianName: 'Pemberton^Cornelius',
  PerformingPhysicianName: 'Featherstonehaugh^Ottoline',
  OperatorsName: 'Wimbledon^Bartholomew',
  InstitutionName: 'Saint Phineas Memorial Hospital',
  InstitutionAddress: '1 Infirmary Lane, Brisbane',
  InstitutionalDepartmentName: 'Radiology Wing Gamma',
  StationName: 'PHISTATION07',
  DeviceSerialNumber: 'SN-PHI-99887766',
  StudyID: 'STUDYID-PHI-4711',
  StudyDescription: 'CT chest for Zebediah Quillfeather',
  SeriesDescription: 'Quillfeather axial series',
  PatientComments: 'Patient Quillfeather allergic to iodine',
};

/** The SR's identifying values (test/fhir/fixtures.ts basicTextReport) and its free text. */
const SR_PHI = ['Doe^John', 'Smith^Anna', 'Hospital A', 'ACC-0001', '19600101', 'Consolidation in the right lower lobe.', 'Right lower lobe pneumonia.'];

/** Every PHI string, its person-name components and its dates in FHIR form; short tokens only where distinctive. */
function phiNeedles(): string[] {
  const out = new Set<string>();
  const add = (v: string) => {
    out.add(v);
    if (v.includes('^')) for (const part of v.split('^')) if (part.length >= 3) out.add(part);
    if (/^\d{8}$/u.test(v)) out.add(`${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6)}`);
  };
  for (const v of Object.values(CT_PHI)) add(v);
  for (const v of SR_PHI) add(v);
  // Components of free text that are identifying on their own.
  for (const v of ['Quillfeather', 'Zebediah', 'Wallaby', 'Phineas', 'Gamma', 'PHISTATION07']) out.add(v);
  return [...out];
}

const jsonHeaders = { accept: 'application/fhir+json' };

describe('FHIR_MODE=deidentified: nothing identifying reaches the upstream HAPI FHIR server', { timeout: 900_000 }, () => {
  let hapi: HapiServer | undefined;
  let dataDir: string;
  let app: TestApp | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fhir-push-deid-'));
    hapi = await startHapiServer();
  });
  after(async () => {
    await app?.close();
    await hapi?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Every resource of a search or history, following `next` links (HAPI's own paging). */
  const readAll = async (url: string): Promise<any[]> => {
    const out: any[] = [];
    let next: string | undefined = url;
    for (let page = 0; next && page < 200; page++) {
      const res: Response = await fetch(next, { headers: jsonHeaders });
      assert.equal(res.status, 200, `GET ${next} upstream: ${res.status}`);
      const bundle = (await res.json()) as { entry?: Array<{ resource?: any }>; link?: Array<{ relation: string; url: string }> };
      out.push(...(bundle.entry ?? []).map((e) => e.resource).filter(Boolean));
      next = bundle.link?.find((l) => l.relation === 'next')?.url;
    }
    return out;
  };

  it('pushes a PHI-rich CT and an SR with a pseudonymous Patient and no PHI anywhere', async () => {
    const config = loadConfig({
      DATA_DIR: dataDir, LOG_LEVEL: 'silent', FHIR_SYNC_DELAY_MS: '0', FHIR_UPSTREAM_URL: hapi!.baseUrl,
      FHIR_MODE: 'deidentified', FHIR_PSEUDONYM_SECRET: 'e2e-deid-secret',
      FHIR_PUSH_BACKOFF_BASE_MS: '200', FHIR_PUSH_BACKOFF_MAX_MS: '2000',
    });
    const container = await buildContainer(config, createLogger('silent'));
    app = { app: createApp(container), container, close: () => container.close() };

    const studyUid = newUid();
    const ct = syntheticInstance({
      studyUid, rows: 8, columns: 8,
      attrs: {
        ...CT_PHI, PatientSex: 'F', StudyDate: '20240724', StudyTime: '081500', BodyPartExamined: 'CHEST',
        OtherPatientIDsSequence: [{ PatientID: 'OTHER-SEQ-ID-31415', IssuerOfPatientID: 'OTHER-ISSUER-PHI' }],
      },
    });
    const sr = basicTextReport({ studyUid, patientId: PATIENT_ID, issuer: ISSUER });
    await store(app, [ct, sr]);
    await app.container.fhir.push!.drained(180_000);
    const status = (await request(app.app).get('/admin/fhir-push')).body;
    assert.equal(status.queued, 0, `push queue drained: ${JSON.stringify(status)}`);
    assert.equal(status.failed, 0, `no Bundle refused by HAPI: ${JSON.stringify(status)}`);

    // Everything upstream: every version of every resource of every type.
    const history = await readAll(`${hapi!.baseUrl}/_history?_count=500`);
    const types = new Set(history.map((r) => r.resourceType));
    for (const t of ['Patient', 'ImagingStudy', 'DiagnosticReport', 'Observation']) assert.ok(types.has(t), `${t} pushed (have ${[...types].join(', ')})`);
    const all = JSON.stringify(history);
    const needles = phiNeedles();
    const leaked = needles.filter((n) => all.toLowerCase().includes(n.toLowerCase()));
    const where = leaked.map((n) => `${n} in ${history.filter((r) => JSON.stringify(r).toLowerCase().includes(n.toLowerCase())).map((r) => `${r.resourceType}/${r.id}`).join(',')}`);
    assert.deepEqual(where, [], 'no PHI value or component anywhere upstream');
    // The needles cover name components and FHIR-form dates (with FHIR_MODE=identified this check lists 20 leaks).
    assert.ok(needles.includes('Quillfeather') && needles.includes('1947-03-22'), 'needles include name components and FHIR dates');

    // Patient: one, pseudonymous.
    const patients = await readAll(`${hapi!.baseUrl}/Patient?_count=500`);
    assert.equal(patients.length, 1, `one Patient upstream: ${JSON.stringify(patients)}`);
    const patient = patients[0];
    assert.equal(patient.name, undefined, 'Patient has no name');
    assert.equal(patient.birthDate, undefined, 'Patient has no birthDate');
    assert.equal(patient.address, undefined, 'Patient has no address');
    assert.equal(patient.telecom, undefined, 'Patient has no telecom');
    const ids = (patient.identifier ?? []) as Array<{ system?: string; value?: string }>;
    assert.equal(ids.length, 1, `one identifier (the pseudonym): ${JSON.stringify(ids)}`);
    assert.match(ids[0].system ?? '', /\/pseudonym$/u, 'pseudonym identifier system');
    assert.match(ids[0].value ?? '', /^[0-9a-f]{32}$/u, 'pseudonym value');
    assert.ok(!JSON.stringify(ids).includes(PATIENT_ID) && !JSON.stringify(ids).includes(ISSUER), 'no original ID or issuer in identifiers');
    assert.ok((patient.meta?.security ?? []).some((s: any) => s.code === 'PSEUDED'), 'PSEUDED security label');

    // References still hold together, against the upstream's own ids.
    const patientRef = `Patient/${patient.id}`;
    const studies = await readAll(`${hapi!.baseUrl}/ImagingStudy?_count=500`);
    assert.equal(studies.length, 1, 'one ImagingStudy upstream');
    const study = studies[0];
    assert.equal(study.subject?.reference, patientRef, 'ImagingStudy.subject → the pseudonymous Patient');
    assert.ok(study.identifier.some((i: any) => i.value === `urn:oid:${studyUid}`), 'Study Instance UID kept as identifier');
    assert.equal(study.numberOfInstances, 2, 'both instances in the ImagingStudy');
    const endpoints = await readAll(`${hapi!.baseUrl}/Endpoint?_count=500`);
    for (const e of study.endpoint ?? []) assert.ok(endpoints.some((x) => `Endpoint/${x.id}` === e.reference), `ImagingStudy.endpoint ${e.reference} resolves`);

    const reports = await readAll(`${hapi!.baseUrl}/DiagnosticReport?_count=500`);
    assert.ok(reports.length >= 1, 'the SR made a DiagnosticReport');
    for (const r of reports) {
      assert.equal(r.subject?.reference, patientRef, `DiagnosticReport/${r.id}.subject → the Patient`);
      assert.ok((r.imagingStudy ?? []).some((s: any) => s.reference === `ImagingStudy/${study.id}`), `DiagnosticReport/${r.id}.imagingStudy → the ImagingStudy`);
    }
    const observations = await readAll(`${hapi!.baseUrl}/Observation?_count=500`);
    assert.ok(observations.length >= 1, 'the SR made Observations');
    for (const o of observations) assert.equal(o.subject?.reference, patientRef, `Observation/${o.id}.subject → the Patient`);
    const resultRefs = reports.flatMap((r) => (r.result ?? []).map((x: any) => x.reference));
    for (const ref of resultRefs) assert.ok(observations.some((o) => `Observation/${o.id}` === ref), `DiagnosticReport.result ${ref} resolves`);
    const conditions = await readAll(`${hapi!.baseUrl}/Condition?_count=500`);
    for (const c of conditions) assert.equal(c.subject?.reference, patientRef, `Condition/${c.id}.subject → the Patient`);
  });
});
