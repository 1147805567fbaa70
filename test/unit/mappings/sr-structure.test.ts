/**
 * SR walk and classification: every value and relationship type, by-reference items,
 * limits, report sections (findings, impressions, recommendations, addenda, context
 * headings incl. retired DCM codes) and the Condition rules of spec 8.2.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DicomDataset } from '../../../mappings/dicom-json.js';
import { Issues } from '../../../mappings/issues.js';
import { MAX_DEPTH, SrLimitError, parseContentTree } from '../../../mappings/sr/content-tree.js';
import { type MappedStudy, mapStudy } from '../../../mappings/index.js';
import { SPEC_CONTEXT, codeValue, containerValue, contentItem, el, numValue, pn, readCorpus, sq, textValue } from './helpers.js';
import { basicTextInstance, ctInstance } from './spec-examples.js';

const CTX = { ...SPEC_CONTEXT, defaultPatientIdSystem: 'urn:example:corpus-mrn' };

/** 9.c's header with a different content tree and flags. */
function report(children: DicomDataset[], flags: DicomDataset = {}, root: [string, string, string] = ['18748-4', 'LN', 'Diagnostic Imaging Report']): DicomDataset {
  const base = basicTextInstance();
  return { ...base, '0040A043': sq({ '00080100': el('SH', root[0]), '00080102': el('SH', root[1]), '00080104': el('LO', root[2]) }), '0040A730': sq(...children), ...flags };
}

const section = (code: [string, string, string], ...items: DicomDataset[]): DicomDataset =>
  contentItem('CONTAINS', 'CONTAINER', code, containerValue(), items);
const codedImpression = (code: string, meaning: string, mods: DicomDataset[] = []): DicomDataset =>
  contentItem('CONTAINS', 'CODE', ['121073', 'DCM', 'Impression'], codeValue(code, 'SCT', meaning), mods);

function run(sr: DicomDataset): MappedStudy {
  return mapStudy([ctInstance(), sr], SPEC_CONTEXT);
}

describe('content tree walk', () => {
  it('resolves by-reference items of test-SR (SELECTED FROM 1.3.2, INFERRED FROM 1.2.2.1) without recursion', () => {
    const issues = new Issues();
    const tree = parseContentTree(readCorpus('sr/test-SR.dcm')!, issues, 'x', true);
    const refs = tree.nodes.flatMap((n) => n.refs.map((r) => [n.path, r.rel, r.targetPath, r.target?.vt]));
    assert.deepEqual(refs, [['1.3.3', 'SELECTED FROM', '1.3.2', 'SCOORD'], ['1.5.1.1', 'INFERRED FROM', '1.2.2.1', 'CODE']]);
    assert.deepEqual(issues.warnings, []);
    // Every value type of the document is walked.
    assert.deepEqual([...new Set(tree.nodes.map((n) => n.vt))].sort(),
      ['CODE', 'COMPOSITE', 'CONTAINER', 'DATE', 'DATETIME', 'IMAGE', 'NUM', 'SCOORD', 'TCOORD', 'TEXT', 'TIME', 'UIDREF', 'WAVEFORM']);
  });

  it('warns on unresolved and not-permitted references but never throws', () => {
    const sr = report([contentItem('INFERRED FROM', 'TEXT', undefined, { '0040DB73': el('UL', 1, 9, 9) })]);
    const out = run(sr);
    assert.ok(out.warnings.some((w) => w.code === 'SR_REF_UNRESOLVED' && w.path === '1'));
    const ok = run(report([
      section(['59776-5', 'LN', 'Findings'], contentItem('CONTAINS', 'TEXT', ['121071', 'DCM', 'Finding'], textValue('x'))),
      contentItem('INFERRED FROM', 'TEXT', undefined, { '0040DB73': el('UL', 1, 1, 1) }),
    ]));
    assert.ok(ok.warnings.some((w) => w.code === 'SR_REF_NOT_PERMITTED'), 'by-reference in Basic Text SR is accepted with a warning');
  });

  it(`enforces the depth limit (${MAX_DEPTH}) and skips such an SR with a warning`, () => {
    let deep = contentItem('CONTAINS', 'TEXT', ['121071', 'DCM', 'Finding'], textValue('deep'));
    for (let i = 0; i < MAX_DEPTH + 1; i += 1) deep = contentItem('CONTAINS', 'CONTAINER', ['121070', 'DCM', 'Findings'], containerValue(), [deep]);
    assert.throws(() => parseContentTree(report([deep]), new Issues(), 'x', false), SrLimitError);
    const out = run(report([deep]));
    assert.ok(out.warnings.some((w) => w.code === 'SR_LIMIT'));
    assert.deepEqual(out.observations, []);
  });
});

describe('report classification (spec 5.5) and Conditions (spec 8)', () => {
  it('recognises retired DCM headings, recommendations, addenda and context headings', () => {
    const out = run(report([
      section(['121060', 'DCM', 'History'], contentItem('CONTAINS', 'TEXT', ['121060', 'DCM', 'History'], textValue('Smoker'))),
      section(['121070', 'DCM', 'Findings'], contentItem('CONTAINS', 'TEXT', ['121071', 'DCM', 'Finding'], textValue('Nodule RUL')),
        contentItem('CONTAINS', 'NUM', ['81827009', 'SCT', 'Diameter'], numValue('8', ['mm', 'UCUM', 'millimeter']))),
      section(['121072', 'DCM', 'Impressions'], contentItem('CONTAINS', 'TEXT', ['121073', 'DCM', 'Impression'], textValue('Likely benign.'))),
      section(['18783-1', 'LN', 'Recommendations'], contentItem('CONTAINS', 'TEXT', ['121075', 'DCM', 'Recommendation'], textValue('CT in 12 months'))),
      section(['55107-7', 'LN', 'Addendum'], contentItem('CONTAINS', 'TEXT', ['121078', 'DCM', 'Addendum'], textValue('Compared with 2023.'))),
    ]));
    assert.deepEqual(out.findings.map((f) => [f.path, f.findingType]),
      [['1.2.1', 'finding'], ['1.2.2', 'measurement'], ['1.3.1', 'impression'], ['1.4.1', 'recommendation'], ['1.5.1', 'impression']]);
    assert.equal(out.diagnosticReports[0].conclusion, 'Likely benign.\nAddendum: Compared with 2023.');
    const rec = out.observations.find((o) => o.valueString === 'CT in 12 months')!;
    assert.deepEqual(rec.code, { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '121075', display: 'Recommendation' }] });
    assert.equal(out.observations.length, 3, 'history is context only; impressions go to the report');
    assert.deepEqual(out.diagnosticReports[0].result!.length, 3);
  });

  it('creates Conditions only from affirmed SNOMED CT coded impressions of final reports', () => {
    const sections = [section(['19005-8', 'LN', 'Impressions'],
      codedImpression('233604007', 'Pneumonia'),
      codedImpression('254637007', 'Lung cancer', [contentItem('HAS CONCEPT MOD', 'CODE', ['408729009', 'SCT', 'Finding context'], codeValue('2667000', 'SCT', 'Absent'))]),
      contentItem('CONTAINS', 'CODE', ['121073', 'DCM', 'Impression'], codeValue('X1', '99HOSPA', 'Local code')),
      contentItem('CONTAINS', 'CODE', ['439401001', 'SCT', 'Diagnosis'], codeValue('195967001', 'SCT', 'Asthma')))];
    const final = run(report(sections));
    assert.deepEqual(final.conditions.map((c) => c.code!.coding![0].code), ['233604007', '195967001']);
    assert.equal(final.diagnosticReports[0].conclusionCode!.length, 4);
    assert.deepEqual(final.findings.map((f) => f.findingType), ['coded_diagnosis', 'coded_diagnosis', 'impression', 'coded_diagnosis']);
    const unverified = run(report(sections, { '0040A493': el('CS', 'UNVERIFIED') }));
    assert.deepEqual(unverified.conditions, [], 'UNVERIFIED report -> preliminary -> no Condition');
    const partial = run(report(sections, { '0040A491': el('CS', 'PARTIAL') }));
    assert.deepEqual(partial.conditions, []);
    const relaxed = mapStudy([ctInstance(), report(sections, { '0040A493': el('CS', 'UNVERIFIED') })],
      { ...SPEC_CONTEXT, condition: { minReportStatus: 'preliminary', verificationStatus: 'confirmed' } });
    assert.equal(relaxed.conditions.length, 2);
    assert.equal(relaxed.conditions[0].verificationStatus!.coding![0].code, 'confirmed');
  });

  it('never creates a Condition from metadata, findings or TID 1500 content', () => {
    const withReason = { ...ctInstance(), '0040100A': sq({ '00080100': el('SH', '233604007'), '00080102': el('SH', 'SCT'), '00080104': el('LO', 'Pneumonia') }) };
    const meta = mapStudy([withReason], SPEC_CONTEXT);
    assert.deepEqual(meta.conditions, []);
    assert.deepEqual(meta.imagingStudy!.reasonCode, [{ coding: [{ system: 'http://snomed.info/sct', code: '233604007', display: 'Pneumonia' }], text: 'Persistent cough' }]);
    const finding = run(report([section(['59776-5', 'LN', 'Findings'], contentItem('CONTAINS', 'CODE', ['121071', 'DCM', 'Finding'], codeValue('233604007', 'SCT', 'Pneumonia')))]));
    assert.deepEqual(finding.conditions, []);
    const template1500 = { '0040A504': sq({ '00080105': el('CS', 'DCMR'), '0040DB00': el('CS', '1500') }) };
    const tid1500 = run(report([section(['19005-8', 'LN', 'Impressions'], codedImpression('233604007', 'Pneumonia'))], template1500, ['126000', 'DCM', 'Imaging Measurement Report']));
    assert.deepEqual(tid1500.conditions, []);
  });

  it('skips subtrees whose Subject Class is not the patient (spec 5.4)', () => {
    const fetus = section(['59776-5', 'LN', 'Findings'],
      contentItem('HAS OBS CONTEXT', 'CODE', ['121024', 'DCM', 'Subject Class'], codeValue('121026', 'DCM', 'Fetus')),
      contentItem('CONTAINS', 'TEXT', ['121071', 'DCM', 'Finding'], textValue('Fetal finding')));
    const out = run(report([fetus, section(['19005-8', 'LN', 'Impressions'], codedImpression('233604007', 'Pneumonia'))]));
    assert.deepEqual(out.observations, []);
    assert.ok(out.warnings.some((w) => w.code === 'SR_SUBJECT_NOT_PATIENT'));
    assert.equal(out.conditions.length, 1);
  });

  it('reads observers and person names only as display references', () => {
    const out = mapStudy([readCorpus('sr/test-SR.dcm')!], CTX);
    assert.deepEqual(out.diagnosticReports[0].resultsInterpreter, [{ display: 'Jörg Riesmeier' }, { display: 'Verifying Observer' }]);
    const dfl = mapStudy([readCorpus('sr/report_dfl.dcm')!], CTX);
    // PNAME content items (Referring Physician, Physician) are walked but never become values.
    assert.ok(!JSON.stringify(dfl.observations).includes('Fukuda'));
    assert.equal(dfl.observations.filter((o) => o.valueString).length, 10); // 8 Description + Diagnosis + Treatment
  });

  it('maps test-SR evidence: INFERRED FROM text and HAS PROPERTIES coordinates', () => {
    const out = mapStudy([readCorpus('sr/test-SR.dcm')!], CTX);
    const sample = out.observations.find((o) => o.identifier![0].value!.endsWith(':1.3'))!;
    const inferred = out.bundle!.entry.find((e) => e.resource.resourceType === 'Observation' && (e.resource as { identifier?: Array<{ value?: string }> }).identifier?.[0].value?.endsWith(':1.3.1'))!;
    assert.deepEqual(sample.derivedFrom!.map((r) => r.extension?.[0].extension?.find((x) => x.url === 'graphicType')?.valueCode ?? r.reference),
      ['CIRCLE', 'SEGMENT', inferred.fullUrl]);
    assert.deepEqual(sample.code, { text: 'Code' });
  });
});

describe('patients in SR headers', () => {
  it('person observer names are PN objects in DICOM JSON', () => {
    const sr = basicTextInstance();
    assert.deepEqual((sr['0040A073']!.Value![0] as DicomDataset)['0040A075'], pn('SMITH^ANNA'));
  });
});
