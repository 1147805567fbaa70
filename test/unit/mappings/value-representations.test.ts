/**
 * Value representations (spec 2.2), coding schemes (spec 2.1), identifiers (spec 10).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conceptKey, toCodeableConcept, toCoding } from '../../../mappings/coding.js';
import { asInstant, dtToFhirDateTime, toFhirDate, toFhirDateTime } from '../../../mappings/datetime.js';
import { isValidUid, num, parsePersonName, personNameDisplay, text, unsignedInt } from '../../../mappings/dicom-json.js';
import { fullUrlFor, identifierQuery } from '../../../mappings/identifiers.js';
import { Issues } from '../../../mappings/issues.js';
import { resolveContext } from '../../../mappings/context.js';
import { NAMESPACE_URL, uuidV5 } from '../../../mappings/uuid.js';
import { SPEC_CONTEXT, el } from './helpers.js';

const BERLIN = { defaultTimezone: 'Europe/Berlin', shiftDays: 0 };

describe('DA / TM / DT (spec 2.2)', () => {
  it('converts DA and pads TM, keeping fractions', () => {
    assert.equal(toFhirDate('20240724', BERLIN), '2024-07-24');
    assert.equal(toFhirDate('2024.07.24', BERLIN), '2024-07-24');
    assert.equal(toFhirDate('20240230', BERLIN), undefined);
    assert.equal(toFhirDateTime('20240724', '0815', '+0200', BERLIN), '2024-07-24T08:15:00+02:00');
    assert.equal(toFhirDateTime('20240724', '08', '-0500', BERLIN), '2024-07-24T08:00:00-05:00');
    assert.equal(toFhirDateTime('20240724', '081500.123456', '+0000', BERLIN), '2024-07-24T08:15:00.123456+00:00');
  });

  it('uses the configured zone at that date (DST aware), else only the date', () => {
    assert.equal(toFhirDateTime('20240115', '120000', undefined, BERLIN), '2024-01-15T12:00:00+01:00');
    assert.equal(toFhirDateTime('20240715', '120000', undefined, BERLIN), '2024-07-15T12:00:00+02:00');
    assert.equal(toFhirDateTime('20240715', '120000', undefined, { shiftDays: 0 }), '2024-07-15');
    assert.equal(toFhirDateTime('20240715', '120000', undefined, { defaultTimezone: 'Not/AZone', shiftDays: 0 }), '2024-07-15');
    assert.equal(toFhirDateTime(undefined, '120000', '+0200', BERLIN), undefined);
    assert.equal(toFhirDateTime('20240715', '25', '+0200', BERLIN), '2024-07-15');
  });

  it('DT: own offset wins; partial precision is kept', () => {
    assert.equal(dtToFhirDateTime('20240724101400+0200', '-0500', BERLIN), '2024-07-24T10:14:00+02:00');
    assert.equal(dtToFhirDateTime('20240724101400', '-0500', BERLIN), '2024-07-24T10:14:00-05:00');
    assert.equal(dtToFhirDateTime('202407', undefined, BERLIN), '2024-07');
    assert.equal(dtToFhirDateTime('2024', undefined, BERLIN), '2024');
    assert.equal(asInstant('2024-07-24'), undefined);
    assert.equal(asInstant('2024-07-24T10:14:00+02:00'), '2024-07-24T10:14:00+02:00');
  });

  it('shifts dates for de-identification', () => {
    assert.equal(toFhirDate('20240301', { shiftDays: -1 }), '2024-02-29');
  });
});

describe('PN, IS, DS, UI, text', () => {
  it('PN -> HumanName: first component group, middle names appended to given', () => {
    assert.deepEqual(parsePersonName('Doe^John^Paul^Dr.^Jr.=ドウ^ジョン'), { family: 'Doe', given: ['John', 'Paul'], prefix: ['Dr.'], suffix: ['Jr.'] });
    assert.equal(personNameDisplay('RAD^ANNA'), 'ANNA RAD');
    assert.equal(personNameDisplay('Fukuda^^^Dr.'), 'Fukuda');
    assert.equal(parsePersonName('^^^'), undefined);
  });

  it('IS -> unsignedInt drops negatives and fractions; DS accepts + and exponents', () => {
    assert.equal(unsignedInt({ x: el('IS', '-1') }, 'x'), undefined);
    assert.equal(unsignedInt({ x: el('IS', '2.5') }, 'x'), undefined);
    assert.equal(unsignedInt({ x: el('IS', ' 7 ') }, 'x'), 7);
    assert.equal(num({ x: el('DS', '+1.5E2') }, 'x'), 150);
    assert.equal(num({ x: el('DS', 'abc') }, 'x'), undefined);
  });

  it('UI validity per PS3.5 9.1', () => {
    assert.ok(isValidUid('1.2.840.10008.5.1.4.1.1.2'));
    assert.ok(!isValidUid('1.2.08'));
    assert.ok(!isValidUid(`1.${'2'.repeat(64)}`));
    assert.ok(!isValidUid('1.2.a'));
  });

  it('text VRs keep leading spaces and line breaks, drop trailing padding', () => {
    assert.equal(text({ x: el('UT', '  a\r\nb  ') }, 'x'), '  a\r\nb');
  });
});

describe('coding schemes (spec 2.1)', () => {
  const env = () => ({ localCodingSchemes: { '99HOSPA': 'https://hospital-a.example.org/fhir/CodeSystem/procedures' }, issues: new Issues() });

  it('maps the built-in designators, private ones via configuration, others to text only', () => {
    assert.deepEqual(toCoding({ value: 'C0034375', scheme: 'UMLS', meaning: 'Qualitative Evaluations' }, env()),
      { system: 'http://terminology.hl7.org/CodeSystem/umls', code: 'C0034375', display: 'Qualitative Evaluations' });
    assert.equal(toCoding({ value: 'C1', scheme: 'NCIt' }, env())!.system, 'http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl');
    assert.equal(toCoding({ value: 'X', scheme: '99HOSPA' }, env())!.system, 'https://hospital-a.example.org/fhir/CodeSystem/procedures');
    const e = env();
    assert.deepEqual(toCodeableConcept({ value: '1', scheme: '99dcmjs', meaning: 'Unknown procedure' }, e), { text: 'Unknown procedure' });
    assert.equal(e.issues.warnings[0].code, 'CODING_SCHEME_UNMAPPED');
  });

  it('translates SRT to SNOMED CT when known, else keeps snomed.info/srt with a warning', () => {
    assert.deepEqual(toCoding({ value: 'G-C0E3', scheme: 'SRT', meaning: 'Finding Site' }, env()), { system: 'http://snomed.info/sct', code: '363698007', display: 'Finding Site' });
    assert.equal(conceptKey({ value: 'G-A185', scheme: 'SRT' }), 'SCT:103339001');
    const e = env();
    assert.deepEqual(toCoding({ value: 'R-00345', scheme: 'SRT', meaning: 'Not significant' }, e), { system: 'http://snomed.info/srt', code: 'R-00345', display: 'Not significant' });
    assert.equal(e.issues.warnings[0].code, 'SRT_UNTRANSLATED');
  });
});

describe('identifiers (spec 10)', () => {
  it('UUIDv5 matches the RFC 4122 reference vector', () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org') == 886313e1-3b8a-5372-9b90-0c9aee199e5d
    assert.equal(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
    assert.match(uuidV5(NAMESPACE_URL, 'x'), /^[0-9a-f]{8}-[0-9a-f]{4}-5/u);
  });

  it('fullUrl = UUIDv5(UUIDv5(NAMESPACE_URL, identifierBase), type|system|value)', () => {
    const cfg = resolveContext(SPEC_CONTEXT);
    assert.equal(fullUrlFor({ resourceType: 'Patient', system: 'https://hospital-a.example.org/fhir/sid/mrn', value: 'MRN12345' }, cfg),
      'urn:uuid:010832d7-d798-54b8-84f2-68e95e025b2f');
  });

  it('escapes search-special characters of identifier values', () => {
    assert.equal(identifierQuery({ system: 'urn:x', value: 'A|B,C$D\\E' }), 'identifier=urn:x|A%5C%7CB%5C%2CC%5C%24D%5C%5CE');
    assert.equal(identifierQuery({ system: 'urn:x', value: 'a b&c' }), 'identifier=urn:x|a%20b%26c');
  });
});
