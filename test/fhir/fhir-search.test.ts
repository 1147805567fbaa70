/**
 * FHIR search over studies stored through STOW-RS: every supported parameter
 * type, paging links, _include/_revinclude, on the embedded and MongoDB
 * backends. The expected sets come from the stored resources themselves
 * (read by id) or from the DICOM files (dcmdump), not from the code under test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newUid } from '../fixtures/synthetic-dicom.js';
import { CORPUS_DIR, dcmdumpUids } from '../helpers/corpus.js';
import type { TestApp } from '../helpers/test-app.js';
import { basicTextReport, ctImage } from './fixtures.js';
import { allPages, get, matchIds, startFhirApp, store } from './helpers.js';

const TID1500 = 'sr/dwv-tid1500-circle.dcm';
const CT = 'ct/CT_small.dcm';
const MR = 'mr/MR_small.dcm';

for (const backend of ['embedded+fs', 'mongodb+s3'] as const) {
  describe(`FHIR search (${backend})`, () => {
    let t: TestApp;
    const reportStudy = newUid();
    const uid = (file: string) => dcmdumpUids(CORPUS_DIR + file).StudyInstanceUID;
    const studyOf = async (studyUid: string) => {
      const b = await get(t.app, `/fhir/ImagingStudy?identifier=urn:dicom:uid|urn:oid:${studyUid}`);
      assert.equal(b.total, 1, `one ImagingStudy for ${studyUid}`);
      return b.entry[0].resource;
    };

    before(async () => {
      t = await startFhirApp(backend);
      await store(t, [TID1500, CT, MR]);
      await store(t, [ctImage(reportStudy), basicTextReport({ studyUid: reportStudy })]);
    });
    after(async () => {
      await t?.close();
    });

    it('token: identifier with and without system, modality with system, status', async () => {
      const ct = await studyOf(uid(CT));
      assert.deepEqual(matchIds(await get(t.app, `/fhir/ImagingStudy?identifier=urn:oid:${uid(CT)}`)), [ct.id]);
      assert.deepEqual(matchIds(await get(t.app, '/fhir/ImagingStudy?identifier=urn:dicom:uid|urn:oid:9.9.9')), []);
      const mr = await studyOf(uid(MR));
      assert.deepEqual(matchIds(await get(t.app, '/fhir/ImagingStudy?modality=MR')), [mr.id]);
      assert.deepEqual(matchIds(await get(t.app, '/fhir/ImagingStudy?modality=http://dicom.nema.org/resources/ontology/DCM|MR')), [mr.id]);
      assert.deepEqual(matchIds(await get(t.app, '/fhir/ImagingStudy?modality=http://loinc.org|MR')), []);
      const srStudy = await studyOf(uid(TID1500));
      assert.ok(matchIds(await get(t.app, '/fhir/ImagingStudy?modality=SR')).includes(srStudy.id), 'series modality SR is searchable');
      assert.equal((await get(t.app, '/fhir/ImagingStudy?status=available&_count=0')).total, 4);
      assert.equal((await get(t.app, '/fhir/ImagingStudy?status=http://hl7.org/fhir/imagingstudy-status|available&_summary=count')).total, 4);
      assert.equal((await get(t.app, '/fhir/ImagingStudy?status=cancelled')).total, 0);
    });

    it('token: bodysite, Observation code and category, comma = OR, repeated = AND', async () => {
      const report = await studyOf(reportStudy);
      assert.ok(matchIds(await get(t.app, '/fhir/ImagingStudy?bodysite=http://snomed.info/sct|816094009')).includes(report.id), 'CHEST');
      const observations = await allPages(t.app, '/fhir/Observation?_count=7');
      const someCode = observations[0].code.coding[0];
      const withCode = observations.filter((o) => o.code.coding?.some((c: any) => c.system === someCode.system && c.code === someCode.code));
      assert.deepEqual(matchIds(await get(t.app, `/fhir/Observation?code=${encodeURIComponent(`${someCode.system}|${someCode.code}`)}&_count=100`)),
        withCode.map((o) => o.id).sort());
      const imaging = observations.filter((o) => o.category?.some((c: any) => c.coding?.some((x: any) => x.code === 'imaging')));
      assert.equal((await get(t.app, '/fhir/Observation?category=imaging&_count=0')).total, imaging.length);
      const qualitative = observations.filter((o) => o.category?.some((c: any) => c.coding?.some((x: any) => x.code === 'C0034375')));
      assert.ok(qualitative.length > 0 && qualitative.length < imaging.length, 'some, not all, imaging Observations are qualitative');
      assert.equal((await get(t.app, '/fhir/Observation?category=imaging&category=C0034375&_count=0')).total, qualitative.length, 'AND');
      assert.equal((await get(t.app, '/fhir/Observation?category=C0034375,imaging&_count=0')).total, imaging.length, 'OR');
    });

    it('reference: patient, subject, derived-from, result; Type/id, bare id and :Type forms', async () => {
      const report = await studyOf(reportStudy);
      const patientId = report.subject.reference.split('/')[1];
      assert.deepEqual(matchIds(await get(t.app, `/fhir/ImagingStudy?patient=${patientId}`)), [report.id]);
      assert.deepEqual(matchIds(await get(t.app, `/fhir/ImagingStudy?subject=Patient/${patientId}`)), [report.id]);
      assert.deepEqual(matchIds(await get(t.app, `/fhir/ImagingStudy?subject:Patient=${patientId}`)), [report.id]);
      assert.deepEqual(matchIds(await get(t.app, `/fhir/DiagnosticReport?subject=http://elsewhere/fhir/Patient/${patientId}`)).length, 1);
      const srStudy = await studyOf(uid(TID1500));
      const observations = await allPages(t.app, `/fhir/Observation?derived-from=ImagingStudy/${srStudy.id}&_count=5`);
      assert.ok(observations.length > 0, 'Observations derived from the study');
      for (const o of observations) assert.ok(o.derivedFrom.some((d: any) => d.reference === `ImagingStudy/${srStudy.id}`), o.id);
      const dr = (await get(t.app, `/fhir/DiagnosticReport?imaging-study=${srStudy.id}`)).entry[0].resource;
      const first = dr.result[0].reference.split('/')[1];
      assert.deepEqual(matchIds(await get(t.app, `/fhir/DiagnosticReport?result=${first}`)), [dr.id]);
    });

    it('date: started and date with eq, ge, le, gt, lt and partial precision', async () => {
      const report = await studyOf(reportStudy);
      assert.equal(report.started, '2024-07-24T08:15:00+02:00');
      const started = async (q: string) => matchIds(await get(t.app, `/fhir/ImagingStudy?started=${encodeURIComponent(q)}`)).includes(report.id);
      assert.ok(matchIds(await get(t.app, '/fhir/ImagingStudy?started=2024-07-24T08:15+02:00')).includes(report.id), 'unencoded + of the offset');
      for (const q of ['2024', '2024-07', '2024-07-24', 'eq2024-07-24T06:15:00Z', '2024-07-24T08:15+02:00', 'ge2024-07-24', 'le2024-07-24', 'gt2024-07-23', 'lt2024-07-25', 'ge2024-07-24T06:15:00Z']) {
        assert.ok(await started(q), `started=${q} matches`);
      }
      for (const q of ['2023', '2024-07-25', 'gt2024-07-24', 'lt2024-07-24', 'eq2024-07-24T06:16Z', 'ge2024-07-24T08:00:00Z']) {
        assert.ok(!(await started(q)), `started=${q} does not match`);
      }
      const dr = await get(t.app, '/fhir/DiagnosticReport?date=2024-07-24&code=http://loinc.org|18748-4');
      assert.ok(dr.entry.some((e: any) => e.resource.identifier?.[0]?.value?.includes('urn:oid:')), 'the report of that day');
      assert.equal((await get(t.app, '/fhir/Condition?recorded-date=ge2024-07-24T08:00:00Z')).total, 1);
    });

    it('_id, _lastUpdated, Patient name (string) and Condition code', async () => {
      const report = await studyOf(reportStudy);
      assert.deepEqual(matchIds(await get(t.app, `/fhir/ImagingStudy?_id=${report.id},nope`)), [report.id]);
      const since = report.meta.lastUpdated;
      assert.ok(matchIds(await get(t.app, `/fhir/ImagingStudy?_lastUpdated=ge${since}&_count=100`)).includes(report.id));
      assert.equal((await get(t.app, `/fhir/ImagingStudy?_lastUpdated=gt${new Date(Date.now() + 60_000).toISOString()}`)).total, 0);
      const doe = await get(t.app, '/fhir/Patient?name=doe');
      assert.ok(doe.entry.some((e: any) => e.resource.id === report.subject.reference.split('/')[1]), 'name=doe finds Doe');
      assert.equal((await get(t.app, '/fhir/Patient?family:exact=doe')).total, 0, ':exact is case-sensitive');
      assert.ok((await get(t.app, '/fhir/Patient?family:exact=Doe')).total >= 1, 'family:exact=Doe');
      const condition = await get(t.app, '/fhir/Condition?code=http://snomed.info/sct|233604007');
      assert.equal(condition.total, 1);
      assert.equal(condition.entry[0].resource.subject.reference, report.subject.reference);
    });

    it('pages with _count and _offset: self, next and previous links, stable total', async () => {
      const all = await get(t.app, '/fhir/Observation?_count=500&_sort=_id');
      const paged = await allPages(t.app, '/fhir/Observation?_count=4&_sort=_id');
      assert.deepEqual(paged.map((o) => o.id), all.entry.map((e: any) => e.resource.id));
      const second = await get(t.app, '/fhir/Observation?_count=4&_sort=_id&_offset=4');
      const rel = (r: string) => second.link.find((l: any) => l.relation === r)?.url;
      assert.match(rel('self'), /\/fhir\/Observation\?_count=4&_sort=_id&_offset=4$/);
      assert.match(rel('previous'), /_count=4&_offset=0$/);
      assert.match(rel('next'), /_count=4&_offset=8$/);
      const last = await get(t.app, `/fhir/Observation?_count=4&_sort=_id&_offset=${all.total - 1}`);
      assert.equal(last.link.some((l: any) => l.relation === 'next'), false);
      assert.equal(last.entry.length, 1);
      assert.deepEqual((await get(t.app, '/fhir/Observation?_count=0')).entry, undefined);
    });

    it('_include DiagnosticReport:result and :imaging-study; _include:iterate Observation:has-member', async () => {
      const srStudy = await studyOf(uid(TID1500));
      const b = await get(t.app, `/fhir/DiagnosticReport?imaging-study=ImagingStudy/${srStudy.id}&_include=DiagnosticReport:result&_include=DiagnosticReport:imaging-study`);
      const dr = b.entry.find((e: any) => e.search.mode === 'match').resource;
      const included = b.entry.filter((e: any) => e.search.mode === 'include').map((e: any) => `${e.resource.resourceType}/${e.resource.id}`).sort();
      assert.deepEqual(included, [...dr.result.map((r: any) => r.reference), `ImagingStudy/${srStudy.id}`].sort());
      const iter = await get(t.app, `/fhir/DiagnosticReport?_id=${dr.id}&_include=DiagnosticReport:result&_include:iterate=Observation:has-member`);
      const members = dr.result.length;
      assert.ok(iter.entry.length > members + 1, 'group members came in through has-member');
      for (const e of iter.entry) assert.equal(e.fullUrl, `${e.fullUrl.split('/fhir/')[0]}/fhir/${e.resource.resourceType}/${e.resource.id}`);
    });

    it('_revinclude Observation:derived-from and DiagnosticReport:imaging-study on ImagingStudy', async () => {
      const srStudy = await studyOf(uid(TID1500));
      const b = await get(t.app, `/fhir/ImagingStudy?_id=${srStudy.id}&_revinclude=Observation:derived-from&_revinclude=DiagnosticReport:imaging-study`);
      const byType = (type: string) => b.entry.filter((e: any) => e.search.mode === 'include' && e.resource.resourceType === type).map((e: any) => e.resource.id).sort();
      const derived = await allPages(t.app, `/fhir/Observation?derived-from=ImagingStudy/${srStudy.id}&_count=50`);
      assert.deepEqual(byType('Observation'), derived.map((o) => o.id).sort());
      assert.equal(byType('DiagnosticReport').length, 1);
      assert.equal(b.total, 1, 'included resources do not count in total');
    });

    it('rejects what it does not support with a 400 OperationOutcome naming it', async () => {
      const cases: Array<[string, RegExp]> = [
        ['/fhir/ImagingStudy?foo=1', /Unknown or unsupported search parameter "foo"/],
        ['/fhir/ImagingStudy?modality:text=CT', /Modifier :text is not supported/],
        ['/fhir/ImagingStudy?started=yesterday', /Invalid date "yesterday"/],
        ['/fhir/ImagingStudy?started=ap2024', /Invalid date "ap2024"/],
        ['/fhir/ImagingStudy?_count=-1', /_count must be a non-negative integer/],
        ['/fhir/ImagingStudy?_sort=started', /_sort=started is not supported/],
        ['/fhir/ImagingStudy?_include=DiagnosticReport:result', /does not apply to ImagingStudy/],
        ['/fhir/ImagingStudy?_include=ImagingStudy:modality', /_include=ImagingStudy:modality is not supported/],
        ['/fhir/ImagingStudy?_revinclude=DiagnosticReport:result', /never points to ImagingStudy/],
        ['/fhir/ImagingStudy?_summary=true', /_summary=true is not supported/],
        ['/fhir/ImagingStudy?_elements=id', /Unknown or unsupported search parameter "_elements"/],
        ['/fhir/Observation?focus=123', /needs a typed reference/],
      ];
      for (const [url, diagnostics] of cases) {
        const oo = await get(t.app, url, 400);
        assert.equal(oo.resourceType, 'OperationOutcome', url);
        assert.match(oo.issue[0].diagnostics, diagnostics, url);
      }
    });

    it('keeps tenants apart at the store level', async () => {
      const report = await studyOf(reportStudy);
      const repo = t.container.fhir.repo;
      const tenant = t.container.config.defaultTenant;
      assert.ok(await repo.read(tenant, 'ImagingStudy', report.id));
      assert.equal(await repo.read(`${tenant}-other`, 'ImagingStudy', report.id), undefined);
      const search = { type: 'ImagingStudy', conditions: [], sort: { by: 'id' as const, descending: false }, offset: 0, count: 10, include: [], revinclude: [] };
      assert.equal((await repo.search(tenant, search)).total, 4);
      assert.equal((await repo.search(`${tenant}-other`, search)).total, 0);
    });
  });
}
