/**
 * TID 1500 features not present in the corpus: volumetric groups (TID 1411) with
 * SCOORD3D and segment references, algorithm identification (TID 4019), Observation UID,
 * derivation modifiers, value qualifiers, qualitative and derived containers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DicomDataset } from '../../../mappings/dicom-json.js';
import type { Extension, Observation } from '../../../mappings/fhir-r4.js';
import { mapStudy } from '../../../mappings/index.js';
import { SPEC_CONTEXT, codeSq, codeValue, containerValue, contentItem, el, numValue, sq, textValue, uidValue } from './helpers.js';
import { ctInstance, tid1500Instance } from './spec-examples.js';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

function volumetricGroup(): DicomDataset {
  return contentItem('CONTAINS', 'CONTAINER', ['125007', 'DCM', 'Measurement Group'], containerValue('1411'), [
    contentItem('HAS OBS CONTEXT', 'UIDREF', ['112040', 'DCM', 'Tracking Unique Identifier'], uidValue('2.25.555')),
    contentItem('HAS CONCEPT MOD', 'TEXT', ['111001', 'DCM', 'Algorithm Name'], textValue('LiverSeg')),
    contentItem('HAS CONCEPT MOD', 'TEXT', ['111003', 'DCM', 'Algorithm Version'], textValue('2.1')),
    contentItem('CONTAINS', 'IMAGE', ['121191', 'DCM', 'Referenced Segment'], {
      '00081199': sq({ '00081150': el('UI', '1.2.840.10008.5.1.4.1.1.66.4'), '00081155': el('UI', '2.25.10001.9.1'), '0062000B': el('US', 2) }),
    }),
    contentItem('CONTAINS', 'SCOORD3D', ['111030', 'DCM', 'Image Region'],
      { '00700023': el('CS', 'POINT'), '00700022': el('FL', 1.5, -2.25, 30), '30060024': el('UI', '2.25.777.1') }),
    contentItem('CONTAINS', 'NUM', ['81827009', 'SCT', 'Diameter'], { ...numValue('40', ['mm', 'UCUM', 'millimeter']), '0040A171': el('UI', '2.25.888') }, [
      contentItem('HAS CONCEPT MOD', 'CODE', ['121401', 'DCM', 'Derivation'], codeValue('56851009', 'SCT', 'Maximum')),
      contentItem('HAS PROPERTIES', 'NUM', ['371933006', 'SCT', 'Normal Range Upper Limit'], numValue('30', ['mm', 'UCUM', 'millimeter'])),
      contentItem('HAS PROPERTIES', 'NUM', ['R-41F90', 'SRT', 'Normal Range Lower Limit'], numValue('5', ['mm', 'UCUM', 'millimeter'])),
    ]),
    contentItem('CONTAINS', 'NUM', ['118565006', 'SCT', 'Volume'], {
      '0040A300': sq(), '0040A301': codeSq('114000', 'DCM', 'Not a number'),
    }),
  ]);
}

function report(): DicomDataset {
  const base = tid1500Instance();
  const root = base['0040A730']!.Value as DicomDataset[];
  return {
    ...base,
    '00080018': el('UI', '2.25.10001.2.2'),
    '0040A730': sq(...root.slice(0, 5), contentItem('CONTAINS', 'CONTAINER', ['126010', 'DCM', 'Imaging Measurements'], containerValue(), [volumetricGroup()]),
      contentItem('CONTAINS', 'CONTAINER', ['C0034375', 'UMLS', 'Qualitative Evaluations'], containerValue(), [
        contentItem('CONTAINS', 'CODE', ['246112005', 'SCT', 'Severity'], codeValue('24484000', 'SCT', 'Severe')),
      ]),
      contentItem('CONTAINS', 'CONTAINER', ['126011', 'DCM', 'Derived Imaging Measurements'], containerValue(), [
        contentItem('CONTAINS', 'NUM', ['118565006', 'SCT', 'Volume'], numValue('12.3', ['cm3', 'UCUM', 'cubic centimeter'])),
      ])),
  };
}

const sub = (o: Observation, i: number): Record<string, Extension['valuePositiveInt'] | string | undefined> =>
  Object.fromEntries(o.derivedFrom![i].extension![0].extension!.map((e) => [e.url, e.valueOid ?? e.valueCode ?? e.valueString ?? e.valueUrl ?? e.valuePositiveInt ?? e.valueCoding?.code]));

describe('TID 1500 features', () => {
  const out = mapStudy([ctInstance(), report()], SPEC_CONTEXT);
  const byCode = (code: string): Observation[] => out.observations.filter((o) => o.code.coding?.[0].code === code);

  it('references a segment (IMAGE + segment number) and a 3D region (SCOORD3D + frame of reference)', () => {
    const [group] = byCode('125007');
    assert.deepEqual(sub(group, 0), {
      purpose: '121191', sopInstanceUid: 'urn:oid:2.25.10001.9.1', sopClassUid: 'urn:oid:1.2.840.10008.5.1.4.1.1.66.4', segmentNumber: 2,
    });
    assert.deepEqual(sub(group, 1), { purpose: '111030', frameOfReferenceUid: 'urn:oid:2.25.777.1', graphicType: 'POINT', graphicData: '1.5 -2.25 30' });
  });

  it('uses the algorithm (TID 4019) as Device for the group and its members', () => {
    const [group] = byCode('125007');
    const device = out.devices.find((d) => d.deviceName?.[0].name === 'LiverSeg')!;
    assert.deepEqual(device.version, [{ value: '2.1' }]);
    assert.match(device.identifier![0].system!, /\/device$/u);
    assert.equal(group.device!.reference, out.bundle!.entry.find((e) => e.resource === device)!.fullUrl);
    for (const m of group.hasMember!) {
      const member = out.bundle!.entry.find((e) => e.fullUrl === m.reference)!.resource as Observation;
      assert.equal(member.device!.reference, group.device!.reference);
    }
  });

  it('keeps Observation UID, derivation modifier, normal range and numeric value qualifier', () => {
    const diameter = byCode('81827009').find((o) => o.valueQuantity?.value === 40)!;
    assert.deepEqual(diameter.identifier![1], {
      type: { coding: [{ system: 'http://hl7.org/fhir/uv/dicom-sr/CodeSystem/dicom-identifier-type', code: 'observation-uid' }] },
      system: 'urn:dicom:uid', value: 'urn:oid:2.25.888',
    });
    assert.equal(diameter.code.text, 'Diameter (Maximum)');
    const mm = (value: number) => ({ value, unit: 'millimeter', system: 'http://unitsofmeasure.org', code: 'mm' });
    assert.deepEqual(diameter.referenceRange, [{ low: mm(5), high: mm(30) }], 'TID 312 normal range');
    assert.equal(diameter.component, undefined);
    assert.equal(diameter.extension![0].url, 'https://fhir.example.org/StructureDefinition/dicom-concept-modifier');
    const nan = byCode('118565006').find((o) => o.dataAbsentReason)!;
    assert.deepEqual(nan.dataAbsentReason, { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'not-a-number' }] });
  });

  it('maps Qualitative Evaluations and Derived Imaging Measurements containers with their categories', () => {
    const severe = out.observations.find((o) => o.valueCodeableConcept?.coding?.[0].code === '24484000')!;
    assert.deepEqual(severe.category![1], { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/umls', code: 'C0034375' }] });
    const derived = out.observations.find((o) => o.valueQuantity?.code === 'cm3')!;
    assert.deepEqual(derived.category![1], { coding: [{ system: DCM, code: '126011' }] });
    const report = out.diagnosticReports.find((r) => r.identifier![0].value === 'urn:oid:2.25.10001.2.2')!;
    assert.equal(report.result!.length, 3, 'group + qualitative + derived are top level');
  });

  it('keys the BodyStructure by tracking UID, so later reports of the lesion update it', () => {
    const bs = out.bodyStructures.find((b) => b.identifier!.some((i) => i.value === 'urn:oid:2.25.555'))!;
    assert.equal(bs.location, undefined);
    const entry = out.bundle!.entry.find((e) => e.resource === bs)!;
    assert.equal(entry.request.url, 'BodyStructure?identifier=urn:dicom:uid|urn:oid:2.25.555');
  });
});
