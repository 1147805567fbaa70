// Smoke test of the HAPI FHIR test tools: the R4 validator and the JPA server that
// push tests send transaction Bundles to (through fhir-kit-client, like core/fhir-sync).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'fhir-kit-client';
import { errorsOf, formatIssues, startValidator, type Validator } from './validator.js';
import { startHapiServer, type HapiServer } from './server.js';

// Just enough FHIR R4 typing for this file (@types/fhir here is STU3).
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Resource extends Json {
  resourceType: string;
  id?: string;
  meta?: { versionId?: string };
}
type ImagingStudy = Resource;
type Patient = Resource;
interface Bundle extends Resource {
  type?: string;
  entry?: Array<{ fullUrl?: string; resource?: Resource; request?: Json; response?: { status?: string } }>;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const STUDY_UID = '1.2.826.0.1.3680043.8.498.12345678901234567890';

function validStudy(): ImagingStudy {
  return {
    resourceType: 'ImagingStudy',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">CT chest</div>' },
    identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${STUDY_UID}` }],
    status: 'available',
    subject: { reference: 'Patient/example' },
    started: '2024-03-01T10:15:00Z',
    modality: [{ system: DCM, code: 'CT' }],
    numberOfSeries: 1,
    numberOfInstances: 1,
    // External code systems the validator cannot know: must be warnings, not errors.
    procedureCode: [{ coding: [{ system: 'http://loinc.org', code: '24627-2', display: 'CT Chest' }] }],
    reasonCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '22298006' }] }],
    series: [
      {
        uid: `${STUDY_UID}.1`,
        number: 1,
        modality: { system: DCM, code: 'CT' },
        bodySite: { system: 'http://snomed.info/sct', code: '51185008', display: 'Thorax' },
        instance: [
          {
            uid: `${STUDY_UID}.1.1`,
            sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' },
            number: 1,
          },
        ],
      },
    ],
  };
}

// Both JVMs start at once (each takes tens of seconds); the suites await their own.
let validatorP: Promise<Validator> | undefined;
let serverDataDir: string;
let serverP: Promise<HapiServer> | undefined;
before(() => {
  serverDataDir = mkdtempSync(join(tmpdir(), 'dicomweb-hapi-test-'));
  validatorP = startValidator();
  serverP = startHapiServer({ dataDir: serverDataDir });
  // Rejections are reported by the suite that awaits them.
  validatorP.catch(() => {});
  serverP.catch(() => {});
});
after(async () => {
  await Promise.allSettled([validatorP?.then((v) => v.stop()), serverP?.then((s) => s.stop())]);
  rmSync(serverDataDir, { recursive: true, force: true });
});

describe('HAPI FHIR R4 validator', () => {
  it('reports no errors for a valid ImagingStudy, and SNOMED/LOINC/DCM codes only as warnings', async () => {
    const v = await validatorP!;
    const issues = await v.validate(validStudy());
    assert.deepEqual(errorsOf(issues), [], formatIssues(issues));
    // The unknown code systems were seen and downgraded, not silently skipped.
    assert.ok(
      issues.some((i) => i.severity === 'warning' && i.message.includes('http://loinc.org')),
      formatIssues(issues),
    );
  });

  it('reports errors for a wrong status code and missing required elements', async () => {
    const v = await validatorP!;
    const bad = validStudy() as unknown as Record<string, unknown>;
    bad.status = 'done'; // not in the required value set imagingstudy-status
    delete bad.subject; // ImagingStudy.subject is 1..1
    (bad.series as Array<Record<string, unknown>>)[0].uid = undefined; // series.uid is 1..1
    const issues = await v.validate(bad);
    const errors = errorsOf(issues);
    const text = formatIssues(errors);
    assert.ok(errors.some((e) => e.location === 'ImagingStudy.status' && e.message.includes("'done'")), text);
    assert.ok(errors.some((e) => e.message.includes('ImagingStudy.subject: minimum required = 1')), text);
    assert.ok(errors.some((e) => e.message.includes('ImagingStudy.series.uid: minimum required = 1')), text);
  });

  it('reports a resource that is not FHIR at all', async () => {
    const v = await validatorP!;
    const errors = errorsOf(await v.validate({ resourceType: 'NoSuchResource', id: 'x' }));
    assert.ok(errors.length > 0);
  });
});

describe('HAPI FHIR R4 JPA server', () => {
  const PATIENT_ID = { system: 'urn:test:patient-id', value: 'PAT-0001' };
  const STUDY_ID = { system: 'urn:dicom:uid', value: `urn:oid:${STUDY_UID}` };

  function transaction(numberOfSeries: number): Bundle {
    const study = validStudy();
    study.subject = { reference: 'urn:uuid:8c6b1a3e-5a4e-4f0e-9d3f-000000000001' };
    study.numberOfSeries = numberOfSeries;
    const patient: Patient = {
      resourceType: 'Patient',
      identifier: [PATIENT_ID],
      name: [{ family: 'Doe', given: ['Jane'] }],
    };
    return {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:8c6b1a3e-5a4e-4f0e-9d3f-000000000001',
          resource: patient,
          request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${PATIENT_ID.system}|${PATIENT_ID.value}` },
        },
        {
          fullUrl: 'urn:uuid:8c6b1a3e-5a4e-4f0e-9d3f-000000000002',
          resource: study,
          request: { method: 'PUT', url: `ImagingStudy?identifier=${STUDY_ID.system}|${STUDY_ID.value}` },
        },
      ],
    };
  }

  async function search(client: Client, resourceType: string, id: { system: string; value: string }) {
    const bundle = (await client.search({
      resourceType,
      searchParams: { identifier: `${id.system}|${id.value}` },
    })) as Bundle;
    return (bundle.entry ?? []).map((e) => e.resource!);
  }

  const statuses = (b: Bundle) => (b.entry ?? []).map((e) => e.response?.status?.split(' ')[0]);

  it('applies conditional create + conditional update idempotently, and keeps the data across a restart', async () => {
    let server = await serverP!;
    let client = new Client({ baseUrl: server.baseUrl });

    // First push: both resources are created.
    const first = (await client.transaction({ body: transaction(1) })) as Bundle;
    assert.equal(first.type, 'transaction-response');
    assert.deepEqual(statuses(first), ['201', '201']);

    // The same Bundle again: the Patient is found (ifNoneExist), the study updated in place.
    const again = (await client.transaction({ body: transaction(1) })) as Bundle;
    assert.deepEqual(statuses(again), ['200', '200']);
    let studies = (await search(client, 'ImagingStudy', STUDY_ID)) as ImagingStudy[];
    let patients = await search(client, 'Patient', PATIENT_ID);
    assert.equal(studies.length, 1);
    assert.equal(patients.length, 1);
    // The urn:uuid reference was rewritten to the Patient's server id.
    assert.equal(studies[0].subject?.reference, `Patient/${patients[0].id}`);

    // A changed study: conditional update makes a new version of the same resource.
    const changed = (await client.transaction({ body: transaction(2) })) as Bundle;
    assert.deepEqual(statuses(changed), ['200', '200']);
    studies = (await search(client, 'ImagingStudy', STUDY_ID)) as ImagingStudy[];
    assert.equal(studies.length, 1);
    assert.equal(studies[0].numberOfSeries, 2);
    assert.equal(studies[0].meta?.versionId, '2');
    const studyId = studies[0].id!;

    // Stop the JVM and start a new one on the same data dir and port.
    await server.stop();
    server = await startHapiServer({ dataDir: server.dataDir, port: server.port });
    serverP = Promise.resolve(server); // so the after() hook stops this one
    client = new Client({ baseUrl: server.baseUrl });

    const read = (await client.read({ resourceType: 'ImagingStudy', id: studyId })) as ImagingStudy;
    assert.equal(read.numberOfSeries, 2);
    studies = (await search(client, 'ImagingStudy', STUDY_ID)) as ImagingStudy[];
    patients = await search(client, 'Patient', PATIENT_ID);
    assert.equal(studies.length, 1);
    assert.equal(patients.length, 1);

    // Pushing after the restart still matches the stored resources.
    const afterRestart = (await client.transaction({ body: transaction(2) })) as Bundle;
    assert.deepEqual(statuses(afterRestart), ['200', '200']);
    assert.equal((await search(client, 'ImagingStudy', STUDY_ID)).length, 1);
  });
});
