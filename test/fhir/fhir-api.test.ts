/**
 * The FHIR REST surface besides search: CapabilityStatement, read, the study
 * summary, Binary, formats, and an OperationOutcome for every error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { newUid } from '../fixtures/synthetic-dicom.js';
import type { TestApp } from '../helpers/test-app.js';
import { basicTextReport, ctImage } from './fixtures.js';
import { FHIR_JSON, get, startFhirApp, store } from './helpers.js';

describe('FHIR REST API', () => {
  let t: TestApp;
  let study: any;
  const studyUid = newUid();

  before(async () => {
    t = await startFhirApp();
    await store(t, [ctImage(studyUid), basicTextReport({ studyUid })]);
    study = (await get(t.app, `/fhir/ImagingStudy?identifier=urn:dicom:uid|urn:oid:${studyUid}`)).entry[0].resource;
  });
  after(async () => {
    await t?.close();
  });

  it('GET /fhir/metadata: a CapabilityStatement listing exactly the supported types, parameters and includes', async () => {
    const cs = await get(t.app, '/fhir/metadata');
    assert.equal(cs.resourceType, 'CapabilityStatement');
    assert.deepEqual([cs.fhirVersion, cs.kind, cs.status, cs.format], ['4.0.1', 'instance', 'active', ['application/fhir+json', 'json']]);
    const byType = Object.fromEntries(cs.rest[0].resource.map((r: any) => [r.type, r]));
    assert.deepEqual(Object.keys(byType).sort(), ['AuditEvent', 'Binary', 'BodyStructure', 'Condition', 'Device', 'DiagnosticReport', 'Endpoint', 'ImagingStudy', 'Observation', 'Patient']);
    assert.deepEqual(byType.AuditEvent.searchParam.map((p: any) => p.name).sort(), ['agent', 'date', 'entity-id', 'outcome', 'study']);
    assert.deepEqual(byType.Binary.interaction, [{ code: 'read' }]);
    assert.deepEqual(byType.ImagingStudy.interaction, [{ code: 'read' }, { code: 'search-type' }]);
    const params = (type: string) => byType[type].searchParam.map((p: any) => p.name);
    for (const p of ['_id', '_lastUpdated', 'identifier', 'patient', 'subject', 'modality', 'bodysite', 'started', 'status']) assert.ok(params('ImagingStudy').includes(p), p);
    for (const p of ['code', 'category', 'date', 'derived-from', 'status']) assert.ok(params('Observation').includes(p), p);
    for (const p of ['result', 'imaging-study', 'date']) assert.ok(params('DiagnosticReport').includes(p), p);
    assert.ok(byType.DiagnosticReport.searchInclude.includes('DiagnosticReport:result'), 'DiagnosticReport:result');
    assert.ok(byType.ImagingStudy.searchRevInclude.includes('Observation:derived-from'), 'Observation:derived-from');
    assert.ok(byType.ImagingStudy.searchRevInclude.includes('DiagnosticReport:imaging-study'), 'DiagnosticReport:imaging-study');
    assert.equal(byType.ImagingStudy.operation[0].name, 'summary');
    const custom = byType.DiagnosticReport.searchParam.find((p: any) => p.name === 'imaging-study');
    assert.match(custom.definition, /\/SearchParameter\/DiagnosticReport-imaging-study$/);
  });

  it('the CapabilityStatement tells the truth: every advertised type, parameter and include answers, nothing else does', async () => {
    const cs = await get(t.app, '/fhir/metadata');
    const sample: Record<string, string> = { token: 'x', reference: 'Patient/x', date: 'ge2000-01-01', string: 'x', uri: 'urn:x', number: '1', quantity: '1' };
    const special: Record<string, string> = { outcome: '0', 'entity-id': `urn:oid:${studyUid}`, study: studyUid };
    let checked = 0;
    for (const r of cs.rest[0].resource) {
      const codes = r.interaction.map((i: any) => i.code);
      if (codes.includes('search-type')) {
        for (const p of r.searchParam) {
          const value = special[p.name] ?? sample[p.type];
          assert.ok(value, `a sample value for ${p.type}`);
          const res = await request(t.app).get(`/fhir/${r.type}?${p.name}=${encodeURIComponent(value)}`);
          assert.equal(res.status, 200, `${r.type}?${p.name}=${value}: ${res.status} ${res.text.slice(0, 200)}`);
          assert.equal(res.body.resourceType, 'Bundle', `${r.type}?${p.name}`);
          checked++;
        }
        for (const inc of r.searchInclude ?? []) assert.equal((await request(t.app).get(`/fhir/${r.type}?_include=${inc}`)).status, 200, `_include=${inc}`);
        for (const inc of r.searchRevInclude ?? []) assert.equal((await request(t.app).get(`/fhir/${r.type}?_revinclude=${inc}`)).status, 200, `_revinclude=${inc}`);
        assert.equal((await request(t.app).get(`/fhir/${r.type}?not-a-param=1`)).status, 400, `${r.type}: an unadvertised parameter is refused`);
      }
      if (codes.includes('read')) {
        const read = await request(t.app).get(`/fhir/${r.type}/no-such-id`);
        assert.equal(read.status, 404, `${r.type} read answers (404 OperationOutcome for an unknown id)`);
        assert.equal(read.body.resourceType, 'OperationOutcome', `${r.type} read`);
      }
    }
    assert.ok(checked > 60, `checked ${checked} parameters`);
    // AuditEvent search returns the audit trail of this tenant.
    assert.equal((await request(t.app).get('/fhir/AuditEvent?_count=1')).status, 200, 'AuditEvent search');
  });

  it('reads a resource by id with ETag and Last-Modified; _format=json and Accept negotiation', async () => {
    const res = await request(t.app).get(`/fhir/ImagingStudy/${study.id}?_format=json`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], FHIR_JSON);
    assert.equal(res.headers.etag, `W/"${res.body.meta.versionId}"`);
    assert.equal(res.headers['last-modified'], new Date(res.body.meta.lastUpdated).toUTCString());
    assert.deepEqual(res.body, study);
    assert.equal((await request(t.app).get(`/fhir/ImagingStudy/${study.id}`).set('Accept', 'application/json')).status, 200);
    assert.equal((await request(t.app).get(`/fhir/ImagingStudy/${study.id}?_format=application/fhir%2Bjson`)).status, 200);
    assert.equal((await request(t.app).get(`/fhir/ImagingStudy/${study.id}?_format=application/fhir+json`)).status, 200, 'unencoded +');
    const pretty = await request(t.app).get(`/fhir/ImagingStudy/${study.id}?_pretty=true`);
    assert.match(pretty.text, /^\{\n {2}"resourceType"/);
  });

  it('serves the study summary as text/plain and as a Binary', async () => {
    const res = await request(t.app).get(`/fhir/ImagingStudy/${study.id}/$summary`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^text\/plain; charset=utf-8/);
    assert.match(res.text, /CT/);
    assert.match(res.text, /pneumonia/i);
    const binaries = await t.container.fhir.store.search({
      tenant: t.container.config.defaultTenant, type: 'Binary', conditions: [], sort: { by: 'id', descending: false }, offset: 0, count: 10,
    });
    const binary = binaries.resources.find((b) => (b.resource.securityContext as any)?.reference === `ImagingStudy/${study.id}`);
    assert.ok(binary, 'a Binary for the study');
    const raw = await request(t.app).get(`/fhir/Binary/${binary.id}`);
    assert.deepEqual([raw.status, raw.headers['content-type'], raw.text], [200, 'text/plain; charset=utf-8', res.text]);
    const json = await get(t.app, `/fhir/Binary/${binary.id}?_format=json`);
    assert.deepEqual([json.resourceType, json.contentType, Buffer.from(json.data, 'base64').toString('utf8')], ['Binary', 'text/plain', res.text]);
  });

  it('answers every error with an OperationOutcome and the right status', async () => {
    const cases: Array<[string, string, number, RegExp]> = [
      ['GET', '/fhir/ImagingStudy/does-not-exist', 404, /ImagingStudy\/does-not-exist is not known/],
      ['GET', '/fhir/ImagingStudy/not_a_valid_id!', 400, /not a valid FHIR id/],
      ['GET', '/fhir/MedicationRequest', 400, /MedicationRequest is not supported for search/],
      ['GET', '/fhir/MedicationRequest/1', 400, /MedicationRequest is not supported for read/],
      ['GET', '/fhir/imagingstudy', 400, /"imagingstudy" is not a FHIR resource type/],
      ['GET', '/fhir/Binary', 400, /Binary is not supported for search/],
      ['GET', `/fhir/ImagingStudy/${'x'}/_history`, 400, /not supported/],
      ['GET', '/fhir/Observation/x/$summary', 400, /not supported/],
      ['GET', '/fhir/ImagingStudy/nope/$summary', 404, /ImagingStudy\/nope is not known/],
      ['GET', '/fhir', 400, /System-level search is not supported/],
      ['GET', '/fhir/a/b/c/d', 404, /No such FHIR endpoint/],
      ['POST', '/fhir/ImagingStudy', 405, /POST is not supported: this FHIR API is read-only/],
      ['PUT', `/fhir/ImagingStudy/${'x'}`, 405, /PUT is not supported/],
      ['DELETE', '/fhir/Patient/x', 405, /DELETE is not supported/],
      ['GET', '/fhir/metadata?_format=xml', 406, /_format=xml is not supported/],
    ];
    for (const [method, url, status, diagnostics] of cases) {
      const res = await (request(t.app) as any)[method.toLowerCase()](url);
      assert.equal(res.status, status, `${method} ${url}`);
      assert.match(res.headers['content-type'], FHIR_JSON, `${method} ${url}`);
      assert.equal(res.body.resourceType, 'OperationOutcome', `${method} ${url}`);
      assert.equal(res.body.issue[0].severity, 'error');
      assert.match(res.body.issue[0].diagnostics, diagnostics, `${method} ${url}`);
      if (status === 405) assert.equal(res.headers.allow, 'GET, HEAD');
    }
    const xml = await request(t.app).get(`/fhir/ImagingStudy/${study.id}`).set('Accept', 'application/fhir+xml');
    assert.deepEqual([xml.status, xml.body.resourceType], [406, 'OperationOutcome']);
  });

  it('GET /admin/fhir-push without an upstream says so', async () => {
    const res = await request(t.app).get('/admin/fhir-push');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { enabled: false, queued: 0, retrying: 0, failed: 0 });
  });
});
