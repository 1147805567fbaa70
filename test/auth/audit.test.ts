/**
 * Audit: every audited route-table entry writes one record (who, tenant,
 * action, route template, studies, outcome, when); records are served as
 * FHIR AuditEvent at /fhir/AuditEvent to holders of AuditEvent scopes within
 * their tenant; and no PHI value ever reaches the audit store.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import request from 'supertest';
import { ROUTES } from '../../server/auth/route-table.js';
import { BACKENDS, type Backend } from '../helpers/test-app.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { newUid, syntheticInstance } from '../fixtures/synthetic-dicom.js';
import { bearer, startAuthApp, type AuthApp } from './helpers/auth-app.js';
import { missingValues, send, type ProbeValues } from './helpers/route-probes.js';

const A = 'tenant-audit-a';
/** PHI of the stored patient, none of which may appear in audit storage. */
const PHI = { PatientName: 'Haystack-Quimby^Phineas', PatientID: 'PHI-7781-XZ', PatientBirthDate: '19230407', AccessionNumber: 'ACC-PHI-4242' };
const PHI_MARKERS = ['Haystack', 'Quimby', 'Phineas', 'PHI-7781', '19230407', 'ACC-PHI-4242'];

for (const backend of BACKENDS) {
  describe(`audit on ${backend}`, () => {
    let t: AuthApp;
    let aHeaders: Record<string, string>;
    const values: ProbeValues = { ...missingValues(), study: newUid(), series: newUid(), instance: newUid() };
    const newest = async (tenant = A) => {
      await t.container.audit.flush();
      return (await t.container.audit.store.query({ tenant, limit: 1, offset: 0 })).records[0];
    };
    const auditEvents = async (query: string, headers = aHeaders) => {
      await t.container.audit.flush();
      const res = await request(t.app).get(`/fhir/AuditEvent${query}`).set(headers);
      return { status: res.status, body: JSON.parse(res.text) };
    };

    before(async () => {
      t = await startAuthApp(backend);
      aHeaders = bearer(await t.tokenFor(A, undefined, 'reader-7'));
      const instances = [values.instance, newUid()].map((sopUid) => syntheticInstance({ studyUid: values.study, seriesUid: values.series, sopUid, attrs: PHI }));
      const res = await request(t.app).post('/dicomweb/studies').set(aHeaders).set('Content-Type', STOW_TYPE).send(multipartBody(instances));
      assert.equal(res.status, 200);
      values.path = '7FE00010';
      for (let i = 0; i < 100 && values.id.startsWith('x'); i++) {
        const id = JSON.parse((await request(t.app).get('/fhir/ImagingStudy').set(aHeaders)).text).entry?.[0]?.resource?.id;
        if (id) values.id = id;
        else await new Promise((r) => setTimeout(r, 100));
      }
      values.event = (await newest())!.id;
    });
    after(async () => t?.close());

    for (const rule of ROUTES.filter((r) => r.audit)) {
      test(`${rule.method} ${rule.path} writes a "${rule.audit}" record`, async () => {
        // Deletes aim at nothing (A's study is needed later); stores send a new instance.
        const stores = rule.method === 'POST' && (rule.family === 'stow' || rule.family === 'upload');
        const v = rule.method === 'DELETE' ? { ...missingValues(), id: values.id } : stores ? { ...values, instance: newUid() } : values;
        const res = await send(t.app, rule, v, aHeaders, PHI.PatientName);
        const r = (await newest())!;
        assert.equal(r.action, rule.audit);
        assert.equal(r.route, rule.path);
        assert.equal(r.method, rule.method);
        assert.equal(r.tenant, A);
        assert.deepEqual(r.agent, { kind: 'jwt', id: 'reader-7' });
        assert.equal(r.status, res.status);
        assert.ok(Math.abs(Date.parse(r.recordedAt) - Date.now()) < 60_000);
        if (rule.path.includes(':study') || stores) assert.ok(r.studyUids.includes(v.study), `study UID missing: ${JSON.stringify(r)}`);
        if (rule.path.startsWith('/fhir/:type/:id')) assert.deepEqual(r.entities, [`ImagingStudy/${v.id}`]);
      });
    }

    test('refused attempts with a valid credential are audited (403); unauthenticated ones have no tenant to go to', async () => {
      const res = await request(t.app).get(`/dicomweb/studies/${values.study}/metadata`).set(bearer(await t.tokenFor(A, 'system/dicomweb.s', 'nosy-1')));
      assert.equal(res.status, 403);
      const r = (await newest())!;
      assert.deepEqual([r.agent.id, r.status, r.action, r.studyUids], ['nosy-1', 403, 'retrieve', [values.study]]);
    });

    test('records are served as FHIR AuditEvent resources', async () => {
      const { status, body } = await auditEvents(`?study=${values.study}&_count=500`);
      assert.equal(status, 200);
      assert.equal(body.resourceType, 'Bundle');
      assert.equal(body.type, 'searchset');
      assert.ok(body.entry.length >= 1);
      for (const { resource: e, fullUrl } of body.entry) {
        assert.equal(e.resourceType, 'AuditEvent');
        assert.match(fullUrl, new RegExp(`/fhir/AuditEvent/${e.id}$`));
        assert.match(e.id, /^[A-Za-z0-9.-]{1,64}$/);
        assert.ok(e.type.system && e.type.code);
        assert.ok(['C', 'R', 'U', 'D', 'E'].includes(e.action));
        assert.match(e.recorded, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        assert.ok(['0', '4', '8', '12'].includes(e.outcome));
        assert.equal(e.agent[0].requestor, true);
        assert.ok(e.agent[0].who.identifier.value);
        assert.ok(e.source.observer.display);
        assert.ok(e.entity.some((en: any) => en.what?.identifier?.value === `urn:oid:${values.study}`));
      }
      const stow = body.entry.map((x: any) => x.resource).find((e: any) => e.subtype.some((c: any) => c.code === 'store'));
      assert.deepEqual([stow.type.code, stow.action, stow.outcome], ['110104', 'C', '0']);
      const read = await request(t.app).get(`/fhir/AuditEvent/${stow.id}`).set(aHeaders);
      assert.equal(read.status, 200);
      assert.deepEqual(JSON.parse(read.text), stow);
    });

    test('search parameters: date, agent, entity-id, outcome, _count with paging', async () => {
      const all = (await auditEvents('?_count=500')).body.entry.length;
      assert.ok(all >= 10 && all < 500, `${all} records fit one page of 500`);
      assert.equal((await auditEvents('?date=ge2000-01-01&date=lt2999&_count=500')).body.entry.length, all, 'every record is in that range (one page)');
      assert.equal((await auditEvents('?date=lt2000-01-01')).body.entry?.length ?? 0, 0);
      const day = (await newest())!.recordedAt.slice(0, 10);
      assert.ok((await auditEvents(`?date=eq${day}`)).body.entry.length > 0);
      assert.equal((await auditEvents(`?date=gt${day}`)).body.entry?.length ?? 0, 0, 'gt a day starts after that whole day');
      const byAgent = (await auditEvents('?agent=nosy-1')).body.entry;
      assert.equal(byAgent.length, 1);
      assert.equal((await auditEvents(`?entity-id=urn:oid:${values.study}&_count=500`)).body.entry.length, (await auditEvents(`?study=${values.study}&_count=500`)).body.entry.length);
      const failures = (await auditEvents('?outcome=4&_count=500')).body.entry.map((e: any) => e.resource.outcome);
      assert.ok(failures.length >= 2 && failures.every((o: string) => o === '4'));
      const page = await auditEvents('?_count=2');
      assert.equal(page.body.entry.length, 2);
      const next = page.body.link.find((l: any) => l.relation === 'next').url as string;
      const second = await auditEvents(next.slice(next.indexOf('?')));
      assert.equal(second.body.entry.length, 2);
      assert.notEqual(second.body.entry[0].resource.id, page.body.entry[0].resource.id);
      for (const bad of ['?name=x', '?date=yesterday', '?outcome=2', '?_count=-1']) {
        const res = await auditEvents(bad);
        assert.equal(res.status, 400, bad);
        assert.equal(res.body.resourceType, 'OperationOutcome');
      }
    });

    test('AuditEvent needs its own scope and stays within the tenant', async () => {
      const clinical = await request(t.app).get('/fhir/AuditEvent').set(bearer(await t.tokenFor(A, 'system/*.cruds')));
      assert.equal(clinical.status, 403);
      const otherAdmin = bearer(await t.tokenFor('tenant-audit-b', 'system/AuditEvent.rs'));
      const theirs = await auditEvents('?_count=500', otherAdmin);
      assert.equal(theirs.status, 200);
      assert.equal(theirs.body.entry.length, 0);
      assert.equal((await request(t.app).get(`/fhir/AuditEvent/${values.event}`).set(otherAdmin)).status, 404);
    });

    test('no PHI value reaches the audit store, even when sent in query strings', async () => {
      await request(t.app).get(`/dicomweb/studies?PatientName=${PHI.PatientName}&PatientID=${PHI.PatientID}&PatientBirthDate=${PHI.PatientBirthDate}`).set(aHeaders);
      await request(t.app).get(`/fhir/Patient?name=Haystack&birthdate=1923-04-07&identifier=${PHI.PatientID}`).set(aHeaders);
      await request(t.app).get(`/dicomweb/deid/studies?PatientName=Haystack*`).set(aHeaders);
      await request(t.app).get(`/api/imaging?patientId=${PHI.PatientID}`).set(aHeaders);
      await request(t.app).get(`/dicomweb/instances?AccessionNumber=${PHI.AccessionNumber}`).set(bearer(await t.tokenFor(A, 'system/ImagingStudy.rs')));
      await t.container.audit.flush();
      const newestSearch = (await t.container.audit.store.query({ tenant: A, action: 'search', limit: 1, offset: 0 })).records[0]!;
      assert.deepEqual(newestSearch.queryKeys, ['AccessionNumber'], 'parameter names are kept, values are not');
      const raw = await rawAuditStorage(backend, t);
      assert.ok(raw.length > 1000, 'the raw dump holds the records');
      for (const marker of PHI_MARKERS) assert.ok(!raw.includes(marker), `"${marker}" is in the audit store`);
      const served = (await request(t.app).get('/fhir/AuditEvent?_count=500').set(aHeaders)).text;
      for (const marker of PHI_MARKERS) assert.ok(!served.includes(marker), `"${marker}" is in an AuditEvent`);
    });
  });
}

/** Everything the audit adapter stored, read around the adapter. */
async function rawAuditStorage(backend: Backend, t: AuthApp): Promise<string> {
  const index = t.container.config.index;
  if (backend === 'embedded+fs' && index.kind === 'embedded') {
    const db = new Database(index.file, { readonly: true });
    try {
      return JSON.stringify([db.prepare('SELECT * FROM audit_events').all(), db.prepare('SELECT * FROM audit_studies').all()]);
    } finally {
      db.close();
    }
  }
  if (index.kind !== 'mongodb') throw new Error('unexpected backend');
  const client = await MongoClient.connect(index.url);
  try {
    return JSON.stringify(await client.db(index.database).collection('audit_events').find({}).toArray());
  } finally {
    await client.close();
  }
}
