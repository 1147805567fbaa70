/**
 * Body Part Examined (0018,0015) <-> SNOMED CT (spec 4.6, PS3.16 Annex L).
 */
import { SYSTEM, normalizeCode } from './coding.js';
import { BODY_PART_TABLE, LEGACY_BODY_PART_CODES } from './data/body-parts.js';
import type { DicomCode } from './dicom-json.js';
import type { Coding } from './fhir-r4.js';

interface BodyPartRow { term: string; code: string; display: string }

const BY_TERM = new Map<string, BodyPartRow>(BODY_PART_TABLE.map(([term, code, display]) => [term, { term, code, display }]));

// Several terms share a concept (e.g. ESOPHAGUS / ENDOESOPHAGEAL); the first listed term wins,
// except that the plain anatomical terms below are preferred for reverse lookups.
const PREFERRED = ['ESOPHAGUS', 'KIDNEY', 'RECTUM', 'URETER', 'URETHRA', 'VAGINA', 'VEIN', 'ARTERY', 'HEART', 'LEG', 'ARM', 'BUTTOCK', 'SUPRAPUBIC'];
const BY_CODE = new Map<string, string>();
for (const term of PREFERRED) BY_CODE.set(BY_TERM.get(term)!.code, term);
for (const [term, code] of BODY_PART_TABLE) if (!BY_CODE.has(code)) BY_CODE.set(code, term);
for (const [code, term] of Object.entries(LEGACY_BODY_PART_CODES)) if (!BY_CODE.has(code)) BY_CODE.set(code, term);

/** Trim and upper-case (spec 4.6); inner spaces are dropped as a fallback ("WHOLE BODY"). */
export function normalizeBodyPartTerm(raw: string | undefined): string | undefined {
  const t = raw?.trim().toUpperCase();
  if (!t) return undefined;
  if (BY_TERM.has(t)) return t;
  const squeezed = t.replace(/[\s_-]+/gu, '');
  return BY_TERM.has(squeezed) ? squeezed : t;
}

/** SNOMED CT Coding for a Body Part Examined term, or undefined when the term is unknown. */
export function bodyPartCoding(raw: string | undefined): Coding | undefined {
  const term = normalizeBodyPartTerm(raw);
  const row = term ? BY_TERM.get(term) : undefined;
  return row ? { system: SYSTEM.SCT, code: row.code, display: row.display } : undefined;
}

/** Body Part Examined term for an anatomic region code (current or legacy SNOMED CT, or SRT). */
export function bodyPartTermForCode(code: DicomCode | undefined): string | undefined {
  if (!code) return undefined;
  const n = normalizeCode(code);
  return n.scheme?.toUpperCase() === 'SCT' ? BY_CODE.get(n.value) : undefined;
}

export function bodyPartDisplay(term: string): string | undefined {
  return BY_TERM.get(term)?.display;
}
