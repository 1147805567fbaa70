/**
 * The input datasets of spec section 9 (worked examples), as DICOM JSON.
 */
import type { DicomDataset } from '../../../mappings/dicom-json.js';
import {
  codeItem, codeValue, containerValue, contentItem, el, numValue, pn, sq, textValue, uidValue,
} from './helpers.js';

/** Patient, study and timezone attributes shared by all section 9 instances. */
const STUDY_HEADER: DicomDataset = {
  '00080020': el('DA', '20240724'),
  '00080030': el('TM', '081500'),
  '00080050': el('SH', 'ACC-0001'),
  '00080201': el('SH', '+0200'),
  '00100010': pn('DOE^JOHN'),
  '00100020': el('LO', 'MRN12345'),
  '00100021': el('LO', 'HOSPA'),
  '00100030': el('DA', '19600101'),
  '00100040': el('CS', 'M'),
  '0020000D': el('UI', '2.25.10001'),
};

/** 9.a: one CT image. */
export function ctInstance(sop = '2.25.10001.1.1', instanceNumber = 1): DicomDataset {
  return {
    ...STUDY_HEADER,
    '00080008': el('CS', 'ORIGINAL', 'PRIMARY', 'AXIAL'),
    '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.2'),
    '00080018': el('UI', sop),
    '00080021': el('DA', '20240724'),
    '00080031': el('TM', '081712'),
    '00080060': el('CS', 'CT'),
    '00081030': el('LO', 'CT CHEST WITH CONTRAST'),
    '0008103E': el('LO', 'Axial 1.25mm'),
    '00081032': sq(codeItem('CTCHESTC', '99HOSPA', 'CT chest with contrast')),
    '00081050': pn('RAD^ANNA'),
    '00180015': el('CS', 'CHEST'),
    '0020000E': el('UI', '2.25.10001.1'),
    '00200011': el('IS', 3),
    '00200013': el('IS', instanceNumber),
    '00401002': el('LO', 'Persistent cough'),
  };
}

const LANGUAGE = contentItem('HAS CONCEPT MOD', 'CODE', ['121049', 'DCM', 'Language of Content Item and Descendants'],
  codeValue('en-US', 'RFC5646', 'English (United States)'));

/** 9.b content item 1.6.1: the measurement group. */
function measurementGroup(): DicomDataset {
  return contentItem('CONTAINS', 'CONTAINER', ['125007', 'DCM', 'Measurement Group'], containerValue('1410'), [
    contentItem('HAS OBS CONTEXT', 'TEXT', ['112039', 'DCM', 'Tracking Identifier'], textValue('Nodule 1')),
    contentItem('HAS OBS CONTEXT', 'UIDREF', ['112040', 'DCM', 'Tracking Unique Identifier'], uidValue('2.25.10001.2.1.100')),
    contentItem('CONTAINS', 'CODE', ['276214006', 'SCT', 'Finding category'], codeValue('49755003', 'SCT', 'Morphologically abnormal structure')),
    contentItem('CONTAINS', 'CODE', ['121071', 'DCM', 'Finding'], codeValue('27925004', 'SCT', 'Nodule')),
    contentItem('HAS CONCEPT MOD', 'CODE', ['363698007', 'SCT', 'Finding Site'], codeValue('39607008', 'SCT', 'Lung'), [
      contentItem('HAS CONCEPT MOD', 'CODE', ['272741003', 'SCT', 'Laterality'], codeValue('24028007', 'SCT', 'Right')),
    ]),
    contentItem('CONTAINS', 'SCOORD', ['111030', 'DCM', 'Image Region'],
      { '00700023': el('CS', 'CIRCLE'), '00700022': el('FL', 256, 256, 262, 256) }, [
        contentItem('SELECTED FROM', 'IMAGE', undefined, {
          '00081199': sq({ '00081150': el('UI', '1.2.840.10008.5.1.4.1.1.2'), '00081155': el('UI', '2.25.10001.1.1') }),
        }),
      ]),
    contentItem('CONTAINS', 'NUM', ['81827009', 'SCT', 'Diameter'], numValue('12.5', ['mm', 'UCUM', 'millimeter'])),
    contentItem('CONTAINS', 'NUM', ['118565006', 'SCT', 'Volume'], numValue('1023', ['mm3', 'UCUM', 'cubic millimeter'])),
    contentItem('CONTAINS', 'CODE', ['246112005', 'SCT', 'Severity'], codeValue('255604002', 'SCT', 'Mild')),
  ]);
}

/** 9.b: TID 1500, one measurement group with 2 NUM and 1 qualitative CODE. */
export function tid1500Instance(): DicomDataset {
  const root = contentItem(undefined, 'CONTAINER', ['126000', 'DCM', 'Imaging Measurement Report'], containerValue('1500'), [
    LANGUAGE,
    contentItem('HAS OBS CONTEXT', 'CODE', ['121005', 'DCM', 'Observer Type'], codeValue('121007', 'DCM', 'Device')),
    contentItem('HAS OBS CONTEXT', 'UIDREF', ['121012', 'DCM', 'Device Observer UID'], uidValue('2.25.777')),
    contentItem('HAS OBS CONTEXT', 'TEXT', ['121013', 'DCM', 'Device Observer Name'], textValue('NoduleAI')),
    contentItem('HAS CONCEPT MOD', 'CODE', ['121058', 'DCM', 'Procedure reported'], codeValue('25045-6', 'LN', 'CT unspecified body region')),
    contentItem('CONTAINS', 'CONTAINER', ['126010', 'DCM', 'Imaging Measurements'], containerValue(), [measurementGroup()]),
  ]);
  return {
    ...STUDY_HEADER,
    ...root,
    '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.88.33'),
    '00080018': el('UI', '2.25.10001.2.1'),
    '00080023': el('DA', '20240724'),
    '00080033': el('TM', '093000'),
    '00080060': el('CS', 'SR'),
    '0020000E': el('UI', '2.25.10001.2'),
    '00200011': el('IS', 100),
    '00200013': el('IS', 1),
    '0040A491': el('CS', 'COMPLETE'),
    '0040A493': el('CS', 'UNVERIFIED'),
    '0040A375': sq({
      '0020000D': el('UI', '2.25.10001'),
      '00081115': sq({
        '0020000E': el('UI', '2.25.10001.1'),
        '00081199': sq({ '00081150': el('UI', '1.2.840.10008.5.1.4.1.1.2'), '00081155': el('UI', '2.25.10001.1.1') }),
      }),
    }),
  };
}

/** 9.c: Basic Text SR with Findings, Impression and a SNOMED-coded diagnosis. */
export function basicTextInstance(): DicomDataset {
  const root = contentItem(undefined, 'CONTAINER', ['18748-4', 'LN', 'Diagnostic Imaging Report'], containerValue('2000'), [
    LANGUAGE,
    contentItem('HAS OBS CONTEXT', 'CODE', ['121005', 'DCM', 'Observer Type'], codeValue('121006', 'DCM', 'Person')),
    contentItem('HAS OBS CONTEXT', 'PNAME', ['121008', 'DCM', 'Person Observer Name'], { '0040A123': pn('SMITH^ANNA') }),
    contentItem('CONTAINS', 'CONTAINER', ['59776-5', 'LN', 'Findings'], containerValue(), [
      contentItem('CONTAINS', 'TEXT', ['121071', 'DCM', 'Finding'],
        textValue('Consolidation in the right lower lobe with air bronchograms. No pleural effusion.')),
    ]),
    contentItem('CONTAINS', 'CONTAINER', ['19005-8', 'LN', 'Impressions'], containerValue(), [
      contentItem('CONTAINS', 'TEXT', ['121073', 'DCM', 'Impression'], textValue('Right lower lobe pneumonia.')),
      contentItem('CONTAINS', 'CODE', ['121073', 'DCM', 'Impression'], codeValue('233604007', 'SCT', 'Pneumonia')),
    ]),
  ]);
  return {
    ...STUDY_HEADER,
    ...root,
    '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.88.11'),
    '00080018': el('UI', '2.25.10001.3.1'),
    '00080023': el('DA', '20240724'),
    '00080033': el('TM', '101500'),
    '00080060': el('CS', 'SR'),
    '0020000E': el('UI', '2.25.10001.3'),
    '00200011': el('IS', 200),
    '00200013': el('IS', 1),
    '0040A491': el('CS', 'COMPLETE'),
    '0040A493': el('CS', 'VERIFIED'),
    '0040A073': sq({
      '0040A075': pn('SMITH^ANNA'),
      '0040A030': el('DT', '20240724101400+0200'),
      '0040A027': el('LO', 'Hospital A'),
      '0040A088': sq(),
    }),
  };
}

