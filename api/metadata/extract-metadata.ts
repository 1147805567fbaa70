import { allStrings, firstNumber, firstString, type DicomDataset } from '../../dicom/dicom-json.js';
import { studyDescriptionOf } from './study-description.js';

/**
 * The metadata an upload answers with, grouped as in the seed design
 * (study / series / acquisition / equipment / image / patient). Patient
 * data is limited to clinical characteristics (sex, age, size, weight):
 * never a name, an identifier or a birth date. Institution and station
 * names and the accession number are left out for the same reason.
 */
export interface DicomMetadata {
  study: {
    studyInstanceUid: string;
    studyDate?: string;
    studyTime?: string;
    studyDescription?: string;
    /** True when studyDescription was generated from modality and body part (the file has none). */
    studyDescriptionGenerated: boolean;
  };
  series: {
    seriesInstanceUid: string;
    seriesNumber?: number;
    seriesDescription?: string;
    modality?: string;
    bodyPartExamined?: string;
    laterality?: string;
    patientPosition?: string;
    protocolName?: string;
  };
  acquisition: {
    sliceThickness?: number;
    pixelSpacing?: number[];
    contrastBolusAgent?: string;
    kvp?: number;
    exposureTime?: number;
    repetitionTime?: number;
    echoTime?: number;
    fieldOfViewDimensions?: number[];
  };
  equipment: {
    manufacturer?: string;
    manufacturerModelName?: string;
    softwareVersions?: string[];
  };
  image: {
    rows?: number;
    columns?: number;
    bitsAllocated?: number;
    numberOfFrames?: number;
    photometricInterpretation?: string;
  };
  patient: {
    patientSex?: string;
    patientAge?: string;
    patientSize?: number;
    patientWeight?: number;
  };
}

export function extractMetadata(ds: DicomDataset): DicomMetadata {
  const s = (tag: string) => firstString(ds, tag);
  const n = (tag: string) => firstNumber(ds, tag);
  const description = studyDescriptionOf(ds);
  return prune({
    study: {
      studyInstanceUid: s('0020000D') ?? '',
      studyDate: isoDate(s('00080020')),
      studyTime: s('00080030'),
      studyDescription: description.text,
      studyDescriptionGenerated: description.generated,
    },
    series: {
      seriesInstanceUid: s('0020000E') ?? '',
      seriesNumber: n('00200011'),
      seriesDescription: s('0008103E'),
      modality: s('00080060'),
      bodyPartExamined: s('00180015'),
      laterality: s('00200060') ?? s('00200062'),
      patientPosition: s('00185100'),
      protocolName: s('00181030'),
    },
    acquisition: {
      sliceThickness: n('00180050'),
      pixelSpacing: numbers(ds, '00280030'),
      contrastBolusAgent: s('00180010'),
      kvp: n('00180060'),
      exposureTime: n('00181150'),
      repetitionTime: n('00180080'),
      echoTime: n('00180081'),
      fieldOfViewDimensions: numbers(ds, '00181149'),
    },
    equipment: {
      manufacturer: s('00080070'),
      manufacturerModelName: s('00081090'),
      softwareVersions: allStrings(ds, '00181020').length ? allStrings(ds, '00181020') : undefined,
    },
    image: {
      rows: n('00280010'),
      columns: n('00280011'),
      bitsAllocated: n('00280100'),
      numberOfFrames: n('00280008'),
      photometricInterpretation: s('00280004'),
    },
    patient: {
      patientSex: s('00100040'),
      patientAge: s('00101010'),
      patientSize: n('00101020'),
      patientWeight: n('00101030'),
    },
  });
}

/** DA (YYYYMMDD, PS3.5 §6.2) as an ISO 8601 date; other forms are returned as they are. */
export function isoDate(da: string | undefined): string | undefined {
  const m = da ? /^(\d{4})(\d{2})(\d{2})$/.exec(da.replace(/[.\-/]/g, '')) : null;
  return m ? `${m[1]}-${m[2]}-${m[3]}` : da;
}

function numbers(ds: DicomDataset, tag: string): number[] | undefined {
  const values = (ds[tag]?.Value ?? []).map((v) => (typeof v === 'number' ? v : Number(v))).filter((v) => Number.isFinite(v));
  return values.length ? values : undefined;
}

/** Drops undefined members so the JSON answer has only what the file holds. */
function prune<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
