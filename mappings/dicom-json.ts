/**
 * DICOM JSON model (PS3.18 Annex F) as produced by dcmjs `DicomMessage.readFile(buf).dict`,
 * plus small typed getters. Getters never throw: a missing, empty or malformed
 * element reads as `undefined` (or `[]`), so one odd attribute cannot fail a mapping.
 */
import { type CodingEnv, toCoding } from './coding.js';
import { type DateEnv, dtToFhirDateTime, toFhirDate, toFhirDateTime } from './datetime.js';
import type { Coding, HumanName } from './fhir-r4.js';
import { TAG } from './tags.js';

/** PS3.18 F.2.2: PN values are objects with component-group keys. */
export interface PersonNameJson {
  Alphabetic?: string;
  Ideographic?: string;
  Phonetic?: string;
}

export interface DicomElement {
  vr: string;
  /** Strings, numbers, PN objects, nested datasets (SQ) or raw bulk buffers. */
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

export type DicomDataset = Record<string, DicomElement | undefined>;

/** A coded entry (PS3.3 Table 8.8-1) exactly as written in the source. */
export interface DicomCode {
  value: string;
  scheme?: string;
  version?: string;
  meaning?: string;
}

function cleanString(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  // Trailing NUL/space padding is legal in DICOM (PS3.5 6.2); leading spaces are insignificant for most VRs.
  const s = v.replace(/[\0\s]+$/u, '').replace(/^\s+/u, '');
  return s === '' ? undefined : s;
}

/** Raw `Value` array of an element (empty when absent or bulk data). */
export function values(ds: DicomDataset | undefined, tag: string): unknown[] {
  const el = ds?.[tag];
  return Array.isArray(el?.Value) ? el.Value : [];
}

export function has(ds: DicomDataset | undefined, tag: string): boolean {
  return values(ds, tag).length > 0;
}

/**
 * Text VRs (ST/LT/UT): only trailing spaces/NULs are padding (PS3.5 6.2); leading spaces
 * and line breaks are content.
 */
export function text(ds: DicomDataset | undefined, tag: string): string | undefined {
  const v = values(ds, tag)[0];
  if (typeof v !== 'string') return undefined;
  const s = v.replace(/[\0 ]+$/u, '');
  return s === '' ? undefined : s;
}

/** First value as a trimmed string. */
export function str(ds: DicomDataset | undefined, tag: string): string | undefined {
  return cleanString(values(ds, tag)[0]);
}

/** Every non-empty value as trimmed strings (multi-valued CS/LO/...). */
export function strs(ds: DicomDataset | undefined, tag: string): string[] {
  return values(ds, tag).map(cleanString).filter((s): s is string => s !== undefined);
}

/** CS values: trimmed and upper-cased (spec 2.2). */
export function code(ds: DicomDataset | undefined, tag: string): string | undefined {
  return str(ds, tag)?.toUpperCase();
}

/** DS/IS/FL/FD value as a finite number; DS strings may carry a leading `+` or an exponent. */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  const s = cleanString(v);
  if (s === undefined || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/u.test(s)) return undefined;
  const n = Number(s.replace(/^\+/u, ''));
  return Number.isFinite(n) ? n : undefined;
}

export function num(ds: DicomDataset | undefined, tag: string): number | undefined {
  return toNumber(values(ds, tag)[0]);
}

export function nums(ds: DicomDataset | undefined, tag: string): number[] {
  return values(ds, tag).map(toNumber).filter((n): n is number => n !== undefined);
}

/** IS -> FHIR unsignedInt: negative or non-integer values are dropped (spec 2.2). */
export function unsignedInt(ds: DicomDataset | undefined, tag: string): number | undefined {
  const n = num(ds, tag);
  return n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
}

function isDataset(v: unknown): v is DicomDataset {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v);
}

/** Items of a sequence (SQ). */
export function seq(ds: DicomDataset | undefined, tag: string): DicomDataset[] {
  return values(ds, tag).filter(isDataset);
}

export function item(ds: DicomDataset | undefined, tag: string): DicomDataset | undefined {
  return seq(ds, tag)[0];
}

const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/u;

/** PS3.5 9.1: digits and dots, no leading zeros in a component, at most 64 characters. */
export function isValidUid(uid: string | undefined): uid is string {
  return uid !== undefined && uid.length <= 64 && UID_PATTERN.test(uid);
}

/** UI value trimmed of NUL/space padding (validity is checked by the caller). */
export function uid(ds: DicomDataset | undefined, tag: string): string | undefined {
  return str(ds, tag);
}

/** A coded entry from one Code Sequence Macro item; Long/URN Code Value are accepted (PS3.3 8.8). */
export function dicomCode(codeItem: DicomDataset | undefined): DicomCode | undefined {
  if (!codeItem) return undefined;
  const value = str(codeItem, TAG.CodeValue) ?? str(codeItem, TAG.LongCodeValue) ?? str(codeItem, TAG.URNCodeValue);
  const meaning = str(codeItem, TAG.CodeMeaning);
  if (value === undefined) return meaning === undefined ? undefined : { value: '', meaning };
  return {
    value,
    scheme: str(codeItem, TAG.CodingSchemeDesignator),
    version: str(codeItem, TAG.CodingSchemeVersion),
    meaning,
  };
}

/** First item of a code sequence as a DicomCode. */
export function codeSeq(ds: DicomDataset | undefined, tag: string): DicomCode | undefined {
  return dicomCode(item(ds, tag));
}

function personNameStrings(ds: DicomDataset | undefined, tag: string): string[] {
  return values(ds, tag)
    .map((v) => {
      if (typeof v === 'string') return v.split('=')[0];
      return isDataset(v) ? (v as PersonNameJson).Alphabetic : undefined;
    })
    .map(cleanString)
    .filter((s): s is string => s !== undefined);
}

/**
 * PN -> HumanName (spec 2.2): first component group only; `^` separates family, given,
 * middle, prefix, suffix; middle words are appended to `given`.
 */
export function parsePersonName(raw: string): HumanName | undefined {
  const [family, given, middle, prefix, suffix] = raw.split('=')[0].split('^').map((p) => p.trim());
  const words = (s: string | undefined): string[] => (s ? s.split(/\s+/u).filter(Boolean) : []);
  const name: HumanName = {};
  if (family) name.family = family;
  const givens = [...words(given), ...words(middle)];
  if (givens.length > 0) name.given = givens;
  if (prefix) name.prefix = [prefix];
  if (suffix) name.suffix = [suffix];
  return Object.keys(name).length > 0 ? name : undefined;
}

/** Display form `given family` (spec 2.2), used for display-only references. */
export function personNameDisplay(raw: string): string | undefined {
  const name = parsePersonName(raw);
  if (!name) return undefined;
  return [...(name.given ?? []), name.family].filter(Boolean).join(' ') || undefined;
}

export function personNames(ds: DicomDataset | undefined, tag: string): string[] {
  return personNameStrings(ds, tag);
}

export function personName(ds: DicomDataset | undefined, tag: string): HumanName | undefined {
  const raw = personNameStrings(ds, tag)[0];
  return raw === undefined ? undefined : parsePersonName(raw);
}

/** Code sequence (first item) -> FHIR Coding (spec 2.1). */
export function codingOf(ds: DicomDataset | undefined, tag: string, env: CodingEnv): Coding | undefined {
  return toCoding(codeSeq(ds, tag), env);
}

/** DA -> FHIR date (spec 2.2). */
export function dateOf(ds: DicomDataset | undefined, tag: string, env: DateEnv): string | undefined {
  return toFhirDate(str(ds, tag), env);
}

/** DA + TM pair -> FHIR dateTime, offset from the dataset's own (0008,0201) (spec 2.2). */
export function dateTimeOf(ds: DicomDataset | undefined, dateTag: string, timeTag: string, env: DateEnv): string | undefined {
  return toFhirDateTime(str(ds, dateTag), str(ds, timeTag), str(ds, TAG.TimezoneOffsetFromUTC), env);
}

/** DT -> FHIR dateTime; the value's own offset wins over (0008,0201) (spec 2.2). */
export function dtOf(ds: DicomDataset | undefined, tag: string, env: DateEnv, tzOffset?: string): string | undefined {
  return dtToFhirDateTime(str(ds, tag), tzOffset, env);
}
