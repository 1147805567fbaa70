/**
 * Image references (spec 6.4): the R4 substitute for R5 ImagingSelection is a
 * `derivedFrom` Reference to the ImagingStudy carrying a local complex extension with
 * the referenced instance, frames/segments, coordinates and the WADO-RS URL (PS3.18 10.4).
 */
import { toCoding } from '../coding.js';
import type { DicomCode } from '../dicom-json.js';
import type { MapEnv } from '../env.js';
import type { Extension, Reference } from '../fhir-r4.js';
import type { SrNode } from './content-tree.js';
import { related } from './content-tree.js';
import { IMAGE_LIKE, type SopReference, coordinates, sopReference, temporalCoordinates } from './content-value.js';
import type { SrDocument } from './document.js';

export interface ImageRef {
  purpose?: DicomCode;
  sop?: SopReference;
  graphicType?: string;
  graphicData?: string;
  frameOfReferenceUid?: string;
}

/**
 * Graphic Data is FL (float32). Printing the shortest decimal that reads back as the same
 * float32 keeps values such as 6.0379748 instead of float64 noise (6.037974834442139).
 */
export function formatFloat(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.fround(x) !== x) return String(x);
  for (let p = 1; p <= 9; p += 1) {
    const s = Number(x.toPrecision(p));
    if (Math.fround(s) === x) return String(s);
  }
  return String(x);
}

/** The SOP an SCOORD/TCOORD was drawn on: its SELECTED FROM target (by value or reference). */
function selectedSop(node: SrNode, depth = 0): SopReference | undefined {
  if (depth > 2) return undefined;
  for (const target of related(node, 'SELECTED FROM')) {
    if (target.vt === 'IMAGE' || target.vt === 'WAVEFORM' || target.vt === 'COMPOSITE') return sopReference(target);
    if (target.vt === 'SCOORD') return selectedSop(target, depth + 1);
  }
  return undefined;
}

/** One image-like content item -> ImageRef, merging SCOORD + SELECTED FROM IMAGE into one. */
export function toImageRef(node: SrNode): ImageRef {
  const ref: ImageRef = { purpose: node.concept };
  if (node.vt === 'SCOORD' || node.vt === 'SCOORD3D') {
    const c = coordinates(node);
    ref.graphicType = c.graphicType;
    ref.graphicData = c.data.map(formatFloat).join(' ');
    ref.frameOfReferenceUid = c.frameOfReferenceUid;
    ref.sop = node.vt === 'SCOORD' ? selectedSop(node) : undefined;
  } else if (node.vt === 'TCOORD') {
    const t = temporalCoordinates(node);
    ref.graphicType = t.rangeType;
    const points = [...t.samplePositions.map(String), ...t.timeOffsets.map(formatFloat), ...t.dateTimes];
    ref.graphicData = points.join(' ') || undefined;
    ref.sop = selectedSop(node);
  } else {
    ref.sop = sopReference(node);
  }
  return ref;
}

/** Image-like items reached from `node` through the given relationships (by value or by reference). */
export function imageRefsOf(node: SrNode, rels: readonly string[]): ImageRef[] {
  return rels.flatMap((rel) => related(node, rel)).filter((n) => IMAGE_LIKE.has(n.vt)).map(toImageRef);
}

/** R4 `oid` is `urn:oid:[0-2](\.(0|[1-9][0-9]*))+`; other values (e.g. "0") cannot be valueOid. */
const FHIR_OID = /^[0-2](\.(0|[1-9][0-9]*))+$/u;

function oid(uid: string | undefined, env: MapEnv, doc: SrDocument): string | undefined {
  if (uid === undefined) return undefined;
  if (FHIR_OID.test(uid)) return uid;
  env.issues.warn('UID_NOT_OID', `Referenced UID '${uid}' is not a valid OID; omitted`, { sopInstanceUid: doc.instance.sopInstanceUid });
  return undefined;
}

function subExtensions(ref: ImageRef, doc: SrDocument, env: MapEnv): Extension[] {
  const sopUid = oid(ref.sop?.sopInstanceUid, env, doc);
  const where = sopUid ? doc.evidence.get(sopUid) : undefined;
  const sopClass = oid(ref.sop?.sopClassUid ?? where?.sopClassUid, env, doc);
  const purpose = toCoding(ref.purpose, env.coding);
  const out: Extension[] = [];
  if (purpose) out.push({ url: 'purpose', valueCoding: purpose });
  const seriesUid = oid(where?.seriesUid, env, doc);
  if (seriesUid) out.push({ url: 'seriesUid', valueOid: `urn:oid:${seriesUid}` });
  if (sopUid) out.push({ url: 'sopInstanceUid', valueOid: `urn:oid:${sopUid}` });
  if (sopClass) out.push({ url: 'sopClassUid', valueOid: `urn:oid:${sopClass}` });
  const frameOfReference = oid(ref.frameOfReferenceUid, env, doc);
  if (frameOfReference) out.push({ url: 'frameOfReferenceUid', valueOid: `urn:oid:${frameOfReference}` });
  for (const n of ref.sop?.frames ?? []) out.push({ url: 'frameNumber', valuePositiveInt: n });
  for (const n of ref.sop?.segments ?? []) out.push({ url: 'segmentNumber', valuePositiveInt: n });
  if (ref.graphicType) out.push({ url: 'graphicType', valueCode: ref.graphicType });
  if (ref.graphicData) out.push({ url: 'graphicData', valueString: ref.graphicData });
  if (sopUid && seriesUid) {
    const study = where?.studyUid ?? doc.instance.studyUid;
    const frames = ref.sop?.frames.length ? `/frames/${ref.sop.frames.join(',')}` : '';
    out.push({ url: 'wadoRsUrl', valueUrl: `${env.cfg.dicomwebBaseUrl}/studies/${study}/series/${seriesUid}/instances/${sopUid}${frames}` });
  }
  return out;
}

/** derivedFrom entry: the ImagingStudy, qualified by the image-reference extension. */
export function toImageReference(ref: ImageRef, imagingStudyFullUrl: string, doc: SrDocument, env: MapEnv): Reference {
  const url = `${env.cfg.canonicalBase}/StructureDefinition/dicom-image-reference`;
  const parts = subExtensions(ref, doc, env);
  // ext-1: an extension with neither value nor sub-extensions is invalid.
  if (parts.length === 0) return { reference: imagingStudyFullUrl };
  return { reference: imagingStudyFullUrl, extension: [{ url, extension: parts }] };
}
