/**
 * Acquisition modalities: PS3.16 CID 29 "Acquisition Modality" including CID 34
 * "Waveform Acquisition Modality". FHIR R4 ImagingStudy.modality is bound to this set
 * (https://hl7.org/fhir/R4/valueset-dicom-cid29.html), so SR, KO, PR, SEG, REG,
 * RTSTRUCT, DOC, OT ... never appear at study level (spec 4.1).
 */
export const ACQUISITION_MODALITIES: ReadonlySet<string> = new Set([
  'AR', 'BDUS', 'BI', 'BMD', 'CFM', 'CR', 'CT', 'DG', 'DMS', 'DX', 'ES', 'GM', 'IO', 'IVOCT', 'IVUS',
  'KER', 'LEN', 'LS', 'MG', 'MR', 'NM', 'OAM', 'OCT', 'OP', 'OPM', 'OPT', 'OPTBSV', 'OPTENF', 'OPV',
  'OSS', 'PA', 'PT', 'PX', 'RF', 'RG', 'RTIMAGE', 'SM', 'SRF', 'TG', 'US', 'VA', 'XA', 'XC',
  // CID 34 waveform acquisition modalities
  'ECG', 'EEG', 'EMG', 'EOG', 'EPS', 'HD', 'RESP',
]);

/** Human-readable modality names for the Clinical Context summary (seed doc Appendix A). */
export const MODALITY_NAMES: Readonly<Record<string, string>> = {
  CR: 'Computed Radiography', CT: 'Computed Tomography', DX: 'Digital Radiography', ECG: 'Electrocardiography',
  MG: 'Mammography', MR: 'Magnetic Resonance', NM: 'Nuclear Medicine', PT: 'PET', RF: 'Radiofluoroscopy',
  SR: 'Structured Report', US: 'Ultrasound', XA: 'X-Ray Angiography', SEG: 'Segmentation', KO: 'Key Object Selection',
};
