import { vrOf } from '../dicom/dictionary.js';
import { BUILTIN_SEARCH_KEYS, SearchKeyRegistry, resolveAttributePath, type MatchKind, type SearchKey } from '../core/query/search-keys.js';
import type { BlobStore } from '../storage/blob-store.js';
import { EmbeddedIndexStore } from '../storage/embedded/embedded-index-store.js';
import { FsBlobStore } from '../storage/fs-blob-store.js';
import type { IndexStore } from '../storage/index-store.js';
import type { AuditStore } from '../storage/audit-store.js';
import { EmbeddedAuditStore } from '../storage/embedded/embedded-audit-store.js';
import { ApiKeyRegistry } from './auth/api-keys.js';
import { Authenticator } from './auth/authenticator.js';
import { JwtVerifier } from './auth/jwt-verifier.js';
import { AuditLog } from './audit/audit-log.js';
import type { Config } from './config.js';
import { buildFhirServices, type FhirServices } from './fhir-services.js';
import type { PushClock } from '../core/fhir-sync/outbox-pusher.js';
import { buildDeidServices, type DeidServices } from '../deid/services.js';
import type { Logger } from './logger.js';

/** Composition root: picks the adapters named by the config and wires services. */
export interface Container {
  config: Config;
  log: Logger;
  index: IndexStore;
  blobs: BlobStore;
  searchKeys: SearchKeyRegistry;
  /** Turns credentials into principals (JWKS read, API key file loaded). */
  authenticator: Authenticator;
  /** Audit records of access to patient data, kept beside the index. */
  audit: AuditLog;
  /** FHIR resource store, repository, study sync (`fhir.sync.idle()`) and upstream push. */
  fhir: FhirServices;
  /** De-identification: engine, per-tenant policy, audit sink and the ingest hooks of the store pipeline. */
  deid: DeidServices;
  close(): Promise<void>;
}

/** What tests may substitute without touching configuration. */
export interface ContainerSeams {
  /** Time as the FHIR outbox pusher sees it. */
  pushClock?: PushClock;
}

export async function buildContainer(config: Config, log: Logger, seams: ContainerSeams = {}): Promise<Container> {
  const index = await openIndex(config);
  const blobs = await openBlobs(config);
  const searchKeys = new SearchKeyRegistry([...BUILTIN_SEARCH_KEYS, ...extraKeys(config.extraSearchTags)]);
  const authenticator = new Authenticator(
    config.auth.jwt ? await JwtVerifier.create(config.auth.jwt) : undefined,
    config.auth.apiKeysFile ? new ApiKeyRegistry(config.auth.apiKeysFile) : undefined,
  );
  const audit = new AuditLog(await openAudit(config), log);
  const fhir = await buildFhirServices(config, log, index, blobs, seams.pushClock);
  const deid = await buildDeidServices(config.deid, { searchKeys, maxHeaderBytes: config.maxHeaderBytes });
  return {
    config, log, index, blobs, searchKeys, authenticator, audit, fhir, deid,
    async close() {
      await fhir.close();
      await deid.close();
      await audit.flush();
      await audit.store.close();
      await index.close();
      await blobs.close();
    },
  };
}

async function openIndex(config: Config): Promise<IndexStore> {
  if (config.index.kind === 'embedded') return new EmbeddedIndexStore(config.index.file);
  const { MongoIndexStore } = await import('../storage/mongo/mongo-index-store.js');
  const t = config.timeouts;
  return MongoIndexStore.connect(config.index.url, config.index.database, {
    serverSelectionTimeoutMS: t.mongoServerSelectionMs, connectTimeoutMS: t.mongoConnectMs, socketTimeoutMS: t.mongoSocketMs,
  });
}

async function openAudit(config: Config): Promise<AuditStore> {
  if (config.index.kind === 'embedded') return new EmbeddedAuditStore(config.index.file);
  const { MongoAuditStore } = await import('../storage/mongo/mongo-audit-store.js');
  return MongoAuditStore.connect(config.index.url, config.index.database);
}

async function openBlobs(config: Config): Promise<BlobStore> {
  if (config.blobs.kind === 'fs') return new FsBlobStore(config.blobs.root).init();
  const { S3BlobStore } = await import('../storage/s3-blob-store.js');
  const t = config.timeouts;
  return new S3BlobStore({ ...config.blobs, connectTimeoutMs: t.s3ConnectMs, requestTimeoutMs: t.s3RequestMs, maxAttempts: t.s3MaxAttempts });
}

const KIND_BY_VR: Record<string, MatchKind> = { DA: 'date', TM: 'time', PN: 'pn', UI: 'uid' };

/** EXTRA_SEARCH_TAGS: keywords or tags indexed at instance level and rolled up to series and study. */
function extraKeys(ids: string[]): SearchKey[] {
  return ids.map((id) => {
    const tag = resolveAttributePath(id);
    if (!tag) throw new Error(`EXTRA_SEARCH_TAGS: unknown attribute or sequence path "${id}"`);
    const leaf = tag.split('.').at(-1)!;
    return { keyword: /^[0-9A-F]{8}(\.[0-9A-F]{8})?$/i.test(id) ? tag : id, tag, level: 'instance', kind: KIND_BY_VR[vrOf(leaf)] ?? 'exact', rollup: true };
  });
}
