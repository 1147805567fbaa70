import type { DicomDataset } from '../../dicom/dicom-json.js';
import { EncapsulationError } from '../../dicom/encapsulated.js';
import { FrameError, frameCount, readFrame } from '../../dicom/frames.js';
import { ImageInfoError } from '../../dicom/image-info.js';
import { DecodeError, UnsupportedCodecError, decodeFrame, type DecodedFrame } from '../../dicom/pixel-decode.js';
import { pixelDataHeader, writeHeader } from '../../dicom/part10-writer.js';
import { TS, isEncapsulated } from '../../dicom/transfer-syntax.js';
import { afterEncapsulated, trailingConvertible, trailingExplicitLe } from '../../dicom/trailing.js';
import { AppError } from '../../storage/errors.js';
import type { InstanceRecord } from '../../storage/model.js';
import type { OpenedInstance } from '../../dicom/open-instance.js';
import type { InstanceAccess } from './instance-access.js';
import type { Plan } from './negotiate.js';

const CHUNK = 1024 * 1024;

/**
 * An instance re-encoded as Explicit VR Little Endian (PS3.5 §A.2), as a
 * stream of chunks: the header is rewritten, compressed frames are decoded
 * one at a time, so memory holds one frame whatever the number of frames.
 * Elements after Pixel Data (private groups, Digital Signatures, trailing
 * padding) follow the new Pixel Data, as in the stored file.
 */
export async function* explicitLittleEndian(rec: InstanceRecord, access: InstanceAccess, firstFrame?: DecodedFrame): AsyncGenerator<Buffer> {
  const opened = await access.open(rec);
  const h = opened.header;
  if (opened.reencoded && h.transferSyntaxUid === TS.ExplicitLE) {
    for (let pos = 0; pos < opened.size; pos += CHUNK) yield await opened.read(pos, pos + CHUNK);
    return;
  }
  if (!h.reachedPixelData) {
    yield writeHeader(h.meta, h.dataset);
    return;
  }
  if (isEncapsulated(h.transferSyntaxUid)) {
    yield* decoded(rec, access, h.meta, h.dataset, opened.size, firstFrame);
    return;
  }
  const problem = nativeTrailingProblem(opened);
  if (problem) throw new UnsupportedCodecError(problem);
  const pixelEnd = h.pixelDataValueOffset! + (h.pixelDataLength ?? 0);
  yield* native(h.meta, h.dataset, opened.read, h.pixelDataValueOffset!, h.pixelDataLength ?? 0, h.transferSyntaxUid);
  yield* trailingExplicitLe(opened.read, opened.size, pixelEnd, h.transferSyntaxUid);
}

/** Elements after native Pixel Data in Implicit VR / Big Endian are converted in memory, so their size is capped. */
function nativeTrailingProblem(opened: OpenedInstance): string | undefined {
  const h = opened.header;
  const end = h.pixelDataValueOffset! + (h.pixelDataLength ?? 0);
  if (trailingConvertible(opened.size, end, h.transferSyntaxUid)) return undefined;
  return `the ${opened.size - end} bytes of elements after Pixel Data are too many to convert to ${TS.ExplicitLE} here`;
}

async function* native(
  meta: DicomDataset, ds: DicomDataset, read: (s: number, e: number) => Promise<Buffer>, offset: number, length: number, ts: string,
): AsyncGenerator<Buffer> {
  const bits = Number(ds['00280100']?.Value?.[0] ?? 16);
  yield writeHeader(meta, ds);
  yield pixelDataHeader(bits > 8 ? 'OW' : 'OB', length);
  for (let pos = 0; pos < length; pos += CHUNK) {
    const chunk = await read(offset + pos, offset + Math.min(length, pos + CHUNK));
    if (ts === TS.ExplicitBE && bits === 16) chunk.subarray(0, chunk.length - (chunk.length % 2)).swap16();
    if (ts === TS.ExplicitBE && bits === 32) chunk.subarray(0, chunk.length - (chunk.length % 4)).swap32();
    yield chunk;
  }
  if (length % 2) yield Buffer.alloc(1);
}

async function* decoded(
  rec: InstanceRecord, access: InstanceAccess, meta: DicomDataset, ds: DicomDataset, size: number, given?: DecodedFrame,
): AsyncGenerator<Buffer> {
  const view = await access.pixels(rec);
  const n = frameCount(view.layout);
  const last = view.layout.kind === 'encapsulated' ? view.layout.frames.at(-1)?.at(-1) : undefined;
  const trailingStart = last ? await afterEncapsulated(view.read, size, last.offset + last.length) : undefined;
  const first = given ?? await decodeFrame(view.tsUid, await readFrame(view.layout, 0, view.read), view.info, view.decodeLimit);
  const out: DicomDataset = { ...ds, '00280004': { vr: 'CS', Value: [first.photometric] } };
  if (first.samplesPerPixel > 1) out['00280006'] = { vr: 'US', Value: [0] };
  for (const tag of ['7FE00001', '7FE00002', '7FE00003']) delete out[tag]; // offset tables of the encapsulated form
  yield writeHeader(meta, out);
  const total = first.pixels.length * n;
  yield pixelDataHeader(view.info.bitsAllocated > 8 ? 'OW' : 'OB', total);
  yield first.pixels;
  for (let i = 1; i < n; i++) {
    const f = await decodeFrame(view.tsUid, await readFrame(view.layout, i, view.read), view.info, view.decodeLimit);
    yield f.pixels.length === first.pixels.length ? f.pixels : fit(f.pixels, first.pixels.length);
  }
  if (total % 2) yield Buffer.alloc(1);
  if (trailingStart !== undefined) yield* trailingExplicitLe(view.read, size, trailingStart, view.tsUid);
}

/** Every frame must take the same space in native Pixel Data. */
function fit(b: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  b.copy(out, 0, 0, Math.min(length, b.length));
  return out;
}

export interface Screened {
  /** Indexes of the instances that go into the response. */
  keep: number[];
  refused: Array<{ sopUid: string; reason: string }>;
  /** The first frame the check decoded, handed over once (then forgotten) so it is not decoded twice. */
  takeFirstFrame(rec: InstanceRecord): DecodedFrame | undefined;
}

/** Decoded first frames one screening keeps for reuse; beyond this they are decoded again when sent. */
const KEEP_FIRST_FRAMES_BYTES = 32 * 1024 * 1024;

/**
 * The status of a multipart retrieve is sent before its first part (PS3.18
 * §8.7, §10.4.3), so every instance to be re-encoded is checked first: its
 * header, frame table and first frame are read and decoded. Those that fail
 * are left out, and the caller answers 406 when none is left or lists them in
 * a Warning header (`refusedWarning`). Decoded first frames are kept for the
 * response up to KEEP_FIRST_FRAMES_BYTES (later ones are decoded again). Only
 * a later frame of a multi-frame instance can still fail mid-stream, and that
 * response is then cut short (never a silent omission).
 */
export async function screenReencodings(records: InstanceRecord[], plans: Plan[], access: InstanceAccess): Promise<Screened> {
  const firsts = new Map<InstanceRecord, DecodedFrame>();
  let kept = 0;
  const out: Screened = {
    keep: [],
    refused: [],
    takeFirstFrame(rec) {
      const f = firsts.get(rec);
      firsts.delete(rec);
      return f;
    },
  };
  for (const [i, rec] of records.entries()) {
    const checked = plans[i].kind === 'explicit-le' ? await firstFrameOrProblem(rec, access) : {};
    if (checked.problem) {
      out.refused.push({ sopUid: rec.sopUid, reason: checked.problem });
      continue;
    }
    out.keep.push(i);
    if (checked.frame && kept + checked.frame.pixels.length <= KEEP_FIRST_FRAMES_BYTES) {
      firsts.set(rec, checked.frame);
      kept += checked.frame.pixels.length;
    }
  }
  return out;
}

async function firstFrameOrProblem(rec: InstanceRecord, access: InstanceAccess): Promise<{ frame?: DecodedFrame; problem?: string }> {
  try {
    const opened = await access.open(rec);
    const h = opened.header;
    if (!h.reachedPixelData) return {};
    if (!isEncapsulated(h.transferSyntaxUid)) return { problem: nativeTrailingProblem(opened) };
    const view = await access.pixels(rec);
    return { frame: await decodeFrame(view.tsUid, await readFrame(view.layout, 0, view.read), view.info, view.decodeLimit) };
  } catch (err) {
    if (!isPixelProblem(err)) throw err; // storage failures are not about this instance's content
    return { problem: (err as Error).message };
  }
}

function isPixelProblem(err: unknown): boolean {
  if (err instanceof AppError) return err.kind === 'not-acceptable';
  return [DecodeError, UnsupportedCodecError, EncapsulationError, FrameError, ImageInfoError].some((E) => err instanceof E);
}

/** Instances named in the Warning header; a header must stay well under the usual 8-16 KiB limits. */
const WARNING_LIST_MAX = 20;

/** Warning header (RFC 9111 §5.5, code 299 as PS3.18 uses it) naming the instances left out. */
export function refusedWarning(refused: Screened['refused']): string {
  const shown = refused.slice(0, WARNING_LIST_MAX).map((r) => `${r.sopUid} (${r.reason.replace(/["\\]/g, "'")})`);
  if (refused.length > WARNING_LIST_MAX) shown.push(`and ${refused.length - WARNING_LIST_MAX} more`);
  return `299 - "${refused.length} instance(s) cannot be re-encoded as ${TS.ExplicitLE} and are not in the response: ${shown.join('; ')}"`;
}
