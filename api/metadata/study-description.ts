import { firstString, type DicomDataset } from '../../dicom/dicom-json.js';

/**
 * The study's description, or a human-readable one made from what the file
 * says when it has none (seed design: "generateStudyDescription"), e.g.
 * "CT KNEE", "MR LEFT KNEE", "US" — modality code, laterality, body part.
 */
const LATERALITY: Record<string, string> = { L: 'LEFT', R: 'RIGHT', B: 'BILATERAL' };

export function studyDescriptionOf(ds: DicomDataset): { text?: string; generated: boolean } {
  const own = firstString(ds, '00081030');
  if (own) return { text: own, generated: false };
  const modality = firstString(ds, '00080060')?.toUpperCase();
  const side = LATERALITY[(firstString(ds, '00200060') ?? firstString(ds, '00200062') ?? '').toUpperCase()];
  const part = firstString(ds, '00180015')?.toUpperCase().replace(/_/g, ' ');
  const words = [modality, part ? side : undefined, part].filter(Boolean);
  return words.length ? { text: words.join(' '), generated: true } : { generated: false };
}
