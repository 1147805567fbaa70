import type { DicomDataset } from '../../dicom/dicom-json.js';
import { frameCount, readFrame } from '../../dicom/frames.js';
import { UnsupportedCodecError, decodeFrame } from '../../dicom/pixel-decode.js';
import { pixelDataHeader, writeHeader } from '../../dicom/part10-writer.js';
import { TS, isEncapsulated } from '../../dicom/transfer-syntax.js';
import { afterEncapsulated, trailingConvertible, trailingExplicitLe } from '../../dicom/trailing.js';
import type { InstanceRecord } from '../../storage/model.js';
import type { InstanceAccess } from './instance-access.js';

const CHUNK = 1024 * 1024;

/**
 * An instance re-encoded as Explicit VR Little Endian (PS3.5 §A.2), as a
 * stream of chunks: the header is rewritten, compressed frames are decoded
 * one at a time, so memory holds one frame whatever the number of frames.
 * Elements after Pixel Data (private groups, Digital Signatures, trailing
 * padding) follow the new Pixel Data, as in the stored file.
 */
export async function* explicitLittleEndian(rec: InstanceRecord, access: InstanceAccess): AsyncGenerator<Buffer> {
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
    yield* decoded(rec, access, h.meta, h.dataset, opened.size);
    return;
  }
  const pixelEnd = h.pixelDataValueOffset! + (h.pixelDataLength ?? 0);
  if (!trailingConvertible(opened.size, pixelEnd, h.transferSyntaxUid)) {
    throw new UnsupportedCodecError(`the ${opened.size - pixelEnd} bytes of elements after Pixel Data are too many to convert to ${TS.ExplicitLE} here`);
  }
  yield* native(h.meta, h.dataset, opened.read, h.pixelDataValueOffset!, h.pixelDataLength ?? 0, h.transferSyntaxUid);
  yield* trailingExplicitLe(opened.read, opened.size, pixelEnd, h.transferSyntaxUid);
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

async function* decoded(rec: InstanceRecord, access: InstanceAccess, meta: DicomDataset, ds: DicomDataset, size: number): AsyncGenerator<Buffer> {
  const view = await access.pixels(rec);
  const n = frameCount(view.layout);
  const last = view.layout.kind === 'encapsulated' ? view.layout.frames.at(-1)?.at(-1) : undefined;
  const trailingStart = last ? await afterEncapsulated(view.read, size, last.offset + last.length) : undefined;
  const first = await decodeFrame(view.tsUid, await readFrame(view.layout, 0, view.read), view.info, view.decodeLimit);
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
