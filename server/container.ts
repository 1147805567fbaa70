import { resolveTag, vrOf } from '../dicom/dictionary.js';
import { BUILTIN_SEARCH_KEYS, SearchKeyRegistry, type MatchKind, type SearchKey } from '../core/query/search-keys.js';
import type { BlobStore } from '../storage/blob-store.js';
import { EmbeddedIndexStore } from '../storage/embedded/embedded-index-store.js';
import { FsBlobStore } from '../storage/fs-blob-store.js';
import type { IndexStore } from '../storage/index-store.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/** Composition root: picks the adapters named by the config and wires services. */
export interface Container {
  config: Config;
  log: Logger;
  index: IndexStore;
  blobs: BlobStore;
  searchKeys: SearchKeyRegistry;
  close(): Promise<void>;
}

export async function buildContainer(config: Config, log: Logger): Promise<Container> {
  const index = await openIndex(config);
  const blobs = await openBlobs(config);
  const searchKeys = new SearchKeyRegistry([...BUILTIN_SEARCH_KEYS, ...extraKeys(config.extraSearchTags)]);
  return {
    config, log, index, blobs, searchKeys,
    async close() {
      await index.close();
      await blobs.close();
    },
  };
}

async function openIndex(config: Config): Promise<IndexStore> {
  if (config.index.kind === 'embedded') return new EmbeddedIndexStore(config.index.file);
  const { MongoIndexStore } = await import('../storage/mongo/mongo-index-store.js');
  return MongoIndexStore.connect(config.index.url, config.index.database);
}

async function openBlobs(config: Config): Promise<BlobStore> {
  if (config.blobs.kind === 'fs') return new FsBlobStore(config.blobs.root).init();
  const { S3BlobStore } = await import('../storage/s3-blob-store.js');
  return new S3BlobStore(config.blobs);
}

const KIND_BY_VR: Record<string, MatchKind> = { DA: 'date', TM: 'time', PN: 'pn', UI: 'uid' };

/** EXTRA_SEARCH_TAGS: keywords or tags indexed at instance level and rolled up to series and study. */
function extraKeys(ids: string[]): SearchKey[] {
  return ids.map((id) => {
    const tag = resolveTag(id);
    if (!tag) throw new Error(`EXTRA_SEARCH_TAGS: unknown attribute "${id}"`);
    return { keyword: /^[0-9A-F]{8}$/i.test(id) ? tag : id, tag, level: 'instance', kind: KIND_BY_VR[vrOf(tag)] ?? 'exact', rollup: true };
  });
}
