/**
 * The outbox push against a real HAPI FHIR server (test/hapi): studies stored
 * while the upstream is up, down, and back, and across a restart of our own
 * server, all arrive, each resource exactly once (searched upstream by the
 * identifier of every local resource).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadConfig } from '../../server/config.js';
import { type ContainerSeams, buildContainer } from '../../server/container.js';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { type HapiServer, startHapiServer } from '../hapi/server.js';
import { newUid } from '../fixtures/synthetic-dicom.js';
import type { FhirStore } from '../../storage/fhir-store.js';
import { freeLoopbackPort } from '../helpers/server-process.js';
import type { TestApp } from '../helpers/test-app.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { basicTextReport, ctImage } from './fixtures.js';
import { store } from './helpers.js';


const TYPES = ['Patient', 'Endpoint', 'ImagingStudy', 'Observation', 'DiagnosticReport', 'Condition', 'Device', 'BodyStructure'];

describe('push to an upstream HAPI FHIR server through outages and restarts', { timeout: 900_000 }, () => {
  let hapiDir: string;
  let dataDir: string;
  let port: number;
  let hapi: HapiServer | undefined;
  let upstream: string;
  let app: TestApp | undefined;

  const startHapi = async () => {
    hapi = await startHapiServer({ dataDir: hapiDir, port });
    upstream = hapi.baseUrl;
  };
  const openApp = async (env: Record<string, string> = {}, seams: ContainerSeams = {}): Promise<TestApp> => {
    const config = loadConfig({
      DATA_DIR: dataDir, LOG_LEVEL: 'silent', FHIR_SYNC_DELAY_MS: '0', FHIR_UPSTREAM_URL: upstream,
      FHIR_PUSH_BACKOFF_BASE_MS: '200', FHIR_PUSH_BACKOFF_MAX_MS: '2000', FHIR_PUSH_TIMEOUT_MS: '60000', ...env,
    });
    const container = await buildContainer(config, createLogger('silent'), seams);
    return { app: createApp(container), container, close: () => container.close() };
  };
  const pushStatus = async (t: TestApp) => (await request(t.app).get('/admin/fhir-push')).body;
  const upstreamSearch = async (type: string, query: Record<string, string>): Promise<any[]> => {
    const res = await fetch(`${upstream}/${type}?${new URLSearchParams(query)}`, { headers: { accept: 'application/fhir+json' } });
    assert.equal(res.status, 200, `${type} search upstream`);
    return (((await res.json()) as { entry?: Array<{ resource: any }> }).entry ?? []).map((e) => e.resource);
  };
  const localIdentifier = async (t: TestApp, type: string, query: string): Promise<string> => {
    const r = (await request(t.app).get(`/fhir/${type}?${query}`)).body.entry[0].resource;
    const id = r.identifier.find((i: any) => i.system && i.value);
    return `${id.system}|${id.value}`;
  };
  const upstreamCount = async (type: string, identifier: { system?: string; value?: string }): Promise<number> => {
    const q = new URLSearchParams({ identifier: `${identifier.system ?? ''}|${identifier.value}`, _summary: 'count' });
    const res = await fetch(`${upstream}/${type}?${q}`, { headers: { accept: 'application/fhir+json' } });
    assert.equal(res.status, 200, `${type}?${q}`);
    return ((await res.json()) as { total: number }).total;
  };

  before(async () => {
    hapiDir = await mkdtemp(join(tmpdir(), 'hapi-push-'));
    dataDir = await mkdtemp(join(tmpdir(), 'fhir-push-'));
    port = await freeLoopbackPort();
    await startHapi();
  });
  after(async () => {
    await app?.close();
    await hapi?.stop();
    await rm(hapiDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('delivers every study exactly once', async () => {
    const [a, b, c] = [newUid(), newUid(), newUid()];
    app = await openApp();
    await store(app, [ctImage(a), basicTextReport({ studyUid: a })]);
    await store(app, ['sr/dwv-tid1500-circle.dcm']);
    await app.container.fhir.push!.drained(120_000);
    assert.equal((await pushStatus(app)).queued, 0);

    // Upstream down: stores keep succeeding, Bundles wait in the outbox.
    await hapi!.stop();
    hapi = undefined;
    await store(app, [ctImage(c), basicTextReport({ studyUid: c, patientId: 'MRN-C' })]);
    await store(app, [ctImage(a, { SeriesNumber: '7' })]); // A changes while the upstream is away
    await store(app, [ctImage(b)]);
    for (let i = 0; i < 100 && !(await pushStatus(app)).lastFailure; i++) await new Promise((r) => setTimeout(r, 100));
    const waiting = await pushStatus(app);
    assert.ok(waiting.queued >= 3 && waiting.lastFailure, `queued while down: ${JSON.stringify(waiting)}`);
    assert.equal(waiting.failed, 0, 'an outage never dead-letters');

    // Our server restarts during the outage; the outbox survives it.
    await app.close();
    app = await openApp();
    assert.equal((await pushStatus(app)).queued, waiting.queued);

    await startHapi();
    await app.container.fhir.push!.drained(300_000);
    const done = await pushStatus(app);
    assert.deepEqual([done.queued, done.failed], [0, 0]);

    // Every local resource is upstream exactly once, found by its business identifier.
    const tenant = app.container.config.defaultTenant;
    const localStore: FhirStore = app.container.fhir.store;
    let checked = 0;
    for (const type of TYPES) {
      const local = await localStore.search({ tenant, type, conditions: [], sort: { by: 'id', descending: false }, offset: 0, count: 1000 });
      for (const r of local.resources) {
        // The key identifier has a system (spec 10.1); a tracking id without one is not unique.
        const identifiers = (r.resource.identifier as Array<{ system?: string; value?: string }> | undefined) ?? [];
        const identifier = identifiers.find((i) => i.system && i.value) ?? identifiers.find((i) => i.value);
        assert.ok(identifier, `${type}/${r.id} has an identifier`);
        assert.equal(await upstreamCount(type, identifier), 1, `${type} ${identifier.system}|${identifier.value} upstream once`);
        checked++;
      }
    }
    assert.ok(checked > 20, `checked ${checked} resources`);
    const studyA = await fetch(`${upstream}/ImagingStudy?identifier=${encodeURIComponent(`urn:dicom:uid|urn:oid:${a}`)}`, { headers: { accept: 'application/fhir+json' } });
    const bundle = (await studyA.json()) as { entry: Array<{ resource: { numberOfInstances: number; numberOfSeries: number } }> };
    assert.equal(bundle.entry[0].resource.numberOfInstances, 3, 'the latest state of study A arrived');
  });

  it('retracts upstream what DICOMweb deletes removed: entered-in-error and cancelled (spec 10.4), or conditional deletes', async () => {
    app ??= await openApp();
    const d = newUid();
    const sr = newUid();
    await store(app, [ctImage(d), basicTextReport({ studyUid: d, sopUid: sr, patientId: 'MRN-D' })]);
    await app.container.fhir.push!.drained(120_000);
    const studyKey = `urn:dicom:uid|urn:oid:${d}`;
    const reportKey = `urn:dicom:uid|urn:oid:${sr}`;
    const study = (await request(app.app).get(`/fhir/ImagingStudy?identifier=${studyKey}`)).body.entry[0].resource;
    const conditionKey = await localIdentifier(app, 'Condition', `subject=${study.subject.reference}`);
    const observationKeys = ((await request(app.app).get(`/fhir/Observation?part-of=ImagingStudy/${study.id}`)).body.entry as any[])
      .map((e) => e.resource.identifier.find((i: any) => i.system)).map((i) => `${i.system}|${i.value}`);
    assert.ok(observationKeys.length > 0, 'the report made Observations');
    assert.equal((await upstreamSearch('DiagnosticReport', { identifier: reportKey }))[0]?.status, 'final', 'the report arrived');

    // The SR instance is deleted: the study is regenerated, the report's resources retracted.
    const srSeries = study.series.find((s: any) => s.modality.code === 'SR').uid;
    const del = await request(app.app).delete(`/dicomweb/studies/${d}/series/${srSeries}/instances/${sr}`);
    assert.equal(del.status, 204, 'DELETE of the SR instance');
    await app.container.fhir.sync.idle();
    assert.equal((await request(app.app).get(`/fhir/DiagnosticReport?identifier=${reportKey}&_summary=count`)).body.total, 0, 'no local report any more');
    await app.container.fhir.push!.drained(120_000);
    const upStudy = await upstreamSearch('ImagingStudy', { identifier: studyKey });
    assert.deepEqual([upStudy.length, upStudy[0].status, upStudy[0].numberOfInstances, upStudy[0].numberOfSeries], [1, 'available', 1, 1], 'ImagingStudy regenerated upstream');
    const upReport = await upstreamSearch('DiagnosticReport', { identifier: reportKey });
    assert.deepEqual(upReport.map((r) => r.status), ['entered-in-error'], 'report entered-in-error upstream');
    for (const key of observationKeys) {
      assert.deepEqual((await upstreamSearch('Observation', { identifier: key })).map((r) => r.status), ['entered-in-error'], `Observation ${key}`);
    }
    const upCondition = await upstreamSearch('Condition', { identifier: conditionKey });
    assert.equal(upCondition.length, 1, 'the Condition is upstream once');
    assert.equal(upCondition[0].verificationStatus.coding[0].code, 'entered-in-error', 'Condition entered-in-error');
    assert.equal(upCondition[0].clinicalStatus, undefined, 'no clinicalStatus on an entered-in-error Condition (con-5)');

    // The whole study is deleted: its ImagingStudy is cancelled upstream, nothing is duplicated.
    assert.equal((await request(app.app).delete(`/dicomweb/studies/${d}`)).status, 204, 'DELETE of the study');
    await app.container.fhir.sync.idle();
    assert.equal((await request(app.app).get(`/fhir/ImagingStudy?identifier=${studyKey}&_summary=count`)).body.total, 0, 'no local ImagingStudy');
    await app.container.fhir.push!.drained(120_000);
    assert.deepEqual((await upstreamSearch('ImagingStudy', { identifier: studyKey })).map((r) => r.status), ['cancelled'], 'ImagingStudy cancelled upstream');
    assert.deepEqual((await upstreamSearch('DiagnosticReport', { identifier: reportKey })).map((r) => r.status), ['entered-in-error'], 'still retracted, once');
    assert.equal((await pushStatus(app)).failed, 0, 'no Bundle refused');

    // FHIR_UPSTREAM_DELETE_MODE=delete: conditional deletes instead.
    await app.close();
    app = await openApp({ FHIR_UPSTREAM_DELETE_MODE: 'delete' });
    const e = newUid();
    const srE = newUid();
    await store(app, [ctImage(e), basicTextReport({ studyUid: e, sopUid: srE, patientId: 'MRN-E' })]);
    await app.container.fhir.push!.drained(120_000);
    assert.equal((await upstreamSearch('ImagingStudy', { identifier: `urn:dicom:uid|urn:oid:${e}` })).length, 1, 'study E arrived');
    const studyE = (await request(app.app).get(`/fhir/ImagingStudy?identifier=urn:dicom:uid|urn:oid:${e}`)).body.entry[0].resource;
    const conditionKeyE = await localIdentifier(app, 'Condition', `subject=${studyE.subject.reference}`);
    assert.equal((await upstreamSearch('Condition', { identifier: conditionKeyE })).length, 1, 'Condition of E arrived');
    assert.equal((await request(app.app).delete(`/dicomweb/studies/${e}`)).status, 204, 'DELETE of study E');
    await app.container.fhir.sync.idle();
    await app.container.fhir.push!.drained(120_000);
    assert.equal((await pushStatus(app)).failed, 0, `no Bundle refused: ${JSON.stringify(await pushStatus(app))}`);
    assert.equal((await upstreamSearch('ImagingStudy', { identifier: `urn:dicom:uid|urn:oid:${e}` })).length, 0, 'ImagingStudy E deleted upstream');
    assert.equal((await upstreamSearch('DiagnosticReport', { identifier: `urn:dicom:uid|urn:oid:${srE}` })).length, 0, 'report of E deleted upstream');
    assert.equal((await upstreamSearch('Condition', { identifier: conditionKeyE })).length, 0, 'Condition of E deleted upstream');
  });
  it('an upstream down for an hour while studies keep coming: nothing is lost, everything arrives once, backoff capped', async () => {
    // The pusher runs on a virtual clock: an hour of real retries against the
    // stopped upstream's port (connections refused) passes in seconds.
    await app?.close();
    app = undefined;
    await hapi?.stop();
    hapi = undefined;
    const clock = new VirtualClock();
    const start = clock.now();
    const maxBackoffMs = 300_000;
    app = await openApp({ FHIR_PUSH_BACKOFF_BASE_MS: '1000', FHIR_PUSH_BACKOFF_MAX_MS: String(maxBackoffMs) }, { pushClock: clock });
    const studies = Array.from({ length: 7 }, () => newUid());
    for (let minute = 0; minute <= 60; minute++) {
      const patientId = `MRN-H${minute}`;
      if (minute % 10 === 0) await store(app, [ctImage(studies[minute / 10], { PatientID: patientId }), basicTextReport({ studyUid: studies[minute / 10], patientId })]);
      if (minute === 35) await store(app, [ctImage(studies[0], { SeriesNumber: '9', PatientID: 'MRN-H0' })]); // study 0 changes mid-outage
      await clock.advance(60_000);
    }
    const waiting = await pushStatus(app);
    assert.equal(waiting.queued, studies.length, `one Bundle per study waits (a newer one replaces an unsent older one): ${JSON.stringify(waiting)}`);
    assert.equal(waiting.failed, 0, 'an hour of outage never dead-letters');
    assert.ok(clock.now() - start >= 60 * 60_000, 'an hour went by');
    // The whole pusher pauses for the backoff while the upstream is unreachable: the last try is at most one capped backoff ago.
    assert.ok(Date.parse(waiting.lastFailure.at) >= clock.now() - maxBackoffMs, `still retrying at the end of the hour (last failure ${waiting.lastFailure.at})`);
    const retries = clock.delays.filter((d) => d >= 1000);
    assert.ok(retries.length >= 15, `kept retrying through the hour (${retries.length} backoff sleeps)`);
    assert.ok(Math.max(...clock.delays) <= maxBackoffMs, `backoff capped at ${maxBackoffMs} ms (longest ${Math.max(...clock.delays)})`);
    assert.ok(retries.some((d) => d >= maxBackoffMs * 0.8), 'backoff grew to its cap');

    await startHapi();
    for (let i = 0; i < 200 && (await pushStatus(app)).queued > 0; i++) await clock.advance(maxBackoffMs / 10);
    const done = await pushStatus(app);
    assert.deepEqual([done.queued, done.failed], [0, 0], `delivered once the upstream is back: ${JSON.stringify(done)}`);
    for (const [i, uid] of studies.entries()) {
      const up = await upstreamSearch('ImagingStudy', { identifier: `urn:dicom:uid|urn:oid:${uid}` });
      assert.equal(up.length, 1, `study ${i} upstream exactly once`);
      assert.equal(up[0].numberOfInstances, i === 0 ? 3 : 2, `study ${i}: its latest state arrived`);
      assert.equal((await upstreamSearch('Patient', { identifier: `urn:dicom:patient-id:default|MRN-H${i * 10}` })).length, 1, `patient of study ${i} once`);
    }
  });
});
