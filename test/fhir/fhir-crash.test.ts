/**
 * "A stored instance always has its FHIR": a server killed with SIGKILL right
 * after acknowledging a STOW (its FHIR sync still minutes away) is restarted
 * on the same data, and the study's ImagingStudy, DiagnosticReport and
 * Condition appear without the study being sent again. On the embedded store,
 * and on MongoDB + S3 when the test launcher provides them.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { newUid } from '../fixtures/synthetic-dicom.js';
import { startChildServer } from '../faults/support/child-server.js';
import { type ServerBackend, serverBackend } from '../faults/support/backends.js';
import { basicTextReport, ctImage } from './fixtures.js';

const backends: Array<ServerBackend['name']> = process.env.MONGODB_URL && process.env.S3_ENDPOINT ? ['embedded', 'mongodb+s3'] : ['embedded'];

async function total(url: string): Promise<number> {
  const res = await fetch(url, { headers: { accept: 'application/fhir+json' } });
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return ((await res.json()) as { total: number }).total;
}

for (const name of backends) {
  describe(`FHIR after SIGKILL right after a STOW response (${name})`, { timeout: 300_000 }, () => {
    let backend: ServerBackend | undefined;
    after(async () => backend?.dispose());

    it('the restarted server makes the FHIR resources of every acknowledged study', async () => {
      backend = await serverBackend(name);
      const studies = [newUid(), newUid()];
      // The sync would start in 10 minutes: only a durable mark can bring these studies to FHIR.
      const first = await startChildServer({ ...backend.env, LOG_LEVEL: 'error', FHIR_SYNC_DELAY_MS: '600000' });
      try {
        for (const uid of studies) {
          const res = await fetch(`${first.url}/dicomweb/studies`, {
            method: 'POST', headers: { 'Content-Type': STOW_TYPE, Accept: 'application/dicom+json' },
            body: new Uint8Array(multipartBody([ctImage(uid), basicTextReport({ studyUid: uid })])),
          });
          assert.equal(res.status, 200, `STOW of ${uid}`);
          await res.arrayBuffer();
        }
        // No FHIR read here: it would bring the sync forward (FhirSync.caughtUp), and with the
        // 10-minute delay nothing else can run it before the kill.
      } finally {
        await first.kill();
      }

      const second = await startChildServer({ ...backend.env, LOG_LEVEL: 'error', FHIR_SYNC_DELAY_MS: '0' });
      try {
        const deadline = Date.now() + 60_000;
        for (const uid of studies) {
          const url = `${second.url}/fhir/ImagingStudy?identifier=${encodeURIComponent(`urn:dicom:uid|urn:oid:${uid}`)}&_summary=count`;
          while ((await total(url)) !== 1) {
            assert.ok(Date.now() < deadline, `ImagingStudy of ${uid} within 60 s of the restart`);
            await sleep(200);
          }
        }
        const studyRes = await fetch(`${second.url}/fhir/ImagingStudy?identifier=${encodeURIComponent(`urn:dicom:uid|urn:oid:${studies[0]}`)}`);
        const study = ((await studyRes.json()) as { entry: Array<{ resource: { numberOfInstances: number } }> }).entry[0].resource;
        assert.equal(study.numberOfInstances, 2, 'both instances in the ImagingStudy');
        for (;;) {
          const [reports, conditions] = [await total(`${second.url}/fhir/DiagnosticReport?_summary=count`), await total(`${second.url}/fhir/Condition?_summary=count`)];
          if (reports === 2 && conditions >= 1) break;
          assert.ok(Date.now() < deadline, `reports and conditions within 60 s (${reports}, ${conditions})`);
          await sleep(200);
        }
      } finally {
        await second.stop();
      }
    });
  });
}
