import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusManifest, CORPUS_DIR } from '../helpers/corpus.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import { serverBackend, type ServerBackend } from './support/backends.js';
import { InstanceFactory, type Made } from './support/instance-factory.js';
import { fuzzQuery, malformedHeaders, malformedMultipart, rawGarbage, type FuzzRequest } from './support/malformed.js';
import { MUTATIONS, MUTATION_NAMES } from './support/mutate.js';
import { referencedSops, send } from './support/http.js';
import { intFrom, rng, seedFrom, type Rng } from './support/rng.js';
import { auditStores, sha256Of } from './support/store-audit.js';

/**
 * Thousands of mutated DICOM files (from the shared corpus), malformed
 * multipart bodies, headers, query strings and raw non-HTTP bytes against
 * the real server (child process). It must stay up, answer every request
 * with 2xx or 4xx (never 5xx, never hang), store the valid instances mixed
 * into hostile requests, and leave every instance stored before intact.
 *   FUZZ_SEED, FUZZ_ITERATIONS (default 2000), FUZZ_CONCURRENCY (default 4).
 * A failure prints the seed, iteration and case; FUZZ_ONLY=<iteration> replays one.
 */
const SEED = seedFrom('FUZZ_SEED');
const ITERATIONS = intFrom('FUZZ_ITERATIONS', 2000);
const CONCURRENCY = intFrom('FUZZ_CONCURRENCY', 4);
const ONLY = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
/** FUZZ_TRACE=1: one line per request sent and answered (to find the one that hurt). */
const TRACE = process.env.FUZZ_TRACE === '1';

const corpus = corpusManifest()
  .map((e) => CORPUS_DIR + e.path)
  .map((path) => readFileSync(path))
  .filter((b) => b.length <= 600 * 1024);
const factory = new InstanceFactory([{ rows: 32, columns: 32 }, { rows: 128, columns: 128, modality: 'MR' }]);

interface Outcome {
  iteration: number;
  kind: string;
  status: number | 'closed' | 'error';
  detail?: string;
}

let backend: ServerBackend;
let server: ChildServer;
const good = new Map<string, { sha256: string; studyUid: string }>();

before(async () => {
  backend = await serverBackend('embedded');
  server = await startChildServer({
    ...backend.env, LOG_LEVEL: 'error', RATE_LIMIT_PER_SECOND: '0',
    // Short enough that a stalled request ends within the client's 60 s, long enough that a
    // busy event loop (dcmjs parses on it) does not cut requests that are merely queued.
    HTTP_HEADERS_TIMEOUT_MS: '10000', HTTP_IDLE_TIMEOUT_MS: '30000', HTTP_REQUEST_TIMEOUT_MS: '50000',
  });
  // The instances that must survive: synthetic ones, and every corpus file the server accepts as is.
  for (const m of Array.from({ length: 10 }, (_, i) => factory.make(i))) await storeGood(m.bytes, m.sopUid, m.sha256, m.studyUid);
  for (const bytes of corpus) {
    const reply = await send(`${server.url}/dicomweb/studies`, { method: 'POST', headers: { 'Content-Type': STOW_TYPE }, body: multipartBody([bytes]) });
    const [sop] = referencedSops(reply.body);
    if (reply.status === 200 && sop && !good.has(sop)) {
      const study = JSON.parse(reply.body.toString())['00081190'].Value[0].split('/studies/')[1];
      good.set(sop, { sha256: (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex'), studyUid: study });
    }
  }
});
after(async () => {
  await server?.stop();
  await backend?.dispose();
});

async function storeGood(bytes: Buffer, sop: string, sha256: string, studyUid: string): Promise<void> {
  const reply = await send(`${server.url}/dicomweb/studies`, { method: 'POST', headers: { 'Content-Type': STOW_TYPE }, body: multipartBody([bytes]) });
  assert.equal(reply.status, 200, reply.body.toString());
  good.set(sop, { sha256, studyUid });
}

test(`fuzz: ${ITERATIONS} hostile requests, never a 5xx, the server stays up, stored data intact`, { timeout: 60 * 60_000 }, async () => {
  const started = performance.now();
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const knownStudy = [...good.values()][0].studyUid;
  const outcomes: Outcome[] = [];
  const failures: Outcome[] = [];
  let next = ONLY ?? 0;
  const last = ONLY ?? ITERATIONS - 1;
  const worker = async () => {
    while (next <= last) {
      const iteration = next++;
      const o = await runOne(iteration, rng(SEED * 1_000_003 + iteration), agent, knownStudy);
      outcomes.push(o);
      if (o.status === 'error' || (typeof o.status === 'number' && o.status >= 500)) failures.push(o);
      if (iteration % 250 === 249) {
        assert.equal(server.child.exitCode, null, `the server died (before iteration ${iteration})`);
        assert.equal((await send(`${server.url}/healthz`)).status, 200);
      }
    }
  };
  // Meanwhile, how long the server takes to answer a health probe: how long hostile input blocks everyone.
  const probes: number[] = [];
  let fuzzing = true;
  const prober = (async () => {
    while (fuzzing) {
      probes.push((await send(`${server.url}/healthz`, { timeoutMs: 120_000 })).ms);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  fuzzing = false;
  await prober;
  agent.destroy();
  probes.sort((a, b) => a - b);
  console.log(`# fuzz: /healthz during the run: p50 ${Math.round(probes[Math.floor(probes.length / 2)])} ms, `
    + `p95 ${Math.round(probes[Math.floor(probes.length * 0.95)])} ms, max ${Math.round(probes[probes.length - 1])} ms`);
  const seconds = (performance.now() - started) / 1000;
  report(outcomes, seconds);
  assert.deepEqual(failures.slice(0, 10).map((f) => `FUZZ_SEED=${SEED} FUZZ_ONLY=${f.iteration} ${f.kind}: ${f.status} ${f.detail ?? ''}`), [],
    `${failures.length} requests got a 5xx or no answer`);
  assert.equal(server.child.exitCode, null, 'the server is still running');
  assert.equal((await send(`${server.url}/readyz`)).status, 200);

  // Every instance stored before the fuzzing is found, then checked byte for byte in the stores.
  for (const [sop] of good) {
    const found = await send(`${server.url}/dicomweb/instances?SOPInstanceUID=${sop}`);
    assert.equal(JSON.parse(found.body.toString()).length, 1, `${sop} is still found`);
  }
  console.log(`# fuzz: server RSS at the end ${Math.round(server.rssBytes() / 1024 ** 2)} MB`);
  await server.stop();
  const stores = await backend.open();
  try {
    const audit = await auditStores(stores.index, stores.blobs, 'default', (sop) => good.has(sop));
    assert.deepEqual(audit.broken, []);
    assert.deepEqual(audit.strays, [], 'refused instances left no blobs behind');
    assert.equal(audit.pending, 0, 'no store is left pending');
    for (const [sop, g] of good) assert.equal(await sha256Of(stores.blobs, audit.records.get(sop)!.blobKey), g.sha256, `${sop} intact`);
  } finally {
    await stores.close();
  }
});

async function runOne(iteration: number, r: Rng, agent: Agent, knownStudy: string): Promise<Outcome> {
  const roll = r.next();
  if (roll < 0.05) return raw(iteration, r);
  let kind: string;
  let req: FuzzRequest;
  let fresh: Made | undefined;
  if (roll < 0.6) {
    const parts: Buffer[] = [];
    const names: string[] = [];
    for (let i = r.int(1, 3); i > 0; i--) {
      let b = r.chance(0.15) ? factory.make(r.int(0, 1)).bytes : r.pick(corpus);
      for (let m = r.int(1, 3); m > 0; m--) {
        const name = r.pick(MUTATION_NAMES);
        names.push(name);
        b = MUTATIONS[name](b, r);
      }
      parts.push(b);
    }
    if (r.chance(0.3)) parts.splice(r.int(0, parts.length), 0, (fresh = factory.make(r.int(0, 1))).bytes);
    kind = `dicom:${names.join('+')}`;
    req = { method: 'POST', path: '/dicomweb/studies', headers: { 'Content-Type': STOW_TYPE, Accept: 'application/dicom+json' }, body: multipartBody(parts) };
  } else if (roll < 0.75) {
    ({ name: kind, req } = malformedMultipart([r.pick(corpus), factory.make(0).bytes], r));
  } else if (roll < 0.83) {
    ({ name: kind, req } = malformedHeaders(factory.make(0).bytes, r));
  } else {
    ({ name: kind, req } = fuzzQuery(r, knownStudy));
  }
  if (TRACE) console.log(`# ${iteration} → ${kind} ${req.method} ${req.path.slice(0, 80)} ${req.body?.length ?? 0} bytes`);
  try {
    const reply = await send(`${server.url}${req.path}`, { method: req.method, headers: req.headers, body: req.body, agent, timeoutMs: 60_000 });
    if (TRACE) console.log(`# ${iteration} ← ${reply.status} in ${Math.round(reply.ms)} ms, server RSS ${Math.round(server.rssBytes() / 1024 ** 2)} MB`);
    const o: Outcome = { iteration, kind, status: reply.status, detail: reply.status >= 500 ? reply.body.toString().slice(0, 200) : undefined };
    if (fresh && !referencedSops(reply.body).includes(fresh.sopUid)) {
      return { ...o, status: 'error', detail: `the valid instance in the request was not stored (HTTP ${reply.status}: ${reply.body.toString().slice(0, 200)})` };
    }
    return o;
  } catch (err) {
    // Broken framing may make the server close the connection; well-formed HTTP must get an answer.
    const framing = kind.startsWith('multipart:') || kind.startsWith('headers:');
    return { iteration, kind, status: framing ? 'closed' : 'error', detail: String(err) };
  }
}

/** Bytes on a raw socket: any answer below 500, or a closed connection, is fine. */
function raw(iteration: number, r: Rng): Promise<Outcome> {
  const { name, bytes } = rawGarbage(r);
  return new Promise((resolve) => {
    const s = connect(Number(new URL(server.url).port), '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => s.destroy(new Error('no answer within 60 s')), 60_000);
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ iteration, kind: name, status: m ? Number(m[1]) : 'closed', detail: text.slice(0, 120) });
    });
    s.on('connect', () => s.end(bytes));
  });
}

function report(outcomes: Outcome[], seconds: number): void {
  const byKind = new Map<string, Map<string, number>>();
  for (const o of outcomes) {
    const family = o.kind.startsWith('dicom:') ? `dicom:${o.kind.slice(6).split('+')[0]}` : o.kind;
    const m = byKind.get(family) ?? new Map<string, number>();
    m.set(String(o.status), (m.get(String(o.status)) ?? 0) + 1);
    byKind.set(family, m);
  }
  console.log(`# fuzz: ${outcomes.length} requests in ${seconds.toFixed(0)} s (${(outcomes.length / seconds).toFixed(1)}/s), seed ${SEED}; ${good.size} instances stored before`);
  for (const [kind, m] of [...byKind].sort()) console.log(`#   ${kind.padEnd(34)} ${[...m].sort().map(([s, n]) => `${s}×${n}`).join(' ')}`);
}
