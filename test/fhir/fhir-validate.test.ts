/**
 * Every resource the server derives from every corpus file validates against
 * base FHIR R4 (4.0.1) with zero errors, checked by the HAPI FHIR instance
 * validator (test/hapi, spec section 11 check 1); so do the CapabilityStatement,
 * a searchset Bundle with includes and an OperationOutcome.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { corpusManifest } from '../helpers/corpus.js';
import type { TestApp } from '../helpers/test-app.js';
import { type Validator, errorsOf, startValidator } from '../hapi/validator.js';
import { newUid } from '../fixtures/synthetic-dicom.js';
import { basicTextReport, ctImage } from './fixtures.js';
import { get, startFhirApp, store } from './helpers.js';

describe('every derived resource validates against base R4 (HAPI validator)', () => {
  let t: TestApp;
  let validator: Validator;

  before(async () => {
    validator = await startValidator();
    t = await startFhirApp();
    const byFolder = new Map<string, string[]>();
    for (const e of corpusManifest()) byFolder.set(e.folder, [...(byFolder.get(e.folder) ?? []), e.path]);
    // One request per file: a file the server refuses must not take others with it.
    for (const files of byFolder.values()) for (const f of files) await store(t, [f]);
    const uid = newUid();
    await store(t, [ctImage(uid), basicTextReport({ studyUid: uid })]);
  });
  after(async () => {
    await t?.close();
    await validator?.stop();
  });

  const problems = async (resource: object): Promise<string[]> =>
    errorsOf(await validator.validate(resource)).map((m) => `${m.location}: ${m.message}`);

  it('all stored resources of every type', { timeout: 900_000 }, async () => {
    const tenant = t.container.config.defaultTenant;
    const failures: string[] = [];
    const counts: Record<string, number> = {};
    for (const type of ['Patient', 'Endpoint', 'ImagingStudy', 'Observation', 'DiagnosticReport', 'Condition', 'Device', 'BodyStructure', 'Binary']) {
      for (let offset = 0; ; offset += 200) {
        const page = await t.container.fhir.store.search({ tenant, type, conditions: [], sort: { by: 'id', descending: false }, offset, count: 200 });
        for (const r of page.resources) {
          counts[type] = (counts[type] ?? 0) + 1;
          // meta.source is the WADO-RS URL of the source study/instance: it names the corpus file's UIDs.
          for (const p of await problems(r.resource)) failures.push(`${type}/${r.id} (${r.resource.meta?.source}) ${p}`);
        }
        if (offset + 200 >= page.total) break;
      }
    }
    for (const type of ['Patient', 'Endpoint', 'ImagingStudy', 'Observation', 'DiagnosticReport', 'Condition', 'Device', 'BodyStructure', 'Binary']) {
      assert.ok((counts[type] ?? 0) > 0, `some ${type} was produced (${JSON.stringify(counts)})`);
    }
    assert.deepEqual(failures.slice(0, 50), [], `${failures.length} validation errors`);
  });

  it('the CapabilityStatement, a searchset with includes, and an OperationOutcome', async () => {
    const documents = [
      await get(t.app, '/fhir/metadata'),
      await get(t.app, '/fhir/DiagnosticReport?_count=5&_include=DiagnosticReport:result&_include=DiagnosticReport:imaging-study&_revinclude=Condition:evidence-detail'),
      await get(t.app, '/fhir/ImagingStudy?bogus=1', 400),
    ];
    for (const d of documents) assert.deepEqual(await problems(d), [], d.resourceType);
  });
});
