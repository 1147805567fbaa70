/**
 * The datasets of a study's stored instances, as the mappings need them
 * (DICOM JSON without Pixel Data; SRs with their whole content tree).
 *
 * THE one place the FHIR sync reads instances: today it parses each header
 * from a growing prefix of its blob (a few KiB per image); a cached metadata
 * JSON per study can replace the body of this function without touching
 * anything else.
 */
import type { Readable } from 'node:stream';
import { parseHeader } from '../../dicom/parse-header.js';
import type { DicomDataset } from '../../mappings/dicom-json.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { AppError } from '../../storage/errors.js';
import type { IndexStore } from '../../storage/index-store.js';
import type { InstanceRecord } from '../../storage/model.js';

export interface StudyLoaderDeps {
  index: IndexStore;
  blobs: BlobStore;
  maxHeaderBytes: number;
  /** Instances read at once. */
  parallel?: number;
  /** Told about instances that cannot be read (they are left out of the mapping). */
  onUnreadable?: (sopUid: string, reason: string) => void;
}

const FIRST_READ = 64 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readDataset(deps: StudyLoaderDeps, rec: InstanceRecord): Promise<DicomDataset | undefined> {
  for (let n = Math.min(FIRST_READ, rec.size); ; n = Math.min(n * 4, rec.size)) {
    const complete = n >= rec.size;
    const bytes = await readAll(await deps.blobs.get(rec.blobKey, { start: 0, end: n }));
    const header = parseHeader(bytes, complete || bytes.length < n);
    if (header) return header.dataset as DicomDataset;
    if (complete) throw new Error('no readable header');
    if (n >= deps.maxHeaderBytes) throw new Error(`header larger than ${deps.maxHeaderBytes} bytes`);
  }
}

export async function loadStudyDatasets(deps: StudyLoaderDeps, tenant: string, studyUid: string): Promise<DicomDataset[]> {
  const records = await deps.index.findInstances({ tenant, studyUid });
  const out: Array<DicomDataset | undefined> = new Array(records.length);
  let next = 0;
  const worker = async () => {
    while (next < records.length) {
      const i = next++;
      try {
        out[i] = await readDataset(deps, records[i]);
      } catch (err) {
        // A store that is down fails the whole load (the sync retries); an unreadable instance is left out.
        if (err instanceof AppError && err.kind !== 'not-found') throw err;
        deps.onUnreadable?.(records[i].sopUid, err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.parallel ?? 8, records.length) }, worker));
  return out.filter((d): d is DicomDataset => d !== undefined);
}
