/**
 * Validates and orders the instances of one study (spec 2.3, 4.5): every instance
 * needs the four UIDs; series and instances are sorted by number, then UID, so the
 * regenerated ImagingStudy is identical however the instances arrived.
 */
import { type DicomDataset, isValidUid, str, strs, uid, unsignedInt } from './dicom-json.js';
import type { Issues } from './issues.js';
import { TAG } from './tags.js';

export interface IndexedInstance {
  ds: DicomDataset;
  studyUid: string;
  seriesUid: string;
  sopInstanceUid: string;
  sopClassUid: string;
  number?: number;
}

export interface IndexedSeries {
  uid: string;
  number?: number;
  instances: IndexedInstance[];
}

export interface StudyIndex {
  studyUid: string;
  series: IndexedSeries[];
  /** All instances, in series order then instance order. */
  instances: IndexedInstance[];
  bySop: Map<string, IndexedInstance>;
}

const REQUIRED = [
  ['StudyInstanceUID', TAG.StudyInstanceUID],
  ['SeriesInstanceUID', TAG.SeriesInstanceUID],
  ['SOPInstanceUID', TAG.SOPInstanceUID],
  ['SOPClassUID', TAG.SOPClassUID],
] as const;

function indexInstance(ds: DicomDataset, position: number, issues: Issues): IndexedInstance | undefined {
  for (const [name, tag] of REQUIRED) {
    const value = uid(ds, tag);
    if (!isValidUid(value)) {
      const what = value === undefined ? 'missing' : `invalid ('${value}')`;
      issues.error('REQUIRED_UID', `Instance #${position + 1}: ${name} is ${what}; instance skipped`, {
        sopInstanceUid: uid(ds, TAG.SOPInstanceUID),
      });
      return undefined;
    }
  }
  return {
    ds,
    studyUid: uid(ds, TAG.StudyInstanceUID)!,
    seriesUid: uid(ds, TAG.SeriesInstanceUID)!,
    sopInstanceUid: uid(ds, TAG.SOPInstanceUID)!,
    sopClassUid: uid(ds, TAG.SOPClassUID)!,
    number: unsignedInt(ds, TAG.InstanceNumber),
  };
}

/** Undefined numbers sort last; ties break on the UID string. */
function byNumberThenUid(a: { number?: number; uid: string }, b: { number?: number; uid: string }): number {
  const na = a.number ?? Number.POSITIVE_INFINITY;
  const nb = b.number ?? Number.POSITIVE_INFINITY;
  if (na !== nb) return na < nb ? -1 : 1;
  return a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
}

/** The study most instances belong to (ties: smallest UID), so stray instances cannot hijack it. */
function dominantStudy(instances: IndexedInstance[]): string | undefined {
  const counts = new Map<string, number>();
  for (const i of instances) counts.set(i.studyUid, (counts.get(i.studyUid) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
}

export function buildStudyIndex(datasets: DicomDataset[], issues: Issues): StudyIndex | undefined {
  const valid = datasets.map((ds, i) => indexInstance(ds, i, issues)).filter((x): x is IndexedInstance => !!x);
  const studyUid = dominantStudy(valid);
  if (!studyUid) return undefined;
  const bySop = new Map<string, IndexedInstance>();
  for (const inst of valid) {
    if (inst.studyUid !== studyUid) {
      issues.warn('OTHER_STUDY', `Instance belongs to study ${inst.studyUid}, not ${studyUid}; skipped`, { sopInstanceUid: inst.sopInstanceUid });
      continue;
    }
    // The same SOP Instance UID stored twice is one instance; the later copy wins (STOW overwrite).
    if (bySop.has(inst.sopInstanceUid)) issues.warn('DUPLICATE_SOP', 'SOP Instance UID given more than once; last copy used', { sopInstanceUid: inst.sopInstanceUid });
    bySop.set(inst.sopInstanceUid, inst);
  }
  const seriesMap = new Map<string, IndexedInstance[]>();
  for (const inst of bySop.values()) seriesMap.set(inst.seriesUid, [...(seriesMap.get(inst.seriesUid) ?? []), inst]);
  const series = [...seriesMap.entries()].map(([seriesUid, list]) => ({
    uid: seriesUid,
    number: list.map((i) => unsignedInt(i.ds, TAG.SeriesNumber)).find((n) => n !== undefined),
    instances: list.sort((a, b) => byNumberThenUid({ number: a.number, uid: a.sopInstanceUid }, { number: b.number, uid: b.sopInstanceUid })),
  }));
  series.sort(byNumberThenUid);
  return { studyUid, series, instances: series.flatMap((s) => s.instances), bySop };
}

/** First non-empty string value of a tag across instances, in index order. */
export function firstString(instances: IndexedInstance[], tag: string): string | undefined {
  for (const i of instances) {
    const v = str(i.ds, tag);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Dataset of the first instance that has the tag (for attributes read together with others). */
export function firstWith(instances: IndexedInstance[], tag: string): DicomDataset | undefined {
  return instances.find((i) => strs(i.ds, tag).length > 0 || (i.ds[tag]?.Value?.length ?? 0) > 0)?.ds;
}
