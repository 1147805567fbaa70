/**
 * Instances for the FHIR tests: a Basic Text SR built in code with dcmjs (the
 * spec 9.c report: findings, an impression and a SNOMED-coded diagnosis, so a
 * Condition is produced; the corpus has no such report), and a small CT.
 */
import dcmjs from 'dcmjs';
import { newUid, syntheticInstance } from '../fixtures/synthetic-dicom.js';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;
dcmjs.log.disableAll();

const code = (CodeValue: string, CodingSchemeDesignator: string, CodeMeaning: string) => [{ CodeValue, CodingSchemeDesignator, CodeMeaning }];

export interface ReportOptions {
  studyUid: string;
  sopUid?: string;
  patientId?: string;
  issuer?: string;
  diagnosis?: [string, string, string];
}

/** A VERIFIED Basic Text SR (TID 2000) with one finding, one text and one coded impression. */
export function basicTextReport(o: ReportOptions): Buffer {
  const sopClass = '1.2.840.10008.5.1.4.1.1.88.11';
  const sopUid = o.sopUid ?? newUid();
  const dataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: sopClass,
    SOPInstanceUID: sopUid,
    StudyInstanceUID: o.studyUid,
    SeriesInstanceUID: newUid(),
    Modality: 'SR',
    SeriesNumber: '200',
    InstanceNumber: '1',
    StudyDate: '20240724',
    StudyTime: '081500',
    ContentDate: '20240724',
    ContentTime: '101500',
    TimezoneOffsetFromUTC: '+0200',
    AccessionNumber: 'ACC-0001',
    PatientName: 'Doe^John',
    PatientID: o.patientId ?? 'MRN12345',
    ...(o.issuer ? { IssuerOfPatientID: o.issuer } : {}),
    PatientBirthDate: '19600101',
    PatientSex: 'M',
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'VERIFIED',
    VerifyingObserverSequence: [{
      VerifyingObserverName: 'Smith^Anna', VerificationDateTime: '20240724101400+0200', VerifyingOrganization: 'Hospital A',
    }],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: code('18748-4', 'LN', 'Diagnostic Imaging Report'),
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '2000' }],
    ContentSequence: [
      {
        RelationshipType: 'CONTAINS', ValueType: 'CONTAINER', ConceptNameCodeSequence: code('59776-5', 'LN', 'Findings'), ContinuityOfContent: 'SEPARATE',
        ContentSequence: [{ RelationshipType: 'CONTAINS', ValueType: 'TEXT', ConceptNameCodeSequence: code('121071', 'DCM', 'Finding'), TextValue: 'Consolidation in the right lower lobe.' }],
      },
      {
        RelationshipType: 'CONTAINS', ValueType: 'CONTAINER', ConceptNameCodeSequence: code('19005-8', 'LN', 'Impressions'), ContinuityOfContent: 'SEPARATE',
        ContentSequence: [
          { RelationshipType: 'CONTAINS', ValueType: 'TEXT', ConceptNameCodeSequence: code('121073', 'DCM', 'Impression'), TextValue: 'Right lower lobe pneumonia.' },
          { RelationshipType: 'CONTAINS', ValueType: 'CODE', ConceptNameCodeSequence: code('121073', 'DCM', 'Impression'), ConceptCodeSequence: code(...(o.diagnosis ?? ['233604007', 'SCT', 'Pneumonia'])) },
        ],
      },
    ],
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: sopUid,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '1.2.826.0.1.3680043.10.1443.1',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(dict.write());
}

/** A CT image of the same patient as basicTextReport's default. */
export function ctImage(studyUid: string, attrs: Record<string, unknown> = {}): Buffer {
  return syntheticInstance({
    studyUid, rows: 8, columns: 8,
    attrs: { PatientID: 'MRN12345', PatientName: 'Doe^John', StudyDate: '20240724', StudyTime: '081500', TimezoneOffsetFromUTC: '+0200', BodyPartExamined: 'CHEST', ...attrs },
  });
}
