import type { BlobStore } from '../../storage/blob-store.js';
import type { IndexStore } from '../../storage/index-store.js';
import type { DicomwebContext } from '../context.js';
import type { InstanceAccess } from './instance-access.js';

/** What the WADO-RS and rendered handlers need. */
export interface WadoDeps {
  index: IndexStore;
  blobs: BlobStore;
  ctx: DicomwebContext;
  access: InstanceAccess;
  /** Binary values larger than this many bytes become BulkDataURI in metadata (PS3.18 §F.2.6). */
  bulkDataThreshold: number;
}
