/**
 * Study-level facts for the summary and procedure matching: acquisition modalities,
 * body parts, lateralities and date, per series (seed doc section 5 `dicom_metadata`).
 */
import { bodyPartDisplay, bodyPartTermForCode, normalizeBodyPartTerm } from './body-part.js';
import { toFhirDate } from './datetime.js';
import { codeSeq } from './dicom-json.js';
import type { MapEnv } from './env.js';
import { ACQUISITION_MODALITIES } from './data/modalities.js';
import { seriesLaterality, seriesModality } from './imaging-series.js';
import { type StudyIndex, firstString } from './study-index.js';
import { TAG } from './tags.js';
import { allowFreeText } from './text-policy.js';

export interface SeriesFacts {
  modality: string;
  /** Annex L term (from Body Part Examined or the Anatomic Region code). */
  bodyPart?: string;
  /** Human-readable region: Annex L display, else the raw term or region meaning. */
  bodyPartLabel?: string;
  laterality?: string;
}

export interface StudyFacts {
  series: SeriesFacts[];
  studyDate?: string;
  description?: string;
}

const LATERALITY_LABEL: Readonly<Record<string, string>> = { R: 'Right', L: 'Left', B: 'Bilateral' };

export function studyFacts(index: StudyIndex, env: MapEnv): StudyFacts {
  const series = index.series.map((s): SeriesFacts => {
    const raw = firstString(s.instances, TAG.BodyPartExamined);
    const region = s.instances.map((i) => codeSeq(i.ds, TAG.AnatomicRegionSequence)).find(Boolean);
    const term = normalizeBodyPartTerm(raw) ?? bodyPartTermForCode(region);
    const label = (term && bodyPartDisplay(term)) ?? region?.meaning ?? term;
    const lat = seriesLaterality(s);
    return {
      modality: seriesModality(s, env),
      ...(term ? { bodyPart: term } : {}),
      ...(label ? { bodyPartLabel: label } : {}),
      ...(lat && LATERALITY_LABEL[lat] ? { laterality: LATERALITY_LABEL[lat] } : {}),
    };
  });
  const description = firstString(index.instances, TAG.StudyDescription);
  return {
    series,
    studyDate: toFhirDate(firstString(index.instances, TAG.StudyDate), env.dates),
    ...(description && allowFreeText(env.cfg, index.instances[0].ds) ? { description } : {}),
  };
}

const distinct = (xs: Array<string | undefined>): string[] => [...new Set(xs.filter((x): x is string => !!x))];

/** Acquisition modalities first; a study of only derived objects (SR, SEG, ...) lists those. */
export function summaryModalities(facts: StudyFacts): string[] {
  const all = distinct(facts.series.map((s) => s.modality));
  const acquisition = all.filter((m) => ACQUISITION_MODALITIES.has(m));
  return acquisition.length > 0 ? acquisition : all;
}

export function summaryBodyParts(facts: StudyFacts): string[] {
  return distinct(facts.series.map((s) => s.bodyPartLabel));
}

export function summaryLateralities(facts: StudyFacts): string[] {
  return distinct(facts.series.map((s) => s.laterality));
}
