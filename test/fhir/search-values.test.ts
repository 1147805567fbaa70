/**
 * The pure parts of FHIR search: date spans and prefixes (R4 search.html#date),
 * escaping, and the values extracted from a resource at write time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dateSpan, prefixComparisons } from '../../fhir/search/dates.js';
import { extractIndex } from '../../fhir/search/extract.js';
import { searchParamRegistry } from '../../fhir/search/params.js';
import { parseSearch, splitEscaped } from '../../fhir/search/parse-search.js';
import { FhirError } from '../../fhir/outcomes.js';

const registry = searchParamRegistry('https://fhir.example.org');

describe('FHIR search values', () => {
  it('a date covers its whole precision, in UTC', () => {
    assert.deepEqual(dateSpan('2024'), { lo: '2024-01-01T00:00:00.000Z', hi: '2024-12-31T23:59:59.999Z' });
    assert.deepEqual(dateSpan('2024-02'), { lo: '2024-02-01T00:00:00.000Z', hi: '2024-02-29T23:59:59.999Z' });
    assert.deepEqual(dateSpan('2024-07-24'), { lo: '2024-07-24T00:00:00.000Z', hi: '2024-07-24T23:59:59.999Z' });
    assert.deepEqual(dateSpan('2024-07-24T08:15+02:00'), { lo: '2024-07-24T06:15:00.000Z', hi: '2024-07-24T06:15:59.999Z' });
    assert.deepEqual(dateSpan('2024-07-24T08:15:00-05:30'), { lo: '2024-07-24T13:45:00.000Z', hi: '2024-07-24T13:45:00.999Z' });
    assert.deepEqual(dateSpan('2024-07-24T08:15:00.25Z'), { lo: '2024-07-24T08:15:00.250Z', hi: '2024-07-24T08:15:00.250Z' });
    assert.deepEqual(dateSpan('2024-12-31T23:59:59'), { lo: '2024-12-31T23:59:59.000Z', hi: '2024-12-31T23:59:59.999Z' });
    for (const bad of ['', '24', '2024-13', '2024-02-30', '2024-07-24T25:00', 'yesterday', '2024-07-24 08:15']) assert.equal(dateSpan(bad), undefined, bad);
  });

  it('prefixes compare spans as R4 defines them', () => {
    const q = dateSpan('2024-07-24')!;
    const holds = (prefix: Parameters<typeof prefixComparisons>[0], target: string) => {
      const t = dateSpan(target)!;
      return prefixComparisons(prefix, q).some((all) => all.every((c) => {
        const v = t[c.field];
        return c.op === '<' ? v < c.value : c.op === '<=' ? v <= c.value : c.op === '>' ? v > c.value : v >= c.value;
      }));
    };
    assert.deepEqual(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'].map((p) => holds(p as any, '2024-07-24T10:00Z')), [true, false, false, false, true, true, false, false]);
    assert.deepEqual(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'].map((p) => holds(p as any, '2024-07-25')), [false, true, true, false, true, false, true, false]);
    assert.deepEqual(['eq', 'gt', 'lt', 'ge', 'le'].map((p) => holds(p as any, '2024-07')), [false, true, true, true, true], 'a month overlapping the day');
  });

  it('splits on unescaped separators only', () => {
    assert.deepEqual(splitEscaped('a,b\\,c,d\\\\', ','), ['a', 'b,c', 'd\\']);
    assert.deepEqual(splitEscaped('http://x|a\\|b', '|'), ['http://x', 'a|b']);
  });

  it('parses token forms, string modifiers and paging, and refuses the unknown', () => {
    const ctx = { registry, defaultCount: 20, maxCount: 100 };
    const req = parseSearch('Observation', { code: ['http://loinc.org|1,|2,3,http://snomed.info/sct|'], _count: '500', _offset: '10', _sort: '_id' }, ctx);
    assert.deepEqual(req.conditions, [{ kind: 'token', param: 'code', anyOf: [{ system: 'http://loinc.org', code: '1' }, { system: null, code: '2' }, { code: '3' }, { system: 'http://snomed.info/sct' }] }]);
    assert.deepEqual([req.count, req.offset, req.sort], [100, 10, { by: 'id', descending: false }]);
    assert.deepEqual(parseSearch('Patient', { 'name:contains': 'MÜL' }, ctx).conditions, [{ kind: 'string', param: 'name', match: 'contains', anyOf: ['mul'] }]);
    assert.throws(() => parseSearch('Patient', { 'name:missing': 'true' }, ctx), (e: unknown) => e instanceof FhirError && e.status === 400);
    assert.throws(() => parseSearch('Patient', { modality: 'CT' }, ctx), /Unknown or unsupported search parameter "modality" for Patient/);
  });

  it('extracts indexed values from an ImagingStudy', () => {
    const index = extractIndex({
      resourceType: 'ImagingStudy', id: 'x', status: 'available', subject: { reference: 'Patient/p1' }, started: '2024-07-24T08:15:00+02:00',
      identifier: [{ system: 'urn:dicom:uid', value: 'urn:oid:1.2' }],
      endpoint: [{ reference: 'Endpoint/e1' }],
      series: [
        { uid: '1.2.1', modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }, bodySite: { system: 'http://snomed.info/sct', code: '816094009' },
          instance: [{ uid: '1.2.1.1', sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' } }] },
        { uid: '1.2.2', modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' } },
      ],
    }, registry.ImagingStudy);
    const of = (param: string) => index.filter((e) => e.param === param);
    assert.deepEqual(of('identifier'), [{ param: 'identifier', kind: 'token', code: 'urn:oid:1.2', system: 'urn:dicom:uid' }]);
    assert.deepEqual(of('patient'), [{ param: 'patient', kind: 'reference', ref: 'Patient/p1' }]);
    assert.deepEqual(of('modality'), [{ param: 'modality', kind: 'token', code: 'CT', system: 'http://dicom.nema.org/resources/ontology/DCM' }], 'deduplicated');
    assert.deepEqual(of('status'), [{ param: 'status', kind: 'token', code: 'available', system: 'http://hl7.org/fhir/imagingstudy-status' }]);
    assert.deepEqual(of('started'), [{ param: 'started', kind: 'date', lo: '2024-07-24T06:15:00.000Z', hi: '2024-07-24T06:15:00.999Z' }]);
    assert.deepEqual(of('series').map((e) => (e as any).code), ['1.2.1', '1.2.2']);
    assert.deepEqual(of('dicom-class').map((e) => (e as any).code), ['urn:oid:1.2.840.10008.5.1.4.1.1.2']);
    assert.deepEqual(of('endpoint'), [{ param: 'endpoint', kind: 'reference', ref: 'Endpoint/e1' }]);
  });
});
