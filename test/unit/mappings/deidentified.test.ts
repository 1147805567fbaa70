/**
 * De-identified mode (spec 3.3, PS3.15 Annex E): no name, birth date, accession,
 * institution, device serial or free text of the source appears anywhere in the output.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DicomDataset } from '../../../mappings/dicom-json.js';
import { type MappingContext, mapStudy } from '../../../mappings/index.js';
import { pseudonym } from '../../../mappings/patient.js';
import { SPEC_CONTEXT, readCorpus } from './helpers.js';
import { basicTextInstance, ctInstance, tid1500Instance } from './spec-examples.js';

const DEID: MappingContext = {
  ...SPEC_CONTEXT,
  defaultPatientIdSystem: 'urn:example:corpus-mrn',
  mode: 'deidentified',
  deid: { pseudonymSecret: 'test-secret' },
};

/** Tags whose values must not leak (PS3.15 Table E.1-1 subset named in spec 3.3). */
const SECRET_TAGS = new Set([
  '00100020', '00100030', '00080050', '00080080', '00080081', '00081040', '00081030', '0008103E', '00181000',
  '00401002', '0040A160', '0040A027', '00101000', '001021B0', '00081010',
]);

/** Collects every PN value and every value of SECRET_TAGS, recursively through sequences. */
function secrets(ds: DicomDataset, out: Set<string> = new Set()): Set<string> {
  for (const [tag, el] of Object.entries(ds)) {
    for (const v of el?.Value ?? []) {
      if (v && typeof v === 'object' && !(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v)) {
        if ('Alphabetic' in v) {
          const alpha = String((v as { Alphabetic?: string }).Alphabetic ?? '');
          for (const part of alpha.split(/[\^=]/u)) out.add(part.trim());
        } else secrets(v as DicomDataset, out);
      } else if (SECRET_TAGS.has(tag) && (typeof v === 'string' || typeof v === 'number')) {
        out.add(String(v).trim());
        if (tag === '00100030' && /^\d{8}$/u.test(String(v))) out.add(`${String(v).slice(0, 4)}-${String(v).slice(4, 6)}-${String(v).slice(6)}`);
      }
    }
  }
  return out;
}

/** Concept name meanings (0040,A043) are terminology, not patient data, and are kept. */
function conceptNames(ds: DicomDataset, out: Set<string> = new Set()): Set<string> {
  for (const [tag, el] of Object.entries(ds)) {
    for (const v of el?.Value ?? []) {
      if (!v || typeof v !== 'object' || v instanceof ArrayBuffer || ArrayBuffer.isView(v) || 'Alphabetic' in v) continue;
      const item = v as DicomDataset;
      if (tag === '0040A043') out.add(String(item['00080104']?.Value?.[0] ?? '').trim());
      conceptNames(item, out);
    }
  }
  return out;
}

/** UIDs are kept by design (spec 3.3), so values that are parts of them are not leaks. */
function leaks(datasets: DicomDataset[], output: string): string[] {
  const all = new Set<string>();
  for (const ds of datasets) for (const s of secrets(ds)) all.add(s);
  const kept = new Set(datasets.flatMap((d) => [...conceptNames(d)]));
  const uids = JSON.stringify(datasets.map((d) => [d['0020000D'], d['0020000E'], d['00080018']]));
  return [...all].filter((s) => s.length >= 4 && !kept.has(s) && !uids.includes(s) && output.includes(s));
}

const CASES: Array<[string, () => DicomDataset[]]> = [
  ['spec 9.a + 9.b + 9.c', () => [ctInstance(), tid1500Instance(), basicTextInstance()]],
  ['sr/test-SR.dcm', () => [readCorpus('sr/test-SR.dcm')!]],
  ['sr/report_dfl.dcm', () => [readCorpus('sr/report_dfl.dcm')!]],
  ['sr/MarekLatin2.dcm', () => [readCorpus('sr/MarekLatin2.dcm')!]],
  ['sr/highdicom-sr_document.dcm', () => [readCorpus('sr/highdicom-sr_document.dcm')!]],
  ['mr/MR-SIEMENS-DICOM-WithOverlays.dcm', () => [readCorpus('mr/MR-SIEMENS-DICOM-WithOverlays.dcm')!]],
  ['ct/pcir-77654033-CT2/17106.dcm', () => [readCorpus('ct/pcir-77654033-CT2/17106.dcm')!]],
  ['charset/chrGerm.dcm', () => [readCorpus('charset/chrGerm.dcm')!]],
];

describe('de-identified mode', () => {
  for (const [name, load] of CASES) {
    it(`${name}: no source PHI or free text anywhere in the output`, () => {
      const datasets = load();
      const out = mapStudy(datasets, DEID);
      assert.ok(out.imagingStudy, JSON.stringify(out.errors));
      const serialized = JSON.stringify(out);
      assert.deepEqual(leaks(datasets, serialized), []);
      const identified = JSON.stringify(mapStudy(datasets, { ...DEID, mode: 'identified' }));
      assert.ok(leaks(datasets, identified).length > 0, 'the same check finds the values in identified mode');
    });
  }

  it('Patient carries only the pseudonym identifier and the PSEUDED security label', () => {
    const out = mapStudy([ctInstance()], DEID);
    const value = pseudonym('test-secret', 'https://hospital-a.example.org/fhir/sid/mrn', 'MRN12345');
    assert.match(value, /^[0-9a-f]{32}$/u);
    assert.deepEqual({ ...out.patient, meta: { security: out.patient!.meta!.security } }, {
      resourceType: 'Patient',
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'PSEUDED' }] },
      identifier: [{ system: 'https://fhir.example.org/sid/pseudonym', value }],
    });
    assert.deepEqual(out.bundle!.entry[0].request, { method: 'POST', url: 'Patient', ifNoneExist: `identifier=https://fhir.example.org/sid/pseudonym|${value}` });
    const other = mapStudy([ctInstance()], { ...DEID, deid: { pseudonymSecret: 'other' } });
    assert.notEqual(other.patient!.identifier![0].value, value);
    const withSex = mapStudy([ctInstance()], { ...DEID, deid: { pseudonymSecret: 'test-secret', keepSex: true } });
    assert.equal(withSex.patient!.gender, 'male');
  });

  it('masks SR text, drops accession, conclusion, names and descriptions but keeps codes, numbers and UIDs', () => {
    const out = mapStudy([ctInstance(), tid1500Instance(), basicTextInstance()], DEID);
    const finding = out.observations.find((o) => o.code.coding?.[0].code === '121071')!;
    assert.deepEqual(finding.dataAbsentReason, { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'masked' }] });
    const report = out.diagnosticReports.find((r) => r.conclusionCode)!;
    assert.equal(report.conclusion, undefined);
    assert.equal(report.resultsInterpreter, undefined);
    assert.equal(out.conditions[0].asserter, undefined);
    assert.equal(out.imagingStudy!.identifier!.length, 1);
    assert.equal(out.imagingStudy!.description, undefined);
    assert.equal(out.imagingStudy!.series![0].performer, undefined);
    assert.ok(out.observations.some((o) => o.valueQuantity?.value === 12.5));
    assert.ok(!out.bodyStructures[0].identifier!.some((i) => i.value === 'Nodule 1'), 'tracking text withheld, tracking UID kept');
    assert.ok(out.summaryText.startsWith('CT of Chest, Study Date: 2024-07-24.'));
    assert.ok(!out.summaryText.includes('Consolidation'));
  });

  it('shifts dates when deid.dateShiftDays is set', () => {
    const out = mapStudy([ctInstance()], { ...DEID, deid: { pseudonymSecret: 's', dateShiftDays: -10 } });
    assert.equal(out.imagingStudy!.started, '2024-07-14T08:15:00+02:00');
  });

  it('fails cleanly without a pseudonym secret', () => {
    const out = mapStudy([ctInstance()], { ...DEID, deid: {} });
    assert.equal(out.bundle, undefined);
    assert.ok(out.errors.some((e) => e.code === 'PSEUDONYM_SECRET'));
  });
});
