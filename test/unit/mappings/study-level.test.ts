/**
 * Patient (spec 3), ImagingStudy details (spec 4), body part table (spec 4.6),
 * procedure matching (seed doc Appendix A/B) and the Clinical Context summary.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodyPartCoding, bodyPartTermForCode } from '../../../mappings/body-part.js';
import { BODY_PART_TABLE } from '../../../mappings/data/body-parts.js';
import { DEFAULT_PROCEDURE_TABLE, mapStudy, matchProcedures } from '../../../mappings/index.js';
import { SPEC_CONTEXT, codeSq, el, pn, sq } from './helpers.js';
import { basicTextInstance, ctInstance, tid1500Instance } from './spec-examples.js';

/** The spec 4.6 minimum table, verbatim. */
const SPEC_MINIMUM: Array<[string, string, string]> = [
  ['ABDOMEN', '818981001', 'Abdomen'], ['ABDOMENPELVIS', '818982008', 'Abdomen and Pelvis'], ['ANKLE', '70258002', 'Ankle joint'],
  ['ARM', '40983000', 'Upper arm'], ['BREAST', '76752008', 'Breast'], ['CHEST', '816094009', 'Chest'],
  ['CHESTABDOMEN', '416550000', 'Chest and Abdomen'], ['CHESTABDPELVIS', '416775004', 'Chest, Abdomen and Pelvis'],
  ['CSPINE', '122494005', 'Cervical spine'], ['ELBOW', '16953009', 'Elbow joint'], ['EXTREMITY', '66019005', 'Extremity'],
  ['FOOT', '56459004', 'Foot'], ['FOREARM', '14975008', 'Forearm'], ['HAND', '85562004', 'Hand'], ['HEAD', '69536005', 'Head'],
  ['HIP', '24136001', 'Hip joint'], ['KNEE', '72696002', 'Knee'], ['LEG', '30021000', 'Lower leg'], ['LSPINE', '122496007', 'Lumbar spine'],
  ['NECK', '45048000', 'Neck'], ['PELVIS', '816092008', 'Pelvis'], ['PROSTATE', '41216001', 'Prostate'], ['SHOULDER', '16982005', 'Shoulder'],
  ['SKULL', '89546000', 'Skull'], ['SPINE', '421060004', 'Spine'], ['TSPINE', '122495006', 'Thoracic spine'], ['WHOLEBODY', '38266002', 'Entire body'],
  ['WRIST', '74670003', 'Wrist joint'], ['HEADNECK', '774007', 'Head and Neck'], ['HEART', '80891009', 'Heart'],
];

describe('Body Part Examined -> SNOMED CT (spec 4.6)', () => {
  it('contains the spec minimum table exactly and a full Annex L table', () => {
    for (const [term, code, display] of SPEC_MINIMUM) assert.deepEqual(bodyPartCoding(term), { system: 'http://snomed.info/sct', code, display }, term);
    assert.ok(BODY_PART_TABLE.length > 300);
    assert.deepEqual(bodyPartCoding(' knee '), bodyPartCoding('KNEE'));
    assert.equal(bodyPartCoding('WHOLE BODY')!.code, '38266002');
    assert.equal(bodyPartCoding('NOT-A-PART'), undefined);
  });

  it('reads older editions and SRT codes back to the term', () => {
    assert.equal(bodyPartTermForCode({ value: '113345001', scheme: 'SCT' }), 'ABDOMEN');
    assert.equal(bodyPartTermForCode({ value: '818981001', scheme: 'SCT' }), 'ABDOMEN');
    assert.equal(bodyPartTermForCode({ value: 'T-D9200', scheme: 'SRT' }), 'KNEE');
  });

  it('prefers Anatomic Region Sequence, applies laterality and warns on unknown terms', () => {
    const ds = { ...ctInstance(), '00082218': codeSq('T-D9200', 'SRT', 'Knee'), '00200060': el('CS', 'L') };
    const series = mapStudy([ds], SPEC_CONTEXT).imagingStudy!.series![0];
    assert.deepEqual(series.bodySite, { system: 'http://snomed.info/sct', code: '72696002', display: 'Knee' });
    assert.deepEqual(series.laterality, { system: 'http://snomed.info/sct', code: '7771000', display: 'Left' });
    const unknown = mapStudy([{ ...ctInstance(), '00180015': el('CS', 'ELBOWS') }], SPEC_CONTEXT);
    assert.equal(unknown.imagingStudy!.series![0].bodySite, undefined);
    assert.ok(unknown.warnings.some((w) => w.code === 'BODY_PART_UNKNOWN'));
  });

  it('uses Image Laterality only when all instances agree', () => {
    const a = { ...ctInstance(), '00200062': el('CS', 'R') };
    const b = { ...ctInstance('2.25.10001.1.2', 2), '00200062': el('CS', 'R') };
    const c = { ...ctInstance('2.25.10001.1.3', 3), '00200062': el('CS', 'L') };
    assert.equal(mapStudy([a, b], SPEC_CONTEXT).imagingStudy!.series![0].laterality!.code, '24028007');
    assert.equal(mapStudy([a, b, c], SPEC_CONTEXT).imagingStudy!.series![0].laterality, undefined);
  });
});

describe('Patient (spec 3)', () => {
  it('takes the system from the Issuer of Patient ID Qualifiers (ISO -> urn:oid)', () => {
    const ds = { ...ctInstance(), '00100024': sq({ '00400032': el('UT', '1.2.3.4'), '00400033': el('CS', 'ISO') }) };
    assert.equal(mapStudy([ds], SPEC_CONTEXT).patient!.identifier![0].system, 'urn:oid:1.2.3.4');
  });

  it('has no system-less identifiers: unknown issuer without default is fatal for the study', () => {
    const out = mapStudy([{ ...ctInstance(), '00100021': el('LO', 'OTHER') }], SPEC_CONTEXT);
    assert.equal(out.bundle, undefined);
    assert.ok(out.errors.some((e) => e.code === 'PATIENT_ID_SYSTEM'));
    assert.ok(out.summaryText.startsWith('CT of Chest'), 'summary and matches are still available');
  });

  it('keys an empty PatientID by StudyInstanceUID and tags it unmatched-patient', () => {
    const out = mapStudy([{ ...ctInstance(), '00100020': el('LO', '') }], SPEC_CONTEXT);
    assert.deepEqual(out.patient!.identifier, [{ system: 'https://fhir.example.org/sid/unidentified-patient', value: '2.25.10001' }]);
    assert.ok(out.patient!.meta!.tag!.some((t) => t.code === 'unmatched-patient'));
    assert.deepEqual(out.patient!.name, [{ family: 'DOE', given: ['JOHN'] }]);
  });
});

describe('ImagingStudy details (spec 4)', () => {
  it('adds referrer, interpreters, operators and basedOn when configured', () => {
    const ds = { ...ctInstance(), '00080090': pn('WHO^REFERS'), '00081060': pn('READ^ONE', 'READ^TWO'), '00081070': pn('OPER^ATOR') };
    const study = mapStudy([ds], { ...SPEC_CONTEXT, emitServiceRequestRef: true }).imagingStudy!;
    assert.deepEqual(study.referrer, { display: 'REFERS WHO' });
    assert.deepEqual(study.interpreter, [{ display: 'ONE READ' }, { display: 'TWO READ' }]);
    assert.deepEqual(study.series![0].performer!.map((p) => [p.function!.coding![0].code, p.actor.display]), [['PRF', 'ANNA RAD'], ['SPRF', 'ATOR OPER']]);
    assert.deepEqual(study.basedOn![0].type, 'ServiceRequest');
    assert.equal(study.basedOn![0].identifier!.value, 'ACC-0001');
  });

  it('missing Modality becomes OT; invalid UIDs skip the instance', () => {
    const noModality = { ...ctInstance() };
    delete noModality['00080060'];
    const out = mapStudy([noModality, { ...ctInstance('2.25.010', 2) }], SPEC_CONTEXT);
    assert.equal(out.imagingStudy!.series![0].modality.code, 'OT');
    assert.equal(out.imagingStudy!.modality, undefined);
    assert.equal(out.imagingStudy!.numberOfInstances, 1);
    assert.ok(out.errors.some((e) => e.code === 'REQUIRED_UID'));
  });
});

describe('procedure matching (seed doc Appendix A/B)', () => {
  it('KNEE + MR -> knee replacement 27447 with confidence >= 0.95', () => {
    const [best, second] = matchProcedures('KNEE', 'MR');
    assert.deepEqual([best.procedure, best.cptCode, best.requirement, best.matchType], ['knee_replacement', '27447', 'Knee MRI', 'exact']);
    assert.ok(best.confidence >= 0.95);
    assert.deepEqual([second.procedure, second.requirement, second.confidence], ['acl_reconstruction', 'Knee MRI', best.confidence]);
  });

  it('covers the Appendix B body parts and modalities', () => {
    const top = (part: string, mod: string) => matchProcedures(part, mod).filter((m) => m.confidence >= 0.95).map((m) => m.procedure);
    assert.ok(top('HIP', 'DX').includes('hip_replacement'));
    for (const part of ['SPINE', 'LSPINE', 'CSPINE']) assert.ok(top(part, 'MR').includes('spinal_fusion'));
    assert.ok(top('HEART', 'US').includes('cabg') && top('CHEST', 'CR').includes('cabg'));
    assert.ok(top('SHOULDER', 'MR').includes('rotator_cuff'));
    assert.ok(top('ABDOMEN', 'CT').includes('bariatric'));
    assert.ok(top('BRAIN', 'MR').includes('craniotomy') && top('HEAD', 'CT').includes('craniotomy'));
    assert.ok(top('BREAST', 'MG').includes('mastectomy'));
    assert.equal(matchProcedures('HEART', 'XA').find((m) => m.procedure === 'cabg')!.requirement, 'Cardiac Catheterization');
  });

  it('partial evidence scores lower', () => {
    const related = matchProcedures('LSSPINE', 'MR').find((m) => m.procedure === 'spinal_fusion')!;
    assert.equal(related.matchType, 'related-body-part');
    assert.ok(related.confidence < 0.95 && related.confidence > 0.6);
    const implied = matchProcedures(undefined, 'ECG').find((m) => m.procedure === 'cabg')!;
    assert.equal(implied.matchType, 'implied-body-part');
    const wrongModality = matchProcedures('KNEE', 'US');
    assert.ok(wrongModality.every((m) => m.matchType === 'body-part-only' && m.confidence < 0.95));
    assert.deepEqual(matchProcedures(undefined, 'MR'), []);
  });

  it('uses a configured table instead of the default', () => {
    const table = [{ ...DEFAULT_PROCEDURE_TABLE[0], procedure: 'custom', bodyParts: ['ELBOW'], modalities: ['MR'] }];
    assert.deepEqual(matchProcedures('ELBOW', 'MR', table).map((m) => m.procedure), ['custom']);
    const out = mapStudy([{ ...ctInstance(), '00180015': el('CS', 'ELBOW'), '00080060': el('CS', 'MR') }], { ...SPEC_CONTEXT, procedureTable: table });
    assert.deepEqual(out.procedureMatches.map((m) => [m.procedure, m.studyDate]), [['custom', '2024-07-24']]);
  });
});

describe('Clinical Context summary', () => {
  it('renders modality, body part, date, description, findings, measurements and impressions', () => {
    const out = mapStudy([ctInstance(), tid1500Instance(), basicTextInstance()], SPEC_CONTEXT);
    assert.equal(out.summaryText, [
      'CT of Chest, Study Date: 2024-07-24. CT CHEST WITH CONTRAST',
      'Findings:',
      '- Finding: Nodule',
      '- Severity: Mild',
      '- Finding: Consolidation in the right lower lobe with air bronchograms. No pleural effusion.',
      'Measurements:',
      '- Diameter: 12.5 mm',
      '- Volume: 1023 mm3',
      'Impressions:',
      '- Right lower lobe pneumonia.',
      '- Pneumonia (SNOMED CT 233604007)',
    ].join('\n'));
  });

  it('falls back to metadata only, with laterality, for image-only studies', () => {
    const ds = { ...ctInstance(), '00080060': el('CS', 'MR'), '00180015': el('CS', 'KNEE'), '00200060': el('CS', 'L'), '00081030': el('LO', 'MRI LEFT KNEE') };
    assert.equal(mapStudy([ds], SPEC_CONTEXT).summaryText, 'MR of Knee, Left, Study Date: 2024-07-24. MRI LEFT KNEE');
  });
});

describe('robustness', () => {
  it('never throws on empty or malformed input', () => {
    const junk = [
      {}, { '0020000D': { vr: 'UI' } }, { '0040A730': { vr: 'SQ', Value: ['not an item', null, 5] } },
      { ...basicTextInstance(), '0040A730': { vr: 'SQ', Value: [{ '0040A040': { vr: 'CS', Value: [null] } }] } },
      { ...ctInstance(), '00100010': { vr: 'PN', Value: ['PLAIN^STRING'] }, '00200013': { vr: 'IS', Value: ['x'] } },
    ];
    assert.equal(mapStudy([], SPEC_CONTEXT).errors[0].code, 'NO_VALID_INSTANCES');
    for (const ds of junk) assert.doesNotThrow(() => mapStudy([ds], SPEC_CONTEXT));
    const out = mapStudy([junk[4]], SPEC_CONTEXT);
    assert.deepEqual(out.patient!.name, [{ family: 'PLAIN', given: ['STRING'] }]);
    assert.equal(out.imagingStudy!.series![0].instance![0].number, undefined);
  });
});
