/**
 * DICOM JSON model (PS3.18 Annex F): datasets keyed by 8-hex-digit tag.
 * This is the one in-memory form of a dataset across the server.
 */
export interface PersonNameValue {
  Alphabetic?: string;
  Ideographic?: string;
  Phonetic?: string;
}

export type DicomValue = string | number | PersonNameValue | DicomDataset | null;

export interface DicomElement {
  vr: string;
  Value?: DicomValue[];
  BulkDataURI?: string;
  InlineBinary?: string;
}

export type DicomDataset = Record<string, DicomElement>;

/** First value of an element as a trimmed string, or undefined when absent or empty. */
export function firstString(ds: DicomDataset | undefined, tag: string): string | undefined {
  const v = ds?.[tag]?.Value?.[0];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') {
    const pn = (v as PersonNameValue).Alphabetic;
    return pn === undefined ? undefined : String(pn).trim() || undefined;
  }
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** All values of an element as trimmed strings (PN values use their alphabetic group). */
export function allStrings(ds: DicomDataset | undefined, tag: string): string[] {
  const values = ds?.[tag]?.Value ?? [];
  const out: string[] = [];
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const s = typeof v === 'object' ? (v as PersonNameValue).Alphabetic : String(v);
    if (s !== undefined && String(s).trim() !== '') out.push(String(s).trim());
  }
  return out;
}

export function firstNumber(ds: DicomDataset | undefined, tag: string): number | undefined {
  const v = ds?.[tag]?.Value?.[0];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
