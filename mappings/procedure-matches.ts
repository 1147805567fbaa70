/**
 * Study-level procedure matching: every (body part, modality) pair of the study's
 * series, best confidence per (procedure, requirement), with the study's age at `now`.
 */
import type { ProcedureRequirement } from './procedure-table.js';
import { type ProcedureMatch, matchProcedures } from './procedures.js';
import type { StudyFacts } from './study-facts.js';

const DAY_MS = 86_400_000;

function ageInDays(studyDate: string | undefined, now: string): number | undefined {
  if (!studyDate) return undefined;
  const nowMs = Date.parse(now);
  const studyMs = Date.parse(`${studyDate}T00:00:00Z`);
  if (Number.isNaN(nowMs) || Number.isNaN(studyMs)) return undefined;
  return Math.floor((nowMs - studyMs) / DAY_MS);
}

export function studyProcedureMatches(facts: StudyFacts, now: string, table?: readonly ProcedureRequirement[]): ProcedureMatch[] {
  const best = new Map<string, ProcedureMatch>();
  for (const s of facts.series) {
    for (const m of matchProcedures(s.bodyPart, s.modality, table)) {
      const key = `${m.procedure}|${m.requirement}`;
      const prev = best.get(key);
      if (!prev || m.confidence > prev.confidence) best.set(key, m);
    }
  }
  const age = ageInDays(facts.studyDate, now);
  return [...best.values()]
    .map((m) => ({ ...m, ...(facts.studyDate ? { studyDate: facts.studyDate } : {}), ...(age !== undefined ? { studyAgeDays: age } : {}) }))
    .sort((a, b) => b.confidence - a.confidence);
}
