import type { DicomDataset, DicomElement, DicomValue } from '../../dicom/dicom-json.js';
import { binaryOf } from '../../dicom/binary.js';
import { isEncapsulated } from '../../dicom/transfer-syntax.js';
import type { ParsedHeader } from '../../dicom/parse-header.js';

/**
 * The DICOM JSON metadata of one instance (PS3.18 §10.4.1.1.2, Annex F):
 * every attribute of the header, with Pixel Data and binary values above
 * `threshold` bytes replaced by a BulkDataURI (§F.2.6). URIs are kept
 * relative ("bulkdata/<tag>[/<item>/<tag>…]") so the JSON can be cached and
 * made absolute per request by `absoluteBulkUris`.
 */
const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
export const RELATIVE_BULK = 'bulkdata/';

export function instanceMetadata(h: ParsedHeader, threshold: number): DicomDataset {
  const out = convert(h.dataset, [], threshold);
  out['00083002'] = { vr: 'UI', Value: [h.transferSyntaxUid] }; // Available Transfer Syntax UID, read by OHIF
  if (h.reachedPixelData) {
    const bits = Number(h.dataset['00280100']?.Value?.[0] ?? 8);
    const vr = isEncapsulated(h.transferSyntaxUid) || bits <= 8 ? 'OB' : 'OW';
    out['7FE00010'] = { vr, BulkDataURI: `${RELATIVE_BULK}7FE00010` };
  }
  return sortTags(out);
}

function convert(ds: DicomDataset, path: string[], threshold: number): DicomDataset {
  const out: DicomDataset = {};
  for (const [tag, el] of Object.entries(ds)) out[tag] = element(el, [...path, tag], threshold);
  return out;
}

function element(el: DicomElement, path: string[], threshold: number): DicomElement {
  if (!el.Value) return { vr: el.vr };
  if (el.vr === 'SQ') {
    return { vr: 'SQ', Value: el.Value.map((item, i) => (item ? convert(item as DicomDataset, [...path, String(i)], threshold) : {})) };
  }
  const binary = el.Value.map(binaryOf).filter((b): b is Buffer => b !== undefined);
  if (binary.length || BINARY_VRS.has(el.vr)) {
    const bytes = Buffer.concat(binary);
    if (bytes.length > threshold) return { vr: el.vr, BulkDataURI: RELATIVE_BULK + path.join('/') };
    return bytes.length ? { vr: el.vr, InlineBinary: bytes.toString('base64') } : { vr: el.vr };
  }
  return { vr: el.vr, Value: el.Value.map((v) => value(v, el.vr)) };
}

function value(v: DicomValue, vr: string): DicomValue {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    return vr === 'AT' ? v.toString(16).toUpperCase().padStart(8, '0') : v;
  }
  return v;
}

function sortTags(ds: DicomDataset): DicomDataset {
  return Object.fromEntries(Object.entries(ds).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Turns cached relative bulk URIs into absolute ones under the instance's URL. */
export function absoluteBulkUris(json: string, instanceUrl: string): string {
  const absolute = `"BulkDataURI":"${instanceUrl}/${RELATIVE_BULK}`;
  // A function, so "$&" and the like in the URL (the Host header is the client's) stay literal.
  return json.replaceAll(`"BulkDataURI":"${RELATIVE_BULK}`, () => absolute);
}
