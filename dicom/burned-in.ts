/**
 * Instances whose pixels may hold burned-in identifying text. Header-only
 * de-identification cannot remove such text (PS3.15 §E.3.1, the Clean Pixel
 * Data Option, is not implemented), so these instances are flagged wherever
 * the server could otherwise be read as presenting them as clean: the
 * de-identified view, STOW-RS and upload answers, audit records and the FHIR
 * ImagingStudy. The rule:
 * - Burned In Annotation (0028,0301) = YES;
 * - ultrasound: Modality (0008,0060) US, or an Ultrasound SOP Class
 *   (operators type patient data on the screen);
 * - Secondary Capture SOP Classes (screenshots).
 *
 * Pure: used by deid/ (dcmjs dictionaries, `_rawValue` first) and by
 * mappings/ (DICOM JSON), so it reads both forms and imports nothing.
 */
export type BurnedInReason = 'burned-in-annotation-yes' | 'ultrasound' | 'secondary-capture';

/** Every reason, in the order burnedInRisk reports them. */
export const BURNED_IN_REASONS: readonly BurnedInReason[] = ['burned-in-annotation-yes', 'ultrasound', 'secondary-capture'];

/** The element shape shared by dcmjs dictionaries and DICOM JSON (PS3.18 Annex F). */
export interface BurnedInElement {
  Value?: unknown[];
  _rawValue?: unknown;
}
export type BurnedInDataset = Readonly<Record<string, BurnedInElement | undefined>>;

/** Secondary Capture Image Storage (…1.7) and its multi-frame variants (…1.7.1 to …1.7.4). */
const SECONDARY_CAPTURE = /^1\.2\.840\.10008\.5\.1\.4\.1\.1\.7(\.\d+)?$/;
/** Ultrasound Image / Multi-frame Image Storage, current and retired, and Enhanced US Volume. */
const ULTRASOUND_CLASSES = new Set([
  '1.2.840.10008.5.1.4.1.1.6.1', '1.2.840.10008.5.1.4.1.1.3.1', '1.2.840.10008.5.1.4.1.1.6.2',
  '1.2.840.10008.5.1.4.1.1.6', '1.2.840.10008.5.1.4.1.1.3',
]);

export function burnedInRisk(ds: BurnedInDataset): BurnedInReason[] {
  const reasons: BurnedInReason[] = [];
  const sopClass = text(ds, '00080016') ?? '';
  if (text(ds, '00280301')?.toUpperCase() === 'YES') reasons.push('burned-in-annotation-yes');
  if (text(ds, '00080060')?.toUpperCase() === 'US' || ULTRASOUND_CLASSES.has(sopClass)) reasons.push('ultrasound');
  if (SECONDARY_CAPTURE.test(sopClass)) reasons.push('secondary-capture');
  return reasons;
}

function text(ds: BurnedInDataset, tag: string): string | undefined {
  const el = ds[tag];
  const v = (Array.isArray(el?._rawValue) ? el._rawValue[0] : undefined) ?? el?.Value?.[0];
  return typeof v === 'string' ? v.replace(/[\0\s]+$/, '').trim() : undefined;
}
