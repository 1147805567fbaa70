import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PassThrough, type Transform } from 'node:stream';
import { DatasetLimitError, type DatasetLimits } from '../../dicom/dataset-limits.js';
import { burnedInRisk, type BurnedInReason } from '../../dicom/burned-in.js';
import { HeaderCollector, HeaderTooLargeError } from '../../dicom/header-collector.js';
import type { HeaderParsePool } from '../../dicom/header-parse-pool.js';
import { NotDicomError, type ParsedHeader } from '../../dicom/parse-header.js';
import { Tag } from '../../dicom/tags.js';
import { cleanUid, isValidUid } from '../../dicom/uid.js';
import { blobKeys, type BlobStore } from '../../storage/blob-store.js';
import { AppError } from '../../storage/errors.js';
import type { IndexStore } from '../../storage/index-store.js';
import type { DuplicatePolicy, InstanceRecord } from '../../storage/model.js';
import type { SearchKeyRegistry } from '../query/search-keys.js';
import { FailureReason } from './failure-reasons.js';
import { indexAttributes } from './index-attributes.js';
import { computeTerms, sortKeys, type LevelTerms } from './search-terms.js';

export interface StoreDeps {
  index: IndexStore;
  blobs: BlobStore;
  searchKeys: SearchKeyRegistry;
  duplicatePolicy: DuplicatePolicy;
  maxHeaderBytes: number;
  /** What reading one header may cost (element size, nesting, count, inflation); defaults when absent. */
  datasetLimits?: DatasetLimits;
  now?: () => Date;
  hooks?: IngestHooks;
  /** Where headers are parsed: a worker-thread pool, or inline on this thread when absent or false. */
  parsePool?: HeaderParsePool | false;
}

/**
 * Extension points of the ingest pipeline (used by de-identification, deid/ingest-hooks.ts).
 * The pipeline stays ignorant of what they do.
 */
export interface IngestHooks {
  /** A stream stage in front of hashing, parsing and storing: what it emits is what gets stored. */
  stage?(tenant: string): IngestStage | undefined;
  /** Extra search terms for an instance, computed from its (stored) header. */
  extraTerms?(tenant: string, header: ParsedHeader): Partial<LevelTerms> | undefined;
}

export interface IngestStage {
  stream: Transform;
  /** Called once the instance is committed to the index. */
  afterCommit?(stored: StoredInstance): Promise<void>;
}

export interface StoreRequest {
  tenant: string;
  /** Set for a study-scoped store (POST /studies/{uid}). */
  expectedStudyUid?: string;
  /** Search terms added by the caller (e.g. the uploader's patient id of the upload API). */
  extraTerms?: Partial<LevelTerms>;
}

export interface StoredInstance {
  ok: true;
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  sopClassUid: string;
  /** 'duplicate' when identical bytes were already stored (idempotent re-send). */
  outcome: 'inserted' | 'duplicate' | 'replaced';
  sha256: string;
  size: number;
  /** Where its bytes are stored (for a duplicate: the copy already stored); for caches keyed by blob. */
  blobKey: string;
  header: ParsedHeader;
  /** Why its pixels may hold burned-in identifying text (dicom/burned-in.ts), from the stored header; empty when none. */
  burnedInAnnotationRisk: BurnedInReason[];
}

export interface FailedInstance {
  ok: false;
  sopUid?: string;
  sopClassUid?: string;
  reason: number;
  message: string;
}

export type StoreResult = StoredInstance | FailedInstance;

/**
 * Stores one instance: stream to the blob store while hashing and parsing its
 * header, then commit the index entry. Pending → commit → clean-up (as in
 * Microsoft's StoreOrchestrator): an instance is acknowledged only once both
 * its blob and index entry are durable; anything else leaves no trace.
 */
export async function storeInstance(body: Readable, req: StoreRequest, deps: StoreDeps): Promise<StoreResult> {
  const staged = await stageInstance(body, req, deps);
  return staged.ok ? commitStaged(staged, deps) : staged;
}

/** An instance whose blob is written and header validated, not yet in the index (only its pending entry is). */
export interface StagedInstance extends Ready {
  req: StoreRequest;
  stage?: IngestStage;
}

/**
 * The first half of storeInstance, for callers that must decide after the
 * bytes arrived whether to keep them (the upload API reads form fields that
 * may follow the file). Follow with commitStaged or discardStaged.
 */
export async function stageInstance(body: Readable, req: StoreRequest, deps: StoreDeps): Promise<StagedInstance | FailedInstance> {
  const now = deps.now ?? (() => new Date());
  const blobKey = blobKeys.instance(req.tenant, randomUUID());
  await deps.index.addPending({ tenant: req.tenant, blobKey, startedAt: now().toISOString() });
  const stage = deps.hooks?.stage?.(req.tenant);
  const pool = deps.parsePool || undefined;
  const collector = new HeaderCollector(deps.maxHeaderBytes, deps.datasetLimits, pool);
  const sink = new PassThrough();
  const stream = stage ? pipeline(body, stage.stream, collector, sink) : pipeline(body, collector, sink);
  const results = await Promise.allSettled([stream, deps.blobs.put(blobKey, sink)]);
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) {
    await discard(deps, blobKey);
    return failureFromStreamError(collector.error ?? rejected.reason);
  }
  const { header, sha256, size } = collector.result();
  const validated = validate(header, req, size);
  if (!validated.ok) {
    await discard(deps, blobKey);
    return validated;
  }
  return { ...validated, header, sha256, size, blobKey, req, stage };
}

export async function commitStaged(staged: StagedInstance, deps: StoreDeps): Promise<StoreResult> {
  const now = deps.now ?? (() => new Date());
  const result = await commit(staged, staged.req, deps, now());
  if (result.ok && result.outcome !== 'duplicate') await staged.stage?.afterCommit?.(result);
  return result;
}

export async function discardStaged(staged: StagedInstance, deps: StoreDeps): Promise<void> {
  await discard(deps, staged.blobKey);
}

interface Identified {
  ok: true;
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  sopClassUid: string;
}

function validate(h: ParsedHeader, req: StoreRequest, size: number): Identified | FailedInstance {
  const sopUid = cleanUid(h.dataset[Tag.SOPInstanceUID]?.Value?.[0]);
  const sopClassUid = cleanUid(h.dataset[Tag.SOPClassUID]?.Value?.[0]);
  const studyUid = cleanUid(h.dataset[Tag.StudyInstanceUID]?.Value?.[0]);
  const seriesUid = cleanUid(h.dataset[Tag.SeriesInstanceUID]?.Value?.[0]);
  const fail = (message: string, reason: number = FailureReason.DataSetDoesNotMatchSopClass): FailedInstance => ({
    ok: false, sopUid: isValidUid(sopUid) ? sopUid : undefined, sopClassUid: isValidUid(sopClassUid) ? sopClassUid : undefined, reason, message,
  });
  for (const [name, uid] of [['SOPInstanceUID', sopUid], ['SOPClassUID', sopClassUid], ['StudyInstanceUID', studyUid], ['SeriesInstanceUID', seriesUid]] as const) {
    if (uid === undefined) return fail(`${name} is missing`);
    if (!isValidUid(uid)) return fail(`${name} is not a valid UID (PS3.5 §9.1)`);
  }
  if (h.pixelDataLength !== undefined && h.pixelDataValueOffset! + h.pixelDataLength > size) {
    return fail(`Pixel Data is truncated: ${h.pixelDataLength} bytes declared, ${size - h.pixelDataValueOffset!} present`, FailureReason.CannotUnderstand);
  }
  if (req.expectedStudyUid && req.expectedStudyUid !== studyUid) {
    return fail(`StudyInstanceUID ${studyUid} does not match the study in the request URL`, FailureReason.StudyUidMismatch);
  }
  return { ok: true, studyUid: studyUid!, seriesUid: seriesUid!, sopUid: sopUid!, sopClassUid: sopClassUid! };
}

interface Ready extends Identified {
  header: ParsedHeader;
  sha256: string;
  size: number;
  blobKey: string;
}

async function commit(r: Ready, req: StoreRequest, deps: StoreDeps, at: Date): Promise<StoreResult> {
  const record: InstanceRecord = {
    tenant: req.tenant,
    studyUid: r.studyUid,
    seriesUid: r.seriesUid,
    sopUid: r.sopUid,
    sopClassUid: r.sopClassUid,
    transferSyntaxUid: r.header.transferSyntaxUid,
    blobKey: r.blobKey,
    size: r.size,
    sha256: r.sha256,
    attrs: indexAttributes(r.header.dataset),
    terms: withExtraTerms(computeTerms(r.header.dataset, deps.searchKeys), deps.hooks?.extraTerms?.(req.tenant, r.header), req.extraTerms),
    sortKeys: sortKeys(r.header.dataset),
    storedAt: at.toISOString(),
  };
  let outcome;
  try {
    outcome = await deps.index.insertInstance(record, deps.duplicatePolicy);
  } catch (err) {
    if (err instanceof AppError && err.kind === 'conflict') {
      await discard(deps, r.blobKey);
      return failed(r, FailureReason.DataSetDoesNotMatchSopClass, err.message);
    }
    // Any other failure (a connection lost mid-write) may have come after the index took the
    // instance: deleting the blob could leave an entry pointing at nothing. The blob and its
    // pending entry stay; recoverPending keeps the blob if the instance was indexed, else deletes it.
    throw err;
  }
  const base = { ok: true as const, studyUid: r.studyUid, seriesUid: r.seriesUid, sopUid: r.sopUid, sopClassUid: r.sopClassUid, sha256: r.sha256, size: r.size, blobKey: r.blobKey, header: r.header,
    burnedInAnnotationRisk: burnedInRisk(r.header.dataset) };
  if (outcome.kind === 'inserted') return { ...base, outcome: 'inserted' };
  if (outcome.kind === 'replaced') {
    await deps.blobs.delete(outcome.previous.blobKey);
    return { ...base, outcome: 'replaced' };
  }
  await discard(deps, r.blobKey);
  if (outcome.existing.sha256 === r.sha256) return { ...base, blobKey: outcome.existing.blobKey, outcome: 'duplicate' };
  return failed(r, FailureReason.DuplicateSopInstance,
    'an instance with this SOP Instance UID and different content is already stored (duplicate policy: reject)');
}

function withExtraTerms(base: LevelTerms, ...extras: Array<Partial<LevelTerms> | undefined>): LevelTerms {
  for (const extra of extras) {
    for (const level of ['study', 'series', 'instance'] as const) Object.assign(base[level], extra?.[level]);
  }
  return base;
}

function failed(r: Identified, reason: number, message: string): FailedInstance {
  return { ok: false, sopUid: r.sopUid, sopClassUid: r.sopClassUid, reason, message };
}

async function discard(deps: StoreDeps, blobKey: string): Promise<void> {
  await deps.blobs.delete(blobKey);
  await deps.index.removePending(blobKey);
}

function failureFromStreamError(err: unknown): FailedInstance {
  if (err instanceof NotDicomError) return { ok: false, reason: FailureReason.CannotUnderstand, message: err.message };
  // A limit is a refusal for lack of resources (PS3.4 B.2.3 A7xx); the message names the limit.
  if (err instanceof DatasetLimitError || err instanceof HeaderTooLargeError) {
    return { ok: false, reason: FailureReason.OutOfResources, message: err.message };
  }
  if (err instanceof AppError && err.kind === 'too-large') return { ok: false, reason: FailureReason.OutOfResources, message: err.message };
  if (err instanceof AppError && err.kind === 'unavailable') throw err;
  if (isParseError(err)) return { ok: false, reason: FailureReason.CannotUnderstand, message: `not parseable as DICOM: ${(err as Error).message}` };
  throw err;
}

/** Errors from dcmjs while reading are plain Errors; storage errors carry codes. */
function isParseError(err: unknown): boolean {
  return err instanceof Error && !(err as NodeJS.ErrnoException).code && !(err instanceof AppError);
}

