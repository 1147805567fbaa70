/**
 * A FHIR client we did not write parses every response: Python fhir.resources
 * (R4 4.0.1 models with pydantic validation, installed by test/infra/tools.sh)
 * reads the CapabilityStatement, searchset Bundles of every type (all pages,
 * with includes), a resource, a Binary and an OperationOutcome.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { newUid } from '../fixtures/synthetic-dicom.js';
import { corpusFiles } from '../unit/mappings/helpers.js';
import type { TestApp } from '../helpers/test-app.js';
import { basicTextReport, ctImage } from './fixtures.js';
import { get, startFhirApp, store } from './helpers.js';

const PYTHON = process.env.PYTHON ?? `${process.env.HOME}/.cache/dicomweb-fhir-server/venv/bin/python`;

let t: TestApp;
let server: ReturnType<TestApp['app']['listen']>;
let base: string;

before(async () => {
  t = await startFhirApp();
  await store(t, corpusFiles('sr'));
  await store(t, ['ct/CT_small.dcm', 'mr/MR_small.dcm', 'seg/seg_labelmap_palette_color.dcm']);
  const uid = newUid();
  await store(t, [ctImage(uid), basicTextReport({ studyUid: uid })]);
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await t?.close();
});

test('Python fhir.resources (R4) parses searchsets, resources and errors', { timeout: 180_000 }, async () => {
  const study = (await get(t.app, '/fhir/ImagingStudy?_count=1')).entry[0].resource;
  const binary = (await t.container.fhir.store.search({
    tenant: t.container.config.defaultTenant, type: 'Binary', conditions: [], sort: { by: 'id', descending: false }, offset: 0, count: 1,
  })).resources[0];
  const paths = [
    '/fhir/metadata',
    '/fhir/ImagingStudy?_count=3&_revinclude=Observation:derived-from&_revinclude=DiagnosticReport:imaging-study',
    '/fhir/Observation?_count=40&_include=Observation:device&_include=Observation:focus',
    '/fhir/DiagnosticReport?_include=DiagnosticReport:result&_include=DiagnosticReport:imaging-study&_include=DiagnosticReport:patient',
    '/fhir/Patient', '/fhir/Endpoint', '/fhir/Condition', '/fhir/Device', '/fhir/BodyStructure',
    `/fhir/ImagingStudy/${study.id}`, `/fhir/Binary/${binary.id}?_format=json`,
    '/fhir/ImagingStudy/unknown', '/fhir/ImagingStudy?bogus=1',
  ];
  const script = new URL('./fhir_resources_check.py', import.meta.url).pathname;
  let stdout = '';
  try {
    ({ stdout } = await promisify(execFile)(PYTHON, [script, base, ...paths], { maxBuffer: 64 << 20 }));
  } catch (e: any) {
    assert.fail(`fhir.resources check failed:\n${e.stdout}\n${e.stderr}`);
  }
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  for (const l of lines.slice(0, -1)) assert.equal(l.ok, true, `${l.url}: ${l.error}`);
  const types = new Set(lines.flatMap((l) => [l.resourceType, ...(l.entryTypes ?? [])]));
  for (const type of ['CapabilityStatement', 'Bundle', 'ImagingStudy', 'Observation', 'DiagnosticReport', 'Condition', 'Patient', 'Endpoint', 'Device', 'BodyStructure', 'Binary', 'OperationOutcome']) {
    assert.ok(types.has(type), `parsed a ${type}`);
  }
  const done = lines.at(-1);
  assert.deepEqual([done.done, done.failures], [true, 0]);
  assert.ok(done.parsed > 100, `parsed ${done.parsed} resources`);
});
