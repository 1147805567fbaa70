/** Retractions of deleted resources in the upstream Bundle (core/fhir-sync/tombstones.ts, spec 10.4), without a server. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withRetractions, type PushBundle } from '../../core/fhir-sync/tombstones.js';
import type { Bundle } from '../../mappings/fhir-r4.js';

const entry = (type: string, n: string, resource: Record<string, unknown> = {}, create = false) => ({
  fullUrl: `urn:uuid:${n}`,
  resource: { resourceType: type, ...resource },
  request: create ? { method: 'POST', url: type, ifNoneExist: `identifier=s|${n}` } : { method: 'PUT', url: `${type}?identifier=s|${n}` },
});
const patient = entry('Patient', 'p', {}, true);
const endpoint = entry('Endpoint', 'e');
const study = entry('ImagingStudy', 'st', { status: 'available', subject: { reference: 'urn:uuid:p' }, endpoint: [{ reference: 'urn:uuid:e' }] });
const device = entry('Device', 'dev');
const obs = entry('Observation', 'o', { status: 'final', subject: { reference: 'urn:uuid:p' }, device: { reference: 'urn:uuid:dev' }, partOf: [{ reference: 'urn:uuid:st' }] });
const report = entry('DiagnosticReport', 'r', { status: 'final', result: [{ reference: 'urn:uuid:o' }], imagingStudy: [{ reference: 'urn:uuid:st' }] });
const condition = entry('Condition', 'c', {
  clinicalStatus: { coding: [{ code: 'active' }] }, verificationStatus: { coding: [{ code: 'provisional' }] }, evidence: [{ detail: [{ reference: 'urn:uuid:r' }] }],
}, true);
const bundle = (...entries: object[]) => ({ resourceType: 'Bundle', type: 'transaction', entry: entries }) as unknown as Bundle & PushBundle;
const full = bundle(patient, endpoint, study, device, obs, report, condition);
const byType = (b: PushBundle | undefined, type: string) => b?.entry.filter((e) => (e.resource?.resourceType ?? e.request.url.split('?')[0]) === type) ?? [];

describe('retractions of deleted resources in the upstream Bundle', () => {
  it('nothing deleted: the Bundle as mapped', () => {
    assert.deepEqual(withRetractions(full, full, 'status'), full, 'unchanged Bundle');
    assert.deepEqual(withRetractions(undefined, full, 'status'), full, 'first Bundle');
    assert.equal(withRetractions(undefined, undefined, 'status'), undefined, 'nothing at all');
  });

  it('an SR gone: its report, Observations and Condition entered-in-error; the Device it refers to carried', () => {
    const out = withRetractions(full, bundle(patient, endpoint, study), 'status')!;
    assert.equal(byType(out, 'DiagnosticReport')[0].resource!.status, 'entered-in-error', 'report');
    assert.equal(byType(out, 'Observation')[0].resource!.status, 'entered-in-error', 'Observation');
    const c = byType(out, 'Condition')[0];
    assert.deepEqual([c.request.method, c.request.url], ['PUT', 'Condition?identifier=s|c'], 'Condition updated by its key');
    assert.equal((c.resource!.verificationStatus as any).coding[0].code, 'entered-in-error', 'Condition verificationStatus');
    assert.equal(c.resource!.clinicalStatus, undefined, 'con-5');
    assert.equal(byType(out, 'Device').length, 1, 'Device carried for the Observation reference');
    assert.equal(byType(out, 'ImagingStudy')[0].resource!.status, 'available', 'the study stays');
    assert.ok((condition.resource as Record<string, unknown>).clinicalStatus, 'input not modified');
    // Every urn:uuid reference resolves inside the Bundle (spec 11 check 3).
    const urls = new Set(out.entry.map((e) => e.fullUrl));
    for (const ref of JSON.stringify(out).match(/"reference":"urn:uuid:[^"]+"/g) ?? []) assert.ok(urls.has(ref.slice(13, -1)), `${ref} resolves`);
  });

  it('a study emptied: ImagingStudy cancelled with its Patient and Endpoint; retractions persist in later Bundles', () => {
    const out = withRetractions(full, undefined, 'status')!;
    assert.equal(byType(out, 'ImagingStudy')[0].resource!.status, 'cancelled', 'study cancelled');
    assert.deepEqual(['Patient', 'Endpoint'].map((t) => byType(out, t).length), [1, 1], 'referenced entries carried');
    const again = withRetractions(out, undefined, 'status')!;
    assert.deepEqual(again, out, 'idempotent');
    const back = withRetractions(out, bundle(patient, endpoint, study), 'status')!;
    assert.equal(byType(back, 'ImagingStudy')[0].resource!.status, 'available', 'the study is back');
    assert.equal(byType(back, 'DiagnosticReport')[0].resource!.status, 'entered-in-error', 'its report still retracted');
    // The SR comes back: its Condition is updated (not conditionally created) so the retraction is undone upstream.
    const again2 = withRetractions(out, full, 'status')!;
    const c = byType(again2, 'Condition');
    assert.deepEqual([c.length, c[0].request.method, c[0].request.url, (c[0].resource!.verificationStatus as any).coding[0].code], [1, 'PUT', 'Condition?identifier=s|c', 'provisional']);
    assert.equal(byType(again2, 'Patient')[0].request.method, 'POST', 'the Patient stays a conditional create');
  });

  it('delete mode: conditional deletes of the study resources only', () => {
    const out = withRetractions(full, undefined, 'delete')!;
    assert.deepEqual(out.entry.map((e) => `${e.request.method} ${e.request.url}`).sort(), [
      'DELETE Condition?identifier=s|c', 'DELETE DiagnosticReport?identifier=s|r', 'DELETE ImagingStudy?identifier=s|st', 'DELETE Observation?identifier=s|o',
    ]);
    assert.deepEqual(withRetractions(out, undefined, 'delete'), out, 'idempotent');
  });
});
