/**
 * Value decoding per Value Type (PS3.3 C.17.3, Table C.17-7; spec 5.2).
 */
import { type DicomCode, codeSeq, item, nums, seq, str, strs, text, toNumber, values } from '../dicom-json.js';
import { TAG } from '../tags.js';
import type { SrNode } from './content-tree.js';

export interface NumValue {
  value?: number;
  unit?: DicomCode;
  /** Numeric Value Qualifier (0040,A301): why there is no value (CID 42). */
  qualifier?: DicomCode;
}

export interface SopReference {
  sopClassUid?: string;
  sopInstanceUid?: string;
  frames: number[];
  segments: number[];
}

export interface Coordinates {
  graphicType?: string;
  data: number[];
  frameOfReferenceUid?: string;
}

export interface TemporalCoordinates {
  rangeType?: string;
  samplePositions: number[];
  timeOffsets: number[];
  dateTimes: string[];
}

export const textValue = (n: SrNode): string | undefined => text(n.item, TAG.TextValue);
export const codeValue = (n: SrNode): DicomCode | undefined => codeSeq(n.item, TAG.ConceptCodeSequence);
export const uidValue = (n: SrNode): string | undefined => str(n.item, TAG.UID);
export const personNameValue = (n: SrNode): string | undefined => {
  const v = values(n.item, TAG.PersonName)[0];
  if (typeof v === 'string') return v.trim() || undefined;
  return typeof v === 'object' && v !== null ? (v as { Alphabetic?: string }).Alphabetic?.trim() || undefined : undefined;
};

/** DATE / TIME / DATETIME raw strings (converted by the caller). */
export function temporalValue(n: SrNode): string | undefined {
  if (n.vt === 'DATE') return str(n.item, TAG.Date);
  if (n.vt === 'TIME') return str(n.item, TAG.Time);
  if (n.vt === 'DATETIME') return str(n.item, TAG.DateTime);
  return undefined;
}

/** NUM: Floating Point Value (0040,A161) is preferred over the DS Numeric Value when present. */
export function numValue(n: SrNode): NumValue {
  const measured = item(n.item, TAG.MeasuredValueSequence);
  const out: NumValue = {};
  const value = toNumber(values(measured, TAG.FloatingPointValue)[0]) ?? toNumber(values(measured, TAG.NumericValue)[0]);
  if (value !== undefined) out.value = value;
  const unit = codeSeq(measured, TAG.MeasurementUnitsCodeSequence);
  if (unit) out.unit = unit;
  const qualifier = codeSeq(n.item, TAG.NumericValueQualifierCodeSequence);
  if (qualifier) out.qualifier = qualifier;
  return out;
}

/** COMPOSITE / IMAGE / WAVEFORM: first Referenced SOP Sequence item (PS3.3 C.18.3-C.18.5). */
export function sopReference(n: SrNode): SopReference | undefined {
  const ref = seq(n.item, TAG.ReferencedSOPSequence)[0];
  if (!ref) return undefined;
  const positive = (xs: number[]): number[] => xs.filter((x) => Number.isInteger(x) && x > 0);
  return {
    sopClassUid: str(ref, TAG.ReferencedSOPClassUID),
    sopInstanceUid: str(ref, TAG.ReferencedSOPInstanceUID),
    frames: positive(nums(ref, TAG.ReferencedFrameNumber)),
    segments: positive(nums(ref, TAG.ReferencedSegmentNumber)),
  };
}

/** SCOORD (pixel column,row pairs) and SCOORD3D (x,y,z in mm + frame of reference). */
export function coordinates(n: SrNode): Coordinates {
  const out: Coordinates = { graphicType: str(n.item, TAG.GraphicType)?.toUpperCase(), data: nums(n.item, TAG.GraphicData) };
  const frameOfReference = str(n.item, TAG.ReferencedFrameOfReferenceUID);
  if (frameOfReference) out.frameOfReferenceUid = frameOfReference;
  return out;
}

export function temporalCoordinates(n: SrNode): TemporalCoordinates {
  return {
    rangeType: str(n.item, TAG.TemporalRangeType)?.toUpperCase(),
    samplePositions: nums(n.item, TAG.ReferencedSamplePositions),
    timeOffsets: nums(n.item, TAG.ReferencedTimeOffsets),
    dateTimes: strs(n.item, TAG.ReferencedDateTime),
  };
}

export const IMAGE_LIKE = new Set(['IMAGE', 'COMPOSITE', 'WAVEFORM', 'SCOORD', 'SCOORD3D', 'TCOORD']);
