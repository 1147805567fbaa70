/**
 * The FHIR side of the composition root: the resource store (embedded next
 * to the index, or the same MongoDB database), the repository, the study
 * sync and, when FHIR_UPSTREAM_URL is set, the outbox pusher. Started here,
 * so a restart resumes dirty studies and the outbox before serving.
 */
import { dirname, join } from 'node:path';
import { FhirSync } from '../core/fhir-sync/fhir-sync.js';
import { loadStudyDatasets } from '../core/fhir-sync/load-study.js';
import { markingIndex } from '../core/fhir-sync/marking-index.js';
import { type ResyncRequest, resyncStudies } from '../core/fhir-sync/resync.js';
import { OutboxPusher, type PushClock, type PushStatus } from '../core/fhir-sync/outbox-pusher.js';
import { FhirRepository } from '../fhir/repository.js';
import { searchParamRegistry } from '../fhir/search/params.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { FhirStore, OutboxStatus } from '../storage/fhir-store.js';
import type { IndexStore } from '../storage/index-store.js';
import { EmbeddedFhirStore } from '../storage/embedded/embedded-fhir-store.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export interface FhirServices {
  store: FhirStore;
  repo: FhirRepository;
  sync: FhirSync;
  /** The index for the ingest and delete paths: each write marks its study dirty first (write-ahead). */
  writeIndex: IndexStore;
  /** Present when FHIR_UPSTREAM_URL is set. */
  push?: OutboxPusher;
  /** Marks stored studies dirty and schedules their syncs (after a mapping change); `sync.idle()` tells when done. */
  resync(req: ResyncRequest): Promise<{ tenants: string[]; studies: number }>;
  /** The push queue as `tenant` may see it (all tenants when undefined). */
  pushStatus(tenant?: string): Promise<PushStatus | (OutboxStatus & { enabled: false })>;
  close(): Promise<void>;
}

async function openFhirStore(config: Config): Promise<FhirStore> {
  if (config.index.kind === 'embedded') return new EmbeddedFhirStore(join(dirname(config.index.file), 'fhir.sqlite'));
  const { MongoFhirStore } = await import('../storage/mongo/mongo-fhir-store.js');
  return MongoFhirStore.connect(config.index.url, config.index.database);
}

/** `pushClock`: the pusher's time (a virtual clock lets tests cover an hour-long upstream outage). */
export async function buildFhirServices(config: Config, log: Logger, index: IndexStore, blobs: BlobStore, pushClock?: PushClock): Promise<FhirServices> {
  const f = config.fhir;
  const store = await openFhirStore(config);
  const repo = new FhirRepository(store, searchParamRegistry(f.mapping.canonicalBase));
  // Loaded only when used: the HTTP client and the mappings are not needed to start serving.
  const upstream = f.upstream ? (await import('../core/fhir-sync/upstream.js')).createUpstream(f.upstream) : undefined;
  const push = f.upstream && upstream
    ? new OutboxPusher({
        outbox: store,
        upstream,
        backoff: { baseMs: f.upstream.backoffBaseMs, maxMs: f.upstream.backoffMaxMs },
        leaseMs: f.upstream.timeoutMs * 2,
        pollMs: 30_000,
        log,
        clock: pushClock,
      })
    : undefined;
  const loaderDeps = {
    index, blobs, maxHeaderBytes: config.maxHeaderBytes,
    onUnreadable: (sopUid: string, reason: string) => log.warn({ sopUid, reason }, 'instance left out of FHIR mapping'),
  };
  const sync = new FhirSync({
    marks: store,
    sync: async (tenant, studyUid) => (await import('../core/fhir-sync/sync-study.js')).syncStudy({
      repo, outbox: push ? store : undefined, deleteMode: f.upstream?.deleteMode, mapping: f.mapping, now: () => new Date(),
      load: (t, s) => loadStudyDatasets(loaderDeps, t, s),
    }, tenant, studyUid),
    ...f.sync,
    log,
    onEnqueued: () => push?.wake(),
  });
  const resumed = await sync.start();
  if (resumed) log.info({ studies: resumed }, 'resuming FHIR sync of studies changed before the restart');
  await push?.start();
  return {
    store, repo, sync, push,
    writeIndex: markingIndex(index, sync),
    resync: (req) => resyncStudies({ index, synced: store, sync, defaultTenant: config.defaultTenant }, req),
    pushStatus: async (tenant) => (push ? push.status(tenant) : { enabled: false as const, ...(await store.outboxStatus(tenant)) }),
    async close() {
      await push?.stop();
      await sync.stop();
      await store.close();
    },
  };
}
