import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import { InstanceFactory } from './support/instance-factory.js';
import { referencedSops, send } from './support/http.js';
import { restartableFerretDb, restartableMinio, type Restartable, type RestartableMongo, type RestartableS3 } from './support/restartable-services.js';
import { auditStores } from './support/store-audit.js';

/**
 * MongoDB (FerretDB) and S3 (MinIO) go down under load and come back on the
 * same port and data. While one is down, every request that needs it answers
 * 503 with Retry-After, quickly (short server-selection and connect timeouts),
 * and none gets a 500 or hangs; the server stays up and serves again by
 * itself once the dependency is back. Nothing acknowledged is lost.
 *   OUTAGE_SECONDS (default 6): how long each dependency stays down.
 */
const OUTAGE_MS = Number(process.env.OUTAGE_SECONDS ?? 6) * 1000;
const SELECTION_MS = 1000;
const factory = new InstanceFactory([{ rows: 64, columns: 64 }, { rows: 256, columns: 256 }]);

interface Sample {
  op: 'stow' | 'qido';
  at: number;
  ms: number;
  status: number | 'error';
  retryAfter?: string;
  detail?: string;
}

describe('dependency outages under load', () => {
  let mongo: RestartableMongo;
  let s3: RestartableS3;
  let server: ChildServer;
  let dataDir: string;
  const acked = new Set<string>();

  before(async () => {
    [mongo, s3] = await Promise.all([restartableFerretDb(), restartableMinio()]);
    dataDir = await mkdtemp(join(tmpdir(), 'dicomweb-outage-'));
    server = await startChildServer(serverEnv());
  });
  after(async () => {
    await server?.stop();
    await Promise.all([mongo?.dispose(), s3?.dispose()]);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  function serverEnv(): Record<string, string> {
    return {
      DATA_DIR: dataDir, LOG_LEVEL: 'error',
      MONGODB_URL: mongo.url, MONGODB_DB: 'outage',
      S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint, S3_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: String(SELECTION_MS), MONGODB_CONNECT_TIMEOUT_MS: '1000',
      S3_CONNECT_TIMEOUT_MS: '1000', S3_REQUEST_TIMEOUT_MS: '3000', S3_MAX_ATTEMPTS: '2',
      RATE_LIMIT_PER_SECOND: '0',
      PENDING_SWEEP_INTERVAL_MS: '2000', PENDING_SWEEP_MIN_AGE_MS: '5000',
    };
  }

  for (const which of ['MongoDB', 'S3'] as const) {
    test(`${which} down for ${OUTAGE_MS / 1000} s: 503 + Retry-After while down, served again by itself`, { timeout: 180_000 }, async () => {
      const dep: Restartable = which === 'MongoDB' ? mongo : s3;
      const samples: Sample[] = [];
      const load = runLoad(server, samples, acked);
      await sleep(1500);
      const downAt = performance.now();
      await dep.stop();
      await sleep(OUTAGE_MS / 2);
      const ready = await fetch(`${server.url}/readyz`);
      assert.equal(ready.status, 503, '/readyz says unavailable while a dependency is down');
      assert.ok(ready.headers.get('retry-after'));
      await sleep(OUTAGE_MS / 2);
      const restartAt = performance.now();
      await dep.start();
      const upAt = performance.now();
      const recoveredAt = await firstSuccessAfter(samples, upAt, 60_000);
      await sleep(2000);
      await load.stop();

      assert.equal(server.child.exitCode, null, 'the server is still running');
      const bad = samples.filter((s) => s.status === 'error' || (s.status !== 503 && s.status >= 500));
      assert.deepEqual(bad.slice(0, 5), [], `no 5xx other than 503, no dropped connections (${bad.length})`);
      const unavailable = samples.filter((s) => s.status === 503);
      assert.ok(unavailable.length > 0, 'requests saw the outage');
      assert.ok(unavailable.every((s) => s.retryAfter && Number(s.retryAfter) > 0), '503 carries Retry-After');
      const slowest = Math.max(...samples.map((s) => s.ms));
      assert.ok(slowest < 10_000, `no request hangs (slowest ${Math.round(slowest)} ms)`);
      const during = samples.filter((s) => s.at > downAt + 500 && s.at + s.ms < restartAt);
      const needsIt = during.filter((s) => which === 'MongoDB' || s.op === 'stow');
      const odd = needsIt.filter((s) => s.status !== 503).map((s) => `${s.op} ${s.status} at +${Math.round(s.at - downAt)} ms: ${s.detail ?? ''}`);
      assert.ok(needsIt.length > 0 && odd.length === 0, `requests needing ${which} answer 503 while it is down (${needsIt.length}): ${odd.slice(0, 5).join('; ')}`);
      const p95 = percentile(needsIt.map((s) => s.ms), 0.95);
      assert.ok(p95 < SELECTION_MS + 2500, `503s come fast (p95 ${Math.round(p95)} ms)`);
      const after = samples.filter((s) => s.at > recoveredAt + 500);
      assert.ok(after.length > 0 && after.every((s) => s.status === 200 || s.status === 202), 'all requests succeed once recovered');
      console.log(`# ${which} outage: ${needsIt.length} requests answered 503 while down (p95 ${Math.round(p95)} ms, slowest ${Math.round(slowest)} ms); `
        + `first success ${Math.round(recoveredAt - upAt)} ms after ${which} was back; ${samples.length} requests in all`);
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    });
  }

  test('nothing acknowledged was lost; what the outages left pending is settled without a restart', { timeout: 120_000 }, async () => {
    const { MongoIndexStore } = await import('../../storage/mongo/mongo-index-store.js');
    const { S3BlobStore } = await import('../../storage/s3-blob-store.js');
    const index = await MongoIndexStore.connect(mongo.url, 'outage');
    process.env.AWS_ACCESS_KEY_ID ??= s3.accessKey;
    process.env.AWS_SECRET_ACCESS_KEY ??= s3.secretKey;
    const blobs = new S3BlobStore({ bucket: s3.bucket, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, prefix: '' });
    try {
      let audit = await auditStores(index, blobs, 'default');
      const leftPending = audit.pending;
      const deadline = Date.now() + 60_000;
      while (audit.pending > 0 && Date.now() < deadline) {
        await sleep(1000);
        audit = await auditStores(index, blobs, 'default');
      }
      assert.equal(audit.pending, 0, 'the running server settled every pending store (PENDING_SWEEP_INTERVAL_MS)');
      assert.deepEqual(audit.broken, [], 'no index entry points at a missing blob');
      assert.deepEqual(audit.strays, [], 'no blob is left without an index entry');
      for (const sop of acked) assert.ok(audit.records.has(sop), `acknowledged ${sop} is stored`);
      console.log(`# outages: ${acked.size} acknowledged instances all intact; ${leftPending} stores left pending by the outages, settled by the running server`);
    } finally {
      await index.close();
      await blobs.close();
    }
  });
});

/** Four clients: two STOW one small instance at a time, two run QIDO, until stopped. */
function runLoad(server: ChildServer, samples: Sample[], acked: Set<string>) {
  let stopped = false;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const t0 = performance.now();
  const one = async (op: Sample['op']) => {
    const at = performance.now();
    const m = op === 'stow' ? factory.make(Math.floor(Math.random() * factory.count)) : undefined;
    try {
      const reply = op === 'stow'
        ? await send(`${server.url}/dicomweb/studies`, { method: 'POST', headers: { 'Content-Type': STOW_TYPE }, body: multipartBody([m!.bytes]), agent, timeoutMs: 30_000 })
        : await send(`${server.url}/dicomweb/studies?limit=10`, { agent, timeoutMs: 30_000 });
      if (op === 'stow' && reply.status === 200) for (const sop of referencedSops(reply.body)) acked.add(sop);
      samples.push({ op, at, ms: reply.ms, status: reply.status, retryAfter: reply.headers['retry-after'], detail: reply.status !== 200 ? reply.body.toString().slice(0, 300) : undefined });
    } catch (err) {
      samples.push({ op, at, ms: performance.now() - at, status: 'error', detail: String(err) });
    }
  };
  const loop = async (op: Sample['op']) => {
    while (!stopped) await one(op);
  };
  const running = Promise.all([loop('stow'), loop('stow'), loop('qido'), loop('qido')]);
  void t0;
  return {
    async stop() {
      stopped = true;
      await running;
      agent.destroy();
    },
  };
}

async function firstSuccessAfter(samples: Sample[], since: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const ok = samples.find((s) => s.at >= since && s.op === 'stow' && s.status === 200);
    if (ok) return ok.at + ok.ms;
    await sleep(50);
  }
  throw new Error(`no successful STOW within ${timeoutMs} ms of the dependency's return`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}
