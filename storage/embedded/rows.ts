import type { DicomDataset } from '../../dicom/dicom-json.js';
import type { InstanceRecord, SeriesRecord, StudyRecord } from '../model.js';

/** Row → record conversions for the embedded index (terms are not loaded back: they are write-only). */
export function rowToInstance(r: any): InstanceRecord {
  // Parsed on first use: WADO reads a study's 50 records for their keys and hashes only.
  let attrs: DicomDataset | undefined;
  return {
    tenant: r.tenant,
    studyUid: r.study_uid,
    seriesUid: r.series_uid,
    sopUid: r.sop_uid,
    sopClassUid: r.sop_class_uid,
    transferSyntaxUid: r.ts_uid,
    blobKey: r.blob_key,
    size: r.size,
    sha256: r.sha256,
    get attrs(): DicomDataset {
      return (attrs ??= JSON.parse(r.attrs) as DicomDataset);
    },
    set attrs(v: DicomDataset) {
      attrs = v;
    },
    terms: { study: {}, series: {}, instance: {} },
    sortKeys: { study: '', series: '', instance: r.sort_key },
    storedAt: r.stored_at,
  };
}

export function rowToSeries(r: any): SeriesRecord {
  return {
    tenant: r.tenant,
    studyUid: r.study_uid,
    seriesUid: r.series_uid,
    attrs: JSON.parse(r.attrs),
    terms: {},
    sortKey: r.sort_key,
    numInstances: r.num_instances,
    updatedAt: r.updated_at,
  };
}

export function rowToStudy(r: any): StudyRecord {
  return {
    tenant: r.tenant,
    studyUid: r.study_uid,
    attrs: JSON.parse(r.attrs),
    terms: {},
    sortKey: r.sort_key,
    modalities: JSON.parse(r.modalities),
    numSeries: r.num_series,
    numInstances: r.num_instances,
    updatedAt: r.updated_at,
  };
}

/** ModalitiesInStudy in first-seen order, without duplicates. */
export function unionModalities(current: string[], added: string[]): string[] {
  const out = [...current];
  for (const m of added) if (!out.includes(m)) out.push(m);
  return out;
}
