/**
 * The FHIR view never lags the DICOM view: a FHIR read or search waits until
 * every study changed before it is synced (FhirSync.caughtUp), so a client
 * that saw an instance through STOW or QIDO finds its FHIR at once, and a
 * deleted study's FHIR is gone at once - even with a sync delay of a minute.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { FhirSync } from '../../core/fhir-sync/fhir-sync.js';
import type { DirtyStudy } from '../../storage/fhir-store.js';
import { newUid } from '../fixtures/synthetic-dicom.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import type { TestApp } from '../helpers/test-app.js';
import { ctImage } from './fixtures.js';
import { get, startFhirApp } from './helpers.js';

const silent = { info() {}, warn() {}, error() {} };
const outcome = { resources: { created: 0, updated: 0, unchanged: 0, deleted: 0 }, enqueued: false, instances: 0, warnings: [], errors: [] };
const studyQuery = (uid: string) => `/fhir/ImagingStudy?identifier=urn:dicom:uid|urn:oid:${uid}`;

function memoryMarks() {
  const marks = new Map<string, DirtyStudy>();
  let n = 0;
  return {
    async markDirty(tenant: string, studyUid: string) {
      const m = { tenant, studyUid, token: String(++n), markedAt: new Date().toISOString() };
      marks.set(`${tenant}/${studyUid}`, m);
      return m;
    },
    async listDirty() {
      return [...marks.values()];
    },
    async clearDirty(d: DirtyStudy) {
      const key = `${d.tenant}/${d.studyUid}`;
      if (marks.get(key)?.token !== d.token) return false;
      return marks.delete(key);
    },
  };
}

describe('FhirSync.caughtUp', () => {
  it('brings a delayed sync forward and resolves when a run that started after the call is done', async () => {
    const synced: string[] = [];
    const sync = new FhirSync({ marks: memoryMarks(), sync: async (t, s) => (synced.push(`${t}/${s}`), outcome), concurrency: 1, delayMs: 60_000, retryMaxMs: 1000, log: silent });
    assert.equal(await sync.caughtUp('a', 1000), true, 'nothing dirty: at once');
    await sync.studyChanged('a', '1.2.3');
    await sync.studyChanged('b', '1.2.4');
    const started = Date.now();
    assert.equal(await sync.caughtUp('a', 5000), true);
    assert.ok(Date.now() - started < 5000, 'did not wait for the 60 s delay');
    assert.deepEqual(synced, ['a/1.2.3'], "only the reader's tenant is brought forward");
    await sync.stop();
  });

  it('a run already under way when the reader came does not count', async () => {
    let release!: () => void;
    const order: string[] = [];
    let runs = 0;
    const sync = new FhirSync({
      marks: memoryMarks(),
      sync: async () => {
        const n = ++runs;
        order.push(`run ${n} start`);
        if (n === 1) await new Promise<void>((r) => (release = r));
        order.push(`run ${n} end`);
        return outcome;
      },
      concurrency: 1, delayMs: 0, retryMaxMs: 1000, log: silent,
    });
    await sync.studyChanged('a', '1.2.3');
    while (runs === 0) await new Promise((r) => setTimeout(r, 5));
    const reader = sync.caughtUp('a', 5000).then((ok) => (order.push('reader'), ok));
    await new Promise((r) => setTimeout(r, 20));
    release();
    assert.equal(await reader, true);
    assert.deepEqual(order, ['run 1 start', 'run 1 end', 'run 2 start', 'run 2 end', 'reader']);
    await sync.stop();
  });

  it('answers false when the study cannot be synced in time (its store is down, say)', async () => {
    const sync = new FhirSync({
      marks: memoryMarks(),
      sync: async () => { throw new Error('index down'); },
      concurrency: 1, delayMs: 0, retryMaxMs: 60_000, log: silent,
    });
    await sync.studyChanged('a', '1.2.3');
    assert.equal(await sync.caughtUp('a', 300), false);
    await sync.stop();
  });
});

describe('FHIR reads see every DICOM change before them (FHIR_SYNC_DELAY_MS=60000)', () => {
  const stow = (t: TestApp, parts: Buffer[]) => request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(multipartBody(parts));

  it('a stored instance has its ImagingStudy at once, a deleted study has none at once', async () => {
    const t = await startFhirApp('embedded+fs', { FHIR_SYNC_DELAY_MS: '60000' });
    try {
      const uid = newUid();
      assert.equal((await stow(t, [ctImage(uid)])).status, 200);
      const study = (await get(t.app, studyQuery(uid))).entry?.[0]?.resource;
      assert.equal(study?.numberOfInstances, 1, 'ImagingStudy present right after the STOW response');
      assert.equal((await request(t.app).delete(`/dicomweb/studies/${uid}`)).status < 300, true);
      await get(t.app, `/fhir/ImagingStudy/${study.id}`, 404);
      assert.equal((await get(t.app, studyQuery(uid))).total, 0, 'gone right after the DELETE response');
    } finally {
      await t.close();
    }
  });

  it('while STOWs stream in, every instance QIDO lists is in the ImagingStudy read after it', async () => {
    const t = await startFhirApp('embedded+fs', { FHIR_SYNC_DELAY_MS: '60000' });
    try {
      const uid = newUid();
      let storing = true;
      const writers = Array.from({ length: 3 }, async (_, w) => {
        for (let i = 0; i < 8; i++) {
          assert.equal((await stow(t, [ctImage(uid, { InstanceNumber: String(w * 100 + i) })])).status, 200);
        }
      });
      const done = Promise.all(writers).finally(() => (storing = false));
      let checks = 0;
      while (storing || checks === 0) {
        const qido = await request(t.app).get(`/dicomweb/studies/${uid}/instances`);
        const listed: string[] = qido.status === 200 ? qido.body.map((i: any) => i['00080018'].Value[0]) : [];
        const study = (await get(t.app, studyQuery(uid))).entry?.[0]?.resource;
        const inFhir = new Set((study?.series ?? []).flatMap((s: any) => s.instance.map((i: any) => i.uid)));
        for (const sop of listed) assert.ok(inFhir.has(sop), `instance ${sop} listed by QIDO is missing from the ImagingStudy read after`);
        checks++;
      }
      await done;
      const final = (await get(t.app, studyQuery(uid))).entry[0].resource;
      assert.equal(final.numberOfInstances, 24);
      assert.ok(checks > 1, `the reader checked while storing (${checks} rounds)`);
    } finally {
      await t.close();
    }
  });
});
