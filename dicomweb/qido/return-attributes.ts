import type { DicomDataset } from '../../dicom/dicom-json.js';
import { Tag } from '../../dicom/tags.js';
import type { InstanceRecord, SeriesRecord, StudyRecord } from '../../storage/model.js';

/**
 * Attributes returned by default at each level (PS3.18 Tables 10.6.3-3/-4/-5).
 * Queries on /series or /instances without a study in the path also return the
 * study-level ones, and /instances without a series the series-level ones.
 */
export const STUDY_RETURN = [
  Tag.SpecificCharacterSet, Tag.StudyDate, Tag.StudyTime, Tag.AccessionNumber, Tag.InstanceAvailability,
  Tag.ModalitiesInStudy, Tag.ReferringPhysicianName, Tag.TimezoneOffsetFromUTC, Tag.RetrieveURL,
  Tag.PatientName, Tag.PatientID, Tag.PatientBirthDate, Tag.PatientSex, Tag.StudyInstanceUID, Tag.StudyID,
  Tag.NumberOfStudyRelatedSeries, Tag.NumberOfStudyRelatedInstances, Tag.StudyDescription,
];

export const SERIES_RETURN = [
  Tag.SpecificCharacterSet, Tag.Modality, Tag.TimezoneOffsetFromUTC, Tag.SeriesDescription, Tag.RetrieveURL,
  Tag.SeriesInstanceUID, Tag.SeriesNumber, Tag.NumberOfSeriesRelatedInstances,
  Tag.PerformedProcedureStepStartDate, Tag.PerformedProcedureStepStartTime, Tag.RequestAttributesSequence,
];

export const INSTANCE_RETURN = [
  Tag.SpecificCharacterSet, Tag.SOPClassUID, Tag.SOPInstanceUID, Tag.InstanceAvailability, Tag.TimezoneOffsetFromUTC,
  Tag.RetrieveURL, Tag.InstanceNumber, Tag.Rows, Tag.Columns, Tag.BitsAllocated, Tag.NumberOfFrames,
];


/** Values the index computes rather than stores (PS3.18 §10.6.3.3). */
export function studyComputed(s: StudyRecord, baseUrl: string): DicomDataset {
  return {
    [Tag.ModalitiesInStudy]: { vr: 'CS', Value: s.modalities },
    [Tag.NumberOfStudyRelatedSeries]: { vr: 'IS', Value: [s.numSeries] },
    [Tag.NumberOfStudyRelatedInstances]: { vr: 'IS', Value: [s.numInstances] },
    [Tag.InstanceAvailability]: { vr: 'CS', Value: ['ONLINE'] },
    [Tag.RetrieveURL]: { vr: 'UR', Value: [`${baseUrl}/studies/${s.studyUid}`] },
  };
}

export function seriesComputed(s: SeriesRecord, baseUrl: string): DicomDataset {
  return {
    [Tag.NumberOfSeriesRelatedInstances]: { vr: 'IS', Value: [s.numInstances] },
    [Tag.InstanceAvailability]: { vr: 'CS', Value: ['ONLINE'] },
    [Tag.RetrieveURL]: { vr: 'UR', Value: [`${baseUrl}/studies/${s.studyUid}/series/${s.seriesUid}`] },
  };
}

export function instanceComputed(i: InstanceRecord, baseUrl: string): DicomDataset {
  return {
    [Tag.InstanceAvailability]: { vr: 'CS', Value: ['ONLINE'] },
    [Tag.RetrieveURL]: { vr: 'UR', Value: [`${baseUrl}/studies/${i.studyUid}/series/${i.seriesUid}/instances/${i.sopUid}`] },
  };
}

/**
 * Picks the attributes to return from stored and computed values. `all`
 * returns every stored attribute. Tags with no value are omitted, except that
 * requested Type-2-like attributes could be returned empty; we omit them (allowed by PS3.18 §10.6.3.3.1).
 */
export function pick(sources: DicomDataset[], tags: Iterable<string> | 'all'): DicomDataset {
  const merged: DicomDataset = Object.assign({}, ...sources);
  if (tags === 'all') return sortTags(merged);
  const out: DicomDataset = {};
  for (const tag of tags) if (merged[tag]) out[tag] = merged[tag];
  return sortTags(out);
}

function sortTags(ds: DicomDataset): DicomDataset {
  const out: DicomDataset = {};
  for (const tag of Object.keys(ds).sort()) out[tag] = ds[tag];
  return out;
}

