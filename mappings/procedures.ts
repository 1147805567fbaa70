/**
 * Deterministic procedure-requirement matching on Body Part Examined + Modality
 * (seed doc O6, Appendix A/B). Exact body part + modality scores >= 0.95; partial
 * evidence scores lower so the care team reviews it.
 */
import { normalizeBodyPartTerm } from './body-part.js';
import { DEFAULT_PROCEDURE_TABLE, IMPLIED_BODY_PART, type ProcedureRequirement, RELATED_BODY_PARTS } from './procedure-table.js';

export type MatchType = 'exact' | 'related-body-part' | 'implied-body-part' | 'body-part-only';

export interface ProcedureMatch {
  procedure: string;
  procedureName: string;
  cptCode?: string;
  requirement: string;
  bodyPart?: string;
  modality?: string;
  matchType: MatchType;
  confidence: number;
  /** Study date (YYYY-MM-DD) and its age at mapping time, for validity windows; set by mapStudy. */
  studyDate?: string;
  studyAgeDays?: number;
}

export const CONFIDENCE: Readonly<Record<MatchType, number>> = {
  exact: 0.97, 'related-body-part': 0.85, 'implied-body-part': 0.8, 'body-part-only': 0.6,
};

function partMatch(row: ProcedureRequirement, part: string | undefined, modality: string | undefined): MatchType | undefined {
  if (part && row.bodyParts.includes(part)) return 'exact';
  if (part && (RELATED_BODY_PARTS[part] ?? []).some((p) => row.bodyParts.includes(p))) return 'related-body-part';
  const implied = !part && modality ? IMPLIED_BODY_PART[modality] : undefined;
  return implied && row.bodyParts.includes(implied) ? 'implied-body-part' : undefined;
}


export function matchProcedures(
  bodyPart: string | undefined, modality: string | undefined, table: readonly ProcedureRequirement[] = DEFAULT_PROCEDURE_TABLE,
): ProcedureMatch[] {
  const part = normalizeBodyPartTerm(bodyPart);
  const mod = modality?.trim().toUpperCase() || undefined;
  const matches: ProcedureMatch[] = [];
  const partOnly = new Map<string, ProcedureMatch>();
  for (const row of table) {
    const how = partMatch(row, part, mod);
    if (!how) continue;
    const base = { procedure: row.procedure, procedureName: row.procedureName, ...(row.cptCode ? { cptCode: row.cptCode } : {}), requirement: row.requirement, ...(part ? { bodyPart: part } : {}), ...(mod ? { modality: mod } : {}) };
    if (mod && row.modalities.includes(mod)) {
      matches.push({ ...base, matchType: how, confidence: CONFIDENCE[how] });
    } else if (how === 'exact' && !partOnly.has(row.procedure)) {
      // Right body part, other modality: one weak match per procedure, for review.
      partOnly.set(row.procedure, { ...base, requirement: `${row.procedureName} imaging`, matchType: 'body-part-only', confidence: CONFIDENCE['body-part-only'] });
    }
  }
  const matched = new Set(matches.map((m) => m.procedure));
  // Stable sort: equal confidence keeps table order, which lists the primary procedure first (Appendix B).
  return [...matches, ...[...partOnly.values()].filter((m) => !matched.has(m.procedure))].sort((a, b) => b.confidence - a.confidence);
}
