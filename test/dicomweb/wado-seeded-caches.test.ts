import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HeaderCollector } from '../../dicom/header-collector.js';
import { HeaderParsePool } from '../../dicom/header-parse-pool.js';
import type { ParsedHeader } from '../../dicom/parse-header.js';
import { InstanceAccess } from '../../dicomweb/wado/instance-access.js';
import { MetadataCache } from '../../dicomweb/wado/metadata-cache.js';
import { blobKeys } from '../../storage/blob-store.js';
import { FsBlobStore } from '../../storage/fs-blob-store.js';
import type { InstanceRecord } from '../../storage/model.js';
import { corpusManifest, CORPUS_DIR } from '../helpers/corpus.js';

/**
 * STOW seeds the metadata and pixel-view caches from the header it parsed
 * (dicomweb/router.ts). What a seeded cache serves must be exactly what a
 * cold one builds by reading the stored blob back: checked for every corpus
 * file, with the ingest path's own header parser and the real blob store.
 */
const LIMITS = { maxHeaderBytes: 64 * 1024 * 1024, maxInflatedBytes: 512 * 1024 * 1024 };
const THRESHOLD = 1024;

let dir: string;
let blobs: FsBlobStore;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seeded-caches-'));
  blobs = await new FsBlobStore(dir).init();
});
after(() => rm(dir, { recursive: true, force: true }));

/** The file as STOW stores it: blob written while the header collector hashes and parses it. */
async function ingest(path: string, pool?: HeaderParsePool): Promise<{ rec: InstanceRecord; header: ParsedHeader } | undefined> {
  const blobKey = blobKeys.instance('default', randomUUID());
  const collector = new HeaderCollector(LIMITS.maxHeaderBytes, undefined, pool);
  const sink = new PassThrough();
  try {
    await Promise.all([pipeline(createReadStream(CORPUS_DIR + path), collector, sink), blobs.put(blobKey, sink)]);
  } catch {
    return undefined; // not storable: STOW refuses it, nothing to seed
  }
  const { header, sha256, size } = collector.result();
  const rec = { tenant: 'default', studyUid: '1.2', seriesUid: '1.2.3', sopUid: '1.2.3.4', sopClassUid: '1.2.3.5', transferSyntaxUid: header.transferSyntaxUid, blobKey, size, sha256 } as InstanceRecord;
  return { rec, header };
}

const settle = <T>(p: Promise<T>) => p.then((v) => ({ ok: true as const, v }), (e: Error) => ({ ok: false as const, e: e.message }));

test('seeded metadata JSON and pixel views equal the ones read back from the stored blob, for every corpus file', () => compareAll());

test('the same with headers parsed on worker threads (HEADER_PARSE_WORKERS)', async () => {
  const pool = new HeaderParsePool(1);
  try {
    await compareAll(pool);
  } finally {
    await pool.close();
  }
});

async function compareAll(pool?: HeaderParsePool): Promise<void> {
  let seededMeta = 0;
  let seededViews = 0;
  for (const { path } of corpusManifest()) {
    const stored = await ingest(path, pool);
    if (!stored) continue;
    const { rec, header } = stored;

    const seededAccess = new InstanceAccess(blobs, LIMITS);
    const seeded = new MetadataCache(blobs, seededAccess, THRESHOLD);
    seeded.seed(rec, header);
    seededAccess.seed(rec, header);
    const coldAccess = new InstanceAccess(blobs, LIMITS);
    const cold = new MetadataCache(blobs, coldAccess, THRESHOLD);

    // The cold one first: both write the cache blob after answering, and the seeded one must not read it.
    const fromBlob = await settle(cold.get(rec));
    const fromSeed = await settle(seeded.get(rec));
    assert.deepEqual(fromSeed, fromBlob, `${path}: metadata JSON`);
    const coldView = await settle(coldAccess.pixels(rec));
    const seedView = await settle(seededAccess.pixels(rec));
    const strip = (r: typeof seedView) => (r.ok ? { ok: true, v: { ...r.v, read: undefined } } : r);
    assert.deepEqual(strip(seedView), strip(coldView), `${path}: pixel view`);

    // Count what seeding covered (a seeded entry is there before any read of the blob).
    const probe = new MetadataCache(blobs, new InstanceAccess(blobs, LIMITS), THRESHOLD);
    probe.seed(rec, header);
    if ((probe as unknown as { memory: Map<string, unknown> }).memory.has(rec.blobKey)) seededMeta++;
    const probeAccess = new InstanceAccess(blobs, LIMITS);
    probeAccess.seed(rec, header);
    if ((probeAccess as unknown as { lru: Map<string, unknown> }).lru.has(rec.blobKey)) seededViews++;
  }
  console.log(`# seeded: metadata of ${seededMeta} files, pixel views of ${seededViews}`);
  assert.ok(seededMeta >= 100 && seededViews >= 50, 'seeding covers most of the corpus');
}
