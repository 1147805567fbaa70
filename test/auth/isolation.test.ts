/**
 * Tenant isolation, checked mechanically over the whole route table: every
 * protected entry is called with two tenants' credentials on both backends.
 *
 * For each entry, tenant B (a fresh tenant per entry, with every scope):
 *  - on tenant A's study gets exactly what it gets for a study that exists
 *    nowhere (same status, headers that matter, and body once the UIDs are
 *    written as placeholders): "not yours" and "not there" cannot be told apart;
 *  - gets the same answer before and after A stores more and reads more, so
 *    no search result, count or paging hint moves with A's data;
 *  - never sees A's patient name in any response;
 *  - cannot change what A sees (A's studies are compared before and after
 *    each of B's stores and deletes).
 * And tenant A itself is served on each read entry (a positive control, so
 * B's 404 means "not yours" rather than "broken for everyone").
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { ROUTES, type RouteRule } from '../../server/auth/route-table.js';
import { BACKENDS } from '../helpers/test-app.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { newUid, syntheticInstance } from '../fixtures/synthetic-dicom.js';
import { bearer, startAuthApp, type AuthApp } from './helpers/auth-app.js';
import { missingValues, send, type ProbeValues } from './helpers/route-probes.js';

const A = 'tenant-a';
const A_PATIENT = 'Isolde^Alphaversteck';
const PROTECTED = ROUTES.filter((r) => r.access !== 'public');
const label = (r: RouteRule) => `${r.method} ${r.path}`;

/** Read entries where tenant A need not get a 2xx, with the reason. */
const NO_POSITIVE_CONTROL: Record<string, string> = {};

/**
 * Known isolation failures, reported as TODO (the check still runs and shows
 * its diff) until they are fixed; remove an entry with its fix.
 */
const KNOWN_LEAKS: Record<string, string> = {};

for (const backend of BACKENDS) {
  describe(`tenant isolation over the route table on ${backend}`, () => {
    let t: AuthApp;
    let aHeaders: Record<string, string>;
    const bHeaders = new Map<RouteRule, Record<string, string>>();
    const firstLook = new Map<RouteRule, string>();
    const values: ProbeValues = { ...missingValues(), study: newUid(), series: newUid(), instance: newUid() };

    const asA = (path: string) => request(t.app).get(path).set(aHeaders);
    const storeAsA = async (instances: Buffer[]) => {
      const res = await request(t.app).post('/dicomweb/studies').set(aHeaders).set('Content-Type', STOW_TYPE).send(multipartBody(instances));
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };
    const uploadAsA = async (file: Buffer) => {
      const res = await request(t.app).post('/api/imaging/upload-dicom').set(aHeaders).field('patientId', values.patientId).attach('file', file, 'a.dcm');
      assert.equal(res.status, 201, res.text);
    };
    const instanceOfA = (o: { study?: string; series?: string; sop?: string } = {}) => syntheticInstance({
      studyUid: o.study ?? values.study, seriesUid: o.series ?? values.series, sopUid: o.sop,
      attrs: { PatientName: A_PATIENT, PatientID: 'ISO-A-0001', PatientBirthDate: '19610203' },
    });

    /** What A sees of its studies: any change made by B shows here. */
    const snapshotOfA = async () => {
      const res = await asA('/dicomweb/instances?includefield=00100010&limit=1000');
      const studies = await asA('/dicomweb/studies?includefield=00201208');
      return JSON.stringify({
        instances: res.body.map((i: any) => [i['00080018'].Value[0], i['00100010'].Value[0].Alphabetic]).sort(),
        studies: studies.body.map((s: any) => [s['0020000D'].Value[0], s['00201208'].Value[0]]).sort(),
      });
    };

    before(async () => {
      // An upstream that refuses connections (loopback, closed port), so the push queue fills as in production.
      t = await startAuthApp(backend, { env: { FHIR_UPSTREAM_URL: 'http://127.0.0.1:9/fhir' } });
      aHeaders = bearer(await t.tokenFor(A));
      await storeAsA([instanceOfA({ sop: values.instance }), instanceOfA()]);
      await uploadAsA(instanceOfA());
      values.deid = await deidNamesOf(t, aHeaders);
      values.id = await fhirIdOf(t, aHeaders);
      values.path = await bulkdataPathOf(t, aHeaders, values);
      await t.container.audit.flush();
      values.event = (await t.container.audit.store.query({ tenant: A, limit: 1, offset: 0 })).records[0]!.id;

      let i = 0;
      for (const rule of PROTECTED) bHeaders.set(rule, bearer(await t.tokenFor(`tenant-b-${++i}`)));
      for (const rule of PROTECTED.filter((r) => r.method === 'GET')) {
        firstLook.set(rule, normalized(await send(t.app, rule, values, bHeaders.get(rule)!), values));
      }
      // A stores more (an instance in the same series, a new study) and reads more (audit records).
      await storeAsA([instanceOfA(), instanceOfA({ study: newUid(), series: newUid() })]);
      await uploadAsA(instanceOfA({ study: newUid(), series: newUid() }));
      await asA(`/dicomweb/studies/${values.study}/metadata`);
      await t.container.audit.flush();
      await new Promise((r) => setTimeout(r, 600)); // FHIR sync of A's new data (FHIR_SYNC_DELAY_MS 200)
    });
    after(async () => t?.close());

    for (const rule of PROTECTED) {
      test(label(rule), { todo: KNOWN_LEAKS[label(rule)] }, async () => {
        const headers = bHeaders.get(rule)!;
        const before = await snapshotOfA();
        if (rule.method === 'GET' && !(label(rule) in NO_POSITIVE_CONTROL)) {
          const own = await send(t.app, rule, values, aHeaders);
          assert.ok(own.status >= 200 && own.status < 300, `positive control: tenant A got ${own.status} on its own data: ${own.body.toString().slice(0, 300)}`);
        }
        const missing = missingValues();
        const notYours = await send(t.app, rule, values, headers, 'Bertram^Intruder');
        const notThere = await send(t.app, rule, missing, headers, 'Bertram^Intruder');
        assert.ok(![401, 403].includes(notYours.status), `B was refused (${notYours.status}): the probe token lacks a scope`);
        assert.equal(normalized(notYours, values), normalized(notThere, missing), '"not yours" differs from "not there"');
        assert.ok(!notYours.body.toString('latin1').includes('Alphaversteck'), "A's patient name leaked to B");
        if (firstLook.has(rule)) assert.equal(normalized(notYours, values), firstLook.get(rule), "B's answer moved with A's data");
        assert.equal(await snapshotOfA(), before, "B's request changed what A sees");
      });
    }

    test('every route family with a protected route was exercised', () => {
      const families = new Set(ROUTES.filter((r) => r.access !== 'public').map((r) => r.family));
      assert.deepEqual([...families].filter((f) => !PROTECTED.some((r) => r.family === f)), []);
    });
  });
}

/** Status, the headers that can leak counts, and the body with probe values as placeholders and volatile fields dropped. */
function normalized(res: request.Response, v: ProbeValues): string {
  // supertest listens on a new port per request: origins are not part of the answer.
  let text = (res.body as Buffer).toString('latin1').replace(/http:\/\/127\.0\.0\.1:\d+/g, '{origin}');
  for (const name of ['study', 'series', 'instance', 'id', 'event', 'path', 'patientId'] as const) text = text.split(v[name]).join(`{${name}}`);
  for (const [name, uid] of Object.entries(v.deid ?? {})) text = text.split(uid).join(`{deid-${name}}`);
  try {
    // Generated ids and times, and the digest and size of the probe body (UIDs of other lengths), say nothing about A;
    // nor does the upload answer's imagingStudyId: a deterministic hash of the Study UID the caller itself sent.
    const volatile = ['id', 'imagingStudyId', 'lastUpdated', 'timestamp', 'sha256', 'size'];
    text = JSON.stringify(JSON.parse(text), (k, val) => (volatile.includes(k) ? '{volatile}' : val));
  } catch {
    // not JSON: compared as is
  }
  const type = String(res.headers['content-type'] ?? '').split(';')[0];
  return JSON.stringify({ status: res.status, type, warning: res.headers.warning, total: res.headers['x-total-count'], body: text });
}

/** The id of A's ImagingStudy, once the FHIR sync made it. */
async function fhirIdOf(t: AuthApp, headers: Record<string, string>): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const res = await request(t.app).get('/fhir/ImagingStudy').set(headers);
    const id = JSON.parse(res.text).entry?.[0]?.resource?.id;
    if (id) return id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the FHIR sync made no ImagingStudy for tenant A within 10 s');
}

/** A's study as the de-identified view names it (A has one study when this runs). */
async function deidNamesOf(t: AuthApp, headers: Record<string, string>): Promise<ProbeValues['deid']> {
  const first = async (path: string, tag: string) => {
    const res = await request(t.app).get(`/dicomweb/deid${path}`).set(headers);
    const uid = res.body?.[0]?.[tag]?.Value?.[0];
    if (!uid) throw new Error(`the de-identified view gave nothing at ${path} (${res.status})`);
    return uid as string;
  };
  const study = await first('/studies', '0020000D');
  const series = await first(`/studies/${study}/series`, '0020000E');
  const instance = await first(`/studies/${study}/series/${series}/instances`, '00080018');
  return { study, series, instance };
}

/** A bulkdata path of A's first instance, as its metadata names it. */
async function bulkdataPathOf(t: AuthApp, headers: Record<string, string>, v: ProbeValues): Promise<string> {
  const res = await request(t.app).get(`/dicomweb/studies/${v.study}/series/${v.series}/instances/${v.instance}/metadata`).set(headers);
  const uri = /"BulkDataURI":"([^"]+)"/.exec(res.text)?.[1];
  if (!uri) throw new Error(`A's instance metadata has no BulkDataURI (${res.status})`);
  return uri.slice(uri.indexOf('/bulkdata/') + '/bulkdata/'.length);
}
