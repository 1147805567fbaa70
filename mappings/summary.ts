/**
 * Plain-text rendering for the Clinical Context Agent (seed doc O1
 * `build_text_representation` and section 7 "Fallback for Non-SR DICOM"):
 * "{Modality} of {BodyPart}, {Laterality}, Study Date: {date}. {Description}",
 * then findings, measurements, impressions and recommendations from the SRs.
 */
import type { FindingType, SrFinding } from './sr/findings.js';

export interface SummaryInput {
  modalities: string[];
  bodyParts: string[];
  lateralities: string[];
  studyDate?: string;
  description?: string;
  findings: SrFinding[];
}

const SECTIONS: Array<[string, FindingType[]]> = [
  ['Findings', ['finding']],
  ['Measurements', ['measurement']],
  ['Impressions', ['impression', 'coded_diagnosis']],
  ['Recommendations', ['recommendation']],
];

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

const SYSTEM_LABEL: Readonly<Record<string, string>> = {
  'http://snomed.info/sct': 'SNOMED CT',
  'http://hl7.org/fhir/sid/icd-10': 'ICD-10',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
};

function findingValue(f: SrFinding): string | undefined {
  if (f.valueType === 'NUM') return f.value === undefined ? undefined : [formatNumber(f.value), f.unitCode && f.unitCode !== '1' ? f.unitCode : undefined].filter(Boolean).join(' ');
  if (f.valueType === 'TEXT') return f.text?.replace(/\s+/gu, ' ').trim() || undefined;
  const meaning = f.codeMeaning ?? f.code?.display;
  if (!meaning) return undefined;
  return f.findingType === 'coded_diagnosis' && f.code?.code ? `${meaning} (${SYSTEM_LABEL[f.code.system ?? ''] ?? f.code.system} ${f.code.code})` : meaning;
}

function findingLine(f: SrFinding): string | undefined {
  const value = findingValue(f);
  if (!value) return undefined;
  const plain = f.findingType === 'impression' || f.findingType === 'coded_diagnosis';
  return plain || !f.conceptName ? `- ${value}` : `- ${f.conceptName}: ${value}`;
}

function headline(input: SummaryInput): string {
  const modality = input.modalities.join('/') || 'Imaging study';
  const subject = [input.bodyParts.length > 0 ? `${modality} of ${input.bodyParts.join('/')}` : modality];
  if (input.lateralities.length > 0) subject.push(input.lateralities.join('/'));
  if (input.studyDate) subject.push(`Study Date: ${input.studyDate}`);
  const first = `${subject.join(', ')}.`;
  return input.description ? `${first} ${input.description}` : first;
}

export function toSummaryText(input: SummaryInput): string {
  const lines = [headline(input)];
  for (const [title, types] of SECTIONS) {
    const items = input.findings.filter((f) => types.includes(f.findingType)).map(findingLine).filter((l): l is string => !!l);
    if (items.length > 0) lines.push(`${title}:`, ...items);
  }
  return lines.join('\n');
}
