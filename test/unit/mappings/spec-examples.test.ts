/**
 * Spec section 9 worked examples, reproduced exactly (golden JSON copied verbatim from
 * the spec into test/fixtures/fhir/; `meta` is omitted there, so it is stripped here).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle, BundleEntry, MappedResource, Observation } from '../../../mappings/fhir-r4.js';
import { mapStudy } from '../../../mappings/index.js';
import { SPEC_CONTEXT, readFixture, withoutMeta } from './helpers.js';
import { basicTextInstance, ctInstance, tid1500Instance } from './spec-examples.js';

const S = 'https://fhir.example.org/sid/dicom-sr-item';

function entry(bundle: Bundle | undefined, fullUrl: string): BundleEntry {
  const found = bundle?.entry.find((e) => e.fullUrl === `urn:uuid:${fullUrl}`);
  assert.ok(found, `bundle has ${fullUrl}`);
  return found;
}

describe('spec 9.a: one CT image -> Patient, Endpoint, ImagingStudy', () => {
  it('produces exactly the spec Bundle', () => {
    const out = mapStudy([ctInstance()], SPEC_CONTEXT);
    assert.deepEqual(out.errors, []);
    assert.deepEqual(withoutMeta(out.bundle), readFixture('spec-9a-bundle.json'));
  });

  it('a second CT instance updates the same ImagingStudy, now listing 2 instances', () => {
    const one = mapStudy([ctInstance()], SPEC_CONTEXT);
    const two = mapStudy([ctInstance(), ctInstance('2.25.10001.1.2', 2)], SPEC_CONTEXT);
    assert.deepEqual(two.bundle!.entry.map((e) => [e.fullUrl, e.request]), one.bundle!.entry.map((e) => [e.fullUrl, e.request]));
    assert.equal(two.imagingStudy!.numberOfInstances, 2);
    assert.deepEqual(two.imagingStudy!.series![0].instance!.map((i) => i.uid), ['2.25.10001.1.1', '2.25.10001.1.2']);
  });

  it('tags every resource with the mapping version and WADO-RS source (spec 2.3)', () => {
    const out = mapStudy([ctInstance()], SPEC_CONTEXT);
    for (const e of out.bundle!.entry) {
      assert.deepEqual(e.resource.meta?.tag?.[0], { system: 'https://fhir.example.org/CodeSystem/dicom-mapping', code: 'v1' });
      assert.match(e.resource.meta!.source!, /^https:\/\/pacs\.example\.org\/dicomweb/u);
    }
    assert.equal(out.imagingStudy!.meta!.source, 'https://pacs.example.org/dicomweb/studies/2.25.10001');
  });
});

describe('spec 9.b: TID 1500 measurement group', () => {
  const out = mapStudy([ctInstance(), tid1500Instance()], SPEC_CONTEXT);
  const [device, bodyStructure, group] = readFixture<MappedResource[]>('spec-9b-device-bodystructure-group.json');
  const [diameter, severity, report] = readFixture<MappedResource[]>('spec-9b-members-report.json');
  const groupObs = group as Observation;
  // "Each member additionally carries the group's partOf, subject, focus, effectiveDateTime,
  // issued, bodySite, device and derivedFrom elements with identical values."
  const carried = {
    partOf: groupObs.partOf, subject: groupObs.subject, focus: groupObs.focus, effectiveDateTime: groupObs.effectiveDateTime,
    issued: groupObs.issued, bodySite: groupObs.bodySite, device: groupObs.device, derivedFrom: groupObs.derivedFrom,
  };
  const member = (o: MappedResource) => ({ ...(o as Observation), ...carried });
  const volume = {
    ...member(diameter),
    identifier: [{ system: S, value: '2.25.10001.2.1:1.6.1.8' }],
    code: { coding: [{ system: 'http://snomed.info/sct', code: '118565006', display: 'Volume' }] },
    valueQuantity: { value: 1023, unit: 'cubic millimeter', system: 'http://unitsofmeasure.org', code: 'mm3' },
  };

  it('has no errors and keeps the study modality [CT] with 2 series / 2 instances', () => {
    assert.deepEqual(out.errors, []);
    assert.deepEqual(out.imagingStudy!.modality, [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }]);
    assert.equal(out.imagingStudy!.numberOfSeries, 2);
    assert.equal(out.imagingStudy!.numberOfInstances, 2);
    const sr = out.imagingStudy!.series![1];
    assert.equal(sr.uid, '2.25.10001.2');
    assert.deepEqual(sr.modality, { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'SR' });
    assert.deepEqual(sr.instance, [{ uid: '2.25.10001.2.1', sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.88.33' }, number: 1, title: 'Imaging Measurement Report' }]);
  });

  it('Device, BodyStructure and group Observation equal the spec JSON', () => {
    assert.deepEqual(withoutMeta(entry(out.bundle, 'd545f796-c27f-5e98-83b0-5dcaddc6f36e').resource), device);
    assert.deepEqual(withoutMeta(entry(out.bundle, '6aa2257f-bd9c-58b7-b748-5c8b9a7cf509').resource), bodyStructure);
    assert.deepEqual(withoutMeta(entry(out.bundle, 'ee348d50-eb3c-5255-90fb-e8dff819d7e6').resource), group);
  });

  it('members and DiagnosticReport equal the spec JSON', () => {
    assert.deepEqual(withoutMeta(entry(out.bundle, '6c6563a2-e86b-55ff-9ed6-decb9df96a7c').resource), member(diameter));
    assert.deepEqual(withoutMeta(entry(out.bundle, '05a92b6b-bfe6-5e7c-9566-1acd69c971fb').resource), volume);
    assert.deepEqual(withoutMeta(entry(out.bundle, 'c712970f-b594-5d45-89d3-97ff12598d08').resource), member(severity));
    assert.deepEqual(withoutMeta(entry(out.bundle, '964c14fe-2439-52a6-bc6b-93a445c38cb0').resource), report);
  });

  it('uses the spec request URLs and creates no Condition', () => {
    const requests = out.bundle!.entry.slice(3).map((e) => e.request.url);
    assert.deepEqual(requests, [
      'Device?identifier=urn:dicom:uid|urn:oid:2.25.777',
      'BodyStructure?identifier=urn:dicom:uid|urn:oid:2.25.10001.2.1.100',
      `Observation?identifier=${S}|2.25.10001.2.1:1.6.1`,
      `Observation?identifier=${S}|2.25.10001.2.1:1.6.1.7`,
      `Observation?identifier=${S}|2.25.10001.2.1:1.6.1.8`,
      `Observation?identifier=${S}|2.25.10001.2.1:1.6.1.9`,
      'DiagnosticReport?identifier=urn:dicom:uid|urn:oid:2.25.10001.2.1',
    ]);
    assert.ok(out.bundle!.entry.slice(3).every((e) => e.request.method === 'PUT'));
    assert.deepEqual(out.conditions, []);
  });
});

describe('spec 9.c: Basic Text SR with findings, impression and coded diagnosis', () => {
  const out = mapStudy([ctInstance(), basicTextInstance()], SPEC_CONTEXT);
  const [report, finding, condition] = readFixture<MappedResource[]>('spec-9c-report-observation-condition.json');

  it('DiagnosticReport, Observation and Condition equal the spec JSON', () => {
    assert.deepEqual(out.errors, []);
    assert.deepEqual(withoutMeta(entry(out.bundle, 'bf9ef75c-9327-57ec-85a1-a779c40d2740').resource), report);
    assert.deepEqual(withoutMeta(entry(out.bundle, 'f074c4d0-74e6-5abb-974a-a8c29adbfa60').resource), finding);
    assert.deepEqual(withoutMeta(entry(out.bundle, '3ab3d5be-f09b-59d1-b660-f1266cde2cbf').resource), condition);
  });

  it('uses PUT for the report and observation, conditional POST for the Condition', () => {
    assert.deepEqual(entry(out.bundle, 'bf9ef75c-9327-57ec-85a1-a779c40d2740').request,
      { method: 'PUT', url: 'DiagnosticReport?identifier=urn:dicom:uid|urn:oid:2.25.10001.3.1' });
    assert.deepEqual(entry(out.bundle, 'f074c4d0-74e6-5abb-974a-a8c29adbfa60').request,
      { method: 'PUT', url: `Observation?identifier=${S}|2.25.10001.3.1:1.4.1` });
    assert.deepEqual(entry(out.bundle, '3ab3d5be-f09b-59d1-b660-f1266cde2cbf').request,
      { method: 'POST', url: 'Condition', ifNoneExist: `identifier=${S}|2.25.10001.3.1:1.5.2` });
    assert.equal(out.observations.length, 1);
    assert.equal(out.conditions.length, 1);
  });

  it('adds the series 2.25.10001.3 to the ImagingStudy', () => {
    assert.deepEqual(out.imagingStudy!.series!.map((s) => s.uid), ['2.25.10001.1', '2.25.10001.3']);
  });
});
