/**
 * TID 1500 measurement reports from three writers (highdicom, dcmjs, dwv): groups,
 * tracking, finding sites, qualitative evaluations and image references, with expected
 * values read from the corresponding dsrdump texts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Extension, Observation, Reference } from '../../../mappings/fhir-r4.js';
import { type MappedStudy, mapStudy } from '../../../mappings/index.js';
import { SPEC_CONTEXT, readCorpus, readDump } from './helpers.js';

const CTX = { ...SPEC_CONTEXT, defaultPatientIdSystem: 'urn:example:corpus-mrn' };
const IMAGE_REF = 'https://fhir.example.org/StructureDefinition/dicom-image-reference';

function mapFile(file: string): MappedStudy {
  return mapStudy([readCorpus(file)!], CTX);
}

const groups = (out: MappedStudy): Observation[] => out.observations.filter((o) => o.hasMember !== undefined);
const sub = (ref: Reference, url: string): Extension | undefined =>
  ref.extension?.find((e) => e.url === IMAGE_REF)?.extension?.find((e) => e.url === url);

/** Tracking Unique Identifier values of a dump, in document order. */
const dumpTrackingUids = (dump: string): string[] =>
  [...dump.matchAll(/\(112040,DCM,"Tracking Unique Identifier"\)="([^"]+)"/gu)].map((m) => m[1]);

describe('highdicom TID 1500 (planar ROI, finding site, qualitative properties)', () => {
  const out = mapFile('sr/highdicom-sr_document.dcm');
  const [group] = groups(out);

  it('groups one measurement under a group whose value is the Finding', () => {
    assert.equal(groups(out).length, 1);
    assert.deepEqual(group.valueCodeableConcept, { coding: [{ system: 'http://snomed.info/sct', code: '2748008', display: 'Spinal cord' }] });
    // No Finding category: coded 125007 and the group category slice is dropped (spec 6.2).
    assert.deepEqual(group.code, { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '125007', display: 'Measurement Group' }] });
    assert.equal(group.category!.length, 1);
    assert.equal(group.hasMember!.length, 1);
  });

  it('maps the finding site (SRT translated) with its topographical modifier into bodySite and BodyStructure', () => {
    assert.deepEqual(group.bodySite, {
      coding: [{ system: 'http://snomed.info/sct', code: '297171002', display: 'Cervico-thoracic spine' }],
      text: 'Cervico-thoracic spine, Vertebral foramen',
    });
    const [bs] = out.bodyStructures;
    assert.equal(bs.identifier!.find((i) => i.system === 'urn:dicom:uid')!.value, `urn:oid:${dumpTrackingUids(readDump('sr/highdicom-sr_document.dcm'))[0]}`);
    assert.deepEqual(bs.identifier![0], { type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '112039' }] }, value: 'Planar ROI Measurements' });
    assert.deepEqual(bs.locationQualifier, [{ coding: [{ system: 'http://snomed.info/srt', code: 'T-11531', display: 'Vertebral foramen' }] }]);
  });

  it('turns HAS PROPERTIES codes into components and keeps the source image reference', () => {
    const member = out.observations.find((o) => o.valueQuantity)!;
    assert.deepEqual(member.component!.map((c) => [c.code.coding![0].code, c.valueCodeableConcept!.coding![0].display]),
      [['121402', 'Normal'], ['121403', 'Not significant']]);
    const ref = member.derivedFrom![0];
    assert.equal(sub(ref, 'graphicType')!.valueCode, 'CIRCLE');
    assert.equal(sub(ref, 'sopInstanceUid')!.valueOid, 'urn:oid:1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322');
    assert.match(sub(ref, 'wadoRsUrl')!.valueUrl!, /\/series\/1\.3\.6\.1\.4\.1\.5962\.1\.3\.1\.1\.20040119072730\.12322\/instances\//u);
  });

  it('uses the Device Observer UID and the (TEXT) Person Observer Name', () => {
    assert.deepEqual(out.devices.map((d) => d.identifier), [[{ system: 'urn:dicom:uid', value: 'urn:oid:1.2.826.0.1.3680043.8.498.21942475928007893653780457882384425166' }]]);
    assert.deepEqual(group.performer, [{ display: 'Foo' }]);
    assert.deepEqual(out.diagnosticReports[0].resultsInterpreter, [{ display: 'Foo' }]);
  });
});

describe('dcmjs TID 1500 (cornerstone tools)', () => {
  const out = mapFile('sr/dcmjs-structured_report.dcm');
  const dump = readDump('sr/dcmjs-structured_report.dcm');

  it('creates one group and one BodyStructure per tracked measurement group', () => {
    assert.equal(groups(out).length, 6);
    const uids = out.bodyStructures.map((b) => b.identifier!.find((i) => i.system === 'urn:dicom:uid')!.value);
    assert.deepEqual(uids, dumpTrackingUids(dump).map((u) => `urn:oid:${u}`));
  });

  it('keeps an empty NUM as dataAbsentReason and an unmapped Finding code as text', () => {
    const center = out.observations.find((o) => o.code.coding?.[0].code === '111010')!;
    assert.equal(center.valueQuantity, undefined);
    assert.equal(center.dataAbsentReason!.coding![0].code, 'unknown');
    assert.deepEqual(groups(out)[0].valueCodeableConcept, { text: 'ExampleText' });
  });

  it('attaches each measurement SCOORD (INFERRED FROM, SELECTED FROM image) as shown in the dump', () => {
    const expected = [...dump.matchAll(/<inferred from SCOORD:=\(([A-Z]+),([\d.]+)\/([\d.]+)/gu)].map((m) => [m[1], `${Number(m[2])} ${Number(m[3])}`]);
    const members = out.observations.filter((o) => o.hasMember === undefined);
    assert.deepEqual(members.map((o) => {
      const ref = o.derivedFrom![0];
      return [sub(ref, 'graphicType')!.valueCode, sub(ref, 'graphicData')!.valueString!.split(' ').slice(0, 2).join(' ')];
    }), expected);
  });
});

describe('dwv TID 1500 (Comprehensive 3D SR)', () => {
  for (const shape of ['circle', 'ellipse', 'rectangle', 'ruler']) {
    it(`${shape}: three tracked groups with their region, source image and members`, () => {
      const file = `sr/dwv-tid1500-${shape}.dcm`;
      const out = mapFile(file);
      const dump = readDump(file);
      const gs = groups(out);
      assert.equal(gs.length, 3);
      const regions = [...dump.matchAll(/<contains SCOORD:\(111030,DCM,"Image Region"\)=\(([A-Z]+),/gu)].map((m) => m[1]);
      assert.deepEqual(gs.map((g) => sub(g.derivedFrom![0], 'graphicType')!.valueCode), regions);
      for (const g of gs) {
        assert.equal(sub(g.derivedFrom![0], 'sopInstanceUid')!.valueOid, 'urn:oid:1.2.826.0.1.3680043.9.7278.1.83798073110115.20240516075655.3.6');
        assert.equal(sub(g.derivedFrom![0], 'purpose')!.valueCoding!.code, '111030');
        // Short label and colour are concept modifiers of the group (extension, spec 5.4).
        assert.equal(g.extension!.length, 2);
      }
      const perGroup = dump.split('<contains CONTAINER:(125007,DCM,"Measurement Group")').slice(1)
        .map((chunk) => (chunk.match(/<contains (NUM|CODE):/gu) ?? []).length);
      assert.deepEqual(gs.map((g) => g.hasMember!.length), perGroup);
      const qualitative = out.observations.filter((o) => o.category?.[1]?.coding?.[0].code === 'C0034375');
      assert.equal(qualitative.length, 3);
      assert.ok(qualitative.every((o) => o.valueCodeableConcept!.coding![0].code === '123109'));
      assert.deepEqual(out.bodyStructures.length, 3);
      assert.equal(out.diagnosticReports[0].result!.length, 3, 'report lists the groups only');
    });
  }
});
