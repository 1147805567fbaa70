import { deflateRawSync } from 'node:zlib';
import dcmjs from 'dcmjs';
import { newUid, syntheticInstance } from '../../fixtures/synthetic-dicom.js';

/**
 * PS3.10 files built to hit one limit each: a valid synthetic instance with
 * hostile elements spliced in just before its Pixel Data.
 */
const PIXEL_TAG = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57]); // (7FE0,0010) OW, explicit VR LE

export function withElementsBeforePixelData(extra: Buffer[], base = syntheticInstance()): Buffer {
  const at = base.indexOf(PIXEL_TAG);
  if (at < 0) throw new Error('no Pixel Data in the base instance');
  return Buffer.concat([base.subarray(0, at), ...extra, base.subarray(at)]);
}

/** An explicit VR LE element header with a 4-byte length (OB, SQ, UN…). */
export function longHeader(group: number, element: number, vr: string, length: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(element, 2);
  h.write(vr, 4, 'latin1');
  h.writeUInt32LE(length, 8);
  return h;
}

/** A short-VR element (LO, UI…) with its value, padded to even length. */
export function shortElement(group: number, element: number, vr: string, value: string): Buffer {
  const v = Buffer.from(value.length % 2 ? `${value} ` : value, 'latin1');
  const h = Buffer.alloc(8);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(element, 2);
  h.write(vr, 4, 'latin1');
  h.writeUInt16LE(v.length, 6);
  return Buffer.concat([h, v]);
}

const ITEM = (length = 0xffffffff) => item(0xe000, length);
const ITEM_END = () => item(0xe00d, 0);
const SEQ_END = () => item(0xe0dd, 0);
function item(element: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(0xfffe, 0);
  b.writeUInt16LE(element, 2);
  b.writeUInt32LE(length, 4);
  return b;
}

/** Content Sequence nested `depth` levels (undefined lengths), around `inner`. */
export function nestedSequences(depth: number, inner: Buffer[] = []): Buffer[] {
  const open = Buffer.concat([longHeader(0x0040, 0xa730, 'SQ', 0xffffffff), ITEM()]);
  const close = Buffer.concat([ITEM_END(), SEQ_END()]);
  return [...Array(depth).fill(open), ...inner, ...Array(depth).fill(close)];
}

/** `count` short private elements in one item of a private sequence. */
export function manyElements(count: number): Buffer[] {
  const parts = [longHeader(0x0009, 0x0010, 'SQ', 0xffffffff), ITEM()];
  for (let i = 0; i < count; i++) parts.push(shortElement(0x0009, 0x1000 + (i % 0xefff), 'LO', 'A'));
  parts.push(ITEM_END(), SEQ_END());
  return parts;
}

/** A private OB element that declares `declared` bytes and carries `present` of them. */
export function hugeElement(declared: number, present = 16): Buffer[] {
  return [longHeader(0x0009, 0x1010, 'OB', declared), Buffer.alloc(present)];
}

/** A deflated-dataset instance (PS3.5 §A.5) that inflates to about `inflated` bytes of zeros. */
export function deflateBomb(inflated: number): Buffer {
  const sop = newUid();
  const head = part10Meta(DEFLATED, sop);
  const dataset = Buffer.concat([
    shortElement(0x0008, 0x0016, 'UI', '1.2.840.10008.5.1.4.1.1.7'),
    shortElement(0x0008, 0x0018, 'UI', sop),
    longHeader(0x0009, 0x1010, 'OB', inflated),
  ]);
  const zeros = Buffer.alloc(1024 * 1024);
  const chunks = [dataset];
  for (let n = 0; n < inflated; n += zeros.length) chunks.push(zeros.subarray(0, Math.min(zeros.length, inflated - n)));
  return Buffer.concat([head, deflateRawSync(Buffer.concat(chunks), { level: 9 })]);
}

export const DEFLATED = '1.2.840.10008.1.2.1.99';

/** Preamble, "DICM" and File Meta Information only (PS3.10 §7.1); the dataset is the caller's. */
export function part10Meta(transferSyntaxUid: string, sopUid = newUid()): Buffer {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const meta = new DicomDict(DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    MediaStorageSOPInstanceUID: sopUid,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: '1.2.826.0.1.3680043.10.1443.1',
  }));
  return Buffer.from(meta.write()); // an empty dict: nothing follows the meta
}
