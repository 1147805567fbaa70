import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import { SERVER_BACKENDS, serverBackend, type ServerBackend } from './support/backends.js';
import { InstanceFactory } from './support/instance-factory.js';
import { referencedSops, send } from './support/http.js';
import { intFrom, rng, seedFrom } from './support/rng.js';
import { auditStores, sha256Of } from './support/store-audit.js';

/**
 * The server is killed with SIGKILL at random moments while clients stream
 * STOWs at it, then restarted on the same data. Every instance it
 * acknowledged must be retrievable byte for byte; no index entry may point at
 * a missing or different blob; an unindexed blob may exist only while its
 * store is pending, and the restart must delete it.
 *   CRASH_SEED, CRASH_ITERATIONS (default 5 per backend), CRASH_CLIENTS (default 8).
 */
const SEED = seedFrom('CRASH_SEED');
const ITERATIONS = intFrom('CRASH_ITERATIONS', 5);
const CLIENTS = intFrom('CRASH_CLIENTS', 8);
const TENANT = 'default';

// ~8 KiB to ~4 MiB per instance, small ones more often.
const factory = new InstanceFactory([64, 128, 256, 512, 768, 1024, 1448].map((n) => ({ rows: n, columns: n })));

interface Acked {
  sha256: string;
  size: number;
}

for (const backendName of SERVER_BACKENDS) {
  describe(`SIGKILL during STOW load on ${backendName}`, () => {
    let backend: ServerBackend;
    after(async () => backend?.dispose());

    test(`${ITERATIONS} kills: acknowledged means durable, restart leaves no orphans`, { timeout: 30 * 60_000 }, async () => {
      backend = await serverBackend(backendName);
      const random = rng(SEED + (backendName === 'embedded' ? 0 : 1));
      const acked = new Map<string, Acked>();
      const checked = new Set<string>();
      const totals = { requests: 0, inFlightAtKill: 0, pendingAfterKill: 0, recovered: 0 };

      for (let i = 0; i < ITERATIONS; i++) {
        const server = await startChildServer({ ...backend.env, LOG_LEVEL: 'error' });
        await expectClean(backend, acked, `after restart ${i}`);
        const ackedBefore = acked.size;
        const load = streamStows(server, random, acked);
        // Kill at a random moment once this run has acknowledged something: on a busy
        // machine a STOW can take longer than the random delay alone.
        for (const t0 = performance.now(); acked.size === ackedBefore && performance.now() - t0 < 120_000;) await sleep(50);
        await sleep(random.int(0, 4000));
        totals.inFlightAtKill += load.inFlight();
        await server.kill();
        totals.requests += await load.stop();
        await quiesce(backend);

        const stores = await backend.open();
        try {
          // Hash only what is new since the last check: everything older was verified already.
          const audit = await auditStores(stores.index, stores.blobs, TENANT, (sop) => !checked.has(sop));
          assert.deepEqual(audit.broken, [], `kill ${i}: index entries with a bad blob`);
          assert.deepEqual(audit.strays, [], `kill ${i}: instance blobs neither indexed nor pending`);
          for (const [sop, a] of acked) {
            const rec = audit.records.get(sop);
            assert.ok(rec, `kill ${i}: acknowledged ${sop} is not in the index`);
            assert.equal(rec.sha256, a.sha256, `kill ${i}: ${sop} indexed with another hash`);
            assert.equal(rec.size, a.size);
            if (!checked.has(sop)) assert.equal(await sha256Of(stores.blobs, rec.blobKey), a.sha256, `kill ${i}: ${sop} bytes differ`);
          }
          for (const sop of audit.records.keys()) checked.add(sop);
          totals.pendingAfterKill += audit.pending;
          totals.recovered += audit.pendingBlobs;
        } finally {
          await stores.close();
        }
      }

      // One last start runs recovery; a graceful stop; then nothing may be left over.
      const server = await startChildServer({ ...backend.env, LOG_LEVEL: 'error' });
      await server.stop();
      await expectClean(backend, acked, 'at the end');
      if (backend.name === 'embedded') {
        assert.deepEqual(await readdir(join(backend.dataDir, 'blobs', '.tmp')), [], 'no temporary blob files are left');
      }
      console.log(`# ${backendName}: ${ITERATIONS} kills, ${totals.requests} STOW requests, ${acked.size} instances acknowledged, `
        + `${totals.inFlightAtKill} requests in flight at the kills, ${totals.pendingAfterKill} pending stores found after kills `
        + `(${totals.recovered} with a blob written), all recovered`);
      assert.ok(acked.size > 0, 'some instances were acknowledged');
      assert.ok(totals.inFlightAtKill > 0, 'some kills hit requests in flight');
    });
  });
}

/**
 * Writes the killed process had already sent may still land afterwards (FerretDB
 * works through its queue after the client is gone); recovery at the next start
 * cannot see a write that has not landed yet. So wait until the stores stop
 * changing: 3 equal readings 300 ms apart.
 */
async function quiesce(backend: ServerBackend): Promise<void> {
  let last = '';
  for (let same = 0, i = 0; same < 3 && i < 200; i++) {
    const stores = await backend.open();
    try {
      const a = await auditStores(stores.index, stores.blobs, TENANT, () => false);
      const now = `${a.records.size}/${a.pending}/${a.strays.length}/${a.pendingBlobs}`;
      same = now === last ? same + 1 : 0;
      last = now;
    } finally {
      await stores.close();
    }
    await sleep(300);
  }
}

/** After a (re)start: no pending stores, no orphan blobs, every acknowledged instance intact (sizes). */
async function expectClean(backend: ServerBackend, acked: Map<string, Acked>, when: string): Promise<void> {
  const stores = await backend.open();
  try {
    const audit = await auditStores(stores.index, stores.blobs, TENANT, () => false);
    assert.deepEqual(audit.broken, [], `${when}: index entries with a bad blob`);
    assert.equal(audit.pending, 0, `${when}: recovery left pending stores`);
    assert.equal(audit.strays.length + audit.pendingBlobs, 0, `${when}: blobs without an index entry`);
    for (const sop of acked.keys()) assert.ok(audit.records.has(sop), `${when}: acknowledged ${sop} is missing`);
  } finally {
    await stores.close();
  }
}

/** CLIENTS loops posting 1–3 instances per request until stopped; acknowledged instances go into `acked`. */
function streamStows(server: ChildServer, random: ReturnType<typeof rng>, acked: Map<string, Acked>) {
  let stopped = false;
  let inFlight = 0;
  let requests = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const client = async () => {
    while (!stopped) {
      const made = Array.from({ length: random.int(1, 3) }, () => factory.make(random.int(0, factory.count - 1)));
      inFlight++;
      requests++;
      try {
        const reply = await send(`${server.url}/dicomweb/studies`, {
          method: 'POST', headers: { 'Content-Type': STOW_TYPE, Accept: 'application/dicom+json' }, body: multipartBody(made.map((m) => m.bytes)), agent,
        });
        if (reply.status === 200 || reply.status === 202) {
          for (const sop of referencedSops(reply.body)) {
            const m = made.find((x) => x.sopUid === sop)!;
            acked.set(sop, { sha256: m.sha256, size: m.bytes.length });
          }
        } else if (!stopped) {
          throw new Error(`unexpected STOW status ${reply.status}: ${reply.body.toString('utf8').slice(0, 300)}`);
        }
      } catch (err) {
        if (!stopped && !/ECONNRESET|ECONNREFUSED|socket hang up|EPIPE/.test(String(err))) throw err;
        if (!stopped) await sleep(20); // the server is going down
      } finally {
        inFlight--;
      }
    }
  };
  const running = Promise.all(Array.from({ length: CLIENTS }, client));
  return {
    inFlight: () => inFlight,
    async stop(): Promise<number> {
      stopped = true;
      await running;
      agent.destroy();
      return requests;
    },
  };
}
