import type { DicomDataset } from '../../dicom/dicom-json.js';
import { allStrings, firstString } from '../../dicom/dicom-json.js';
import { Tag } from '../../dicom/tags.js';
import type { SearchTerms } from '../../storage/model.js';
import { nameWords, normalizeValue, timeBound } from '../query/normalize.js';
import {
  HAS_CONTRAST, LEVEL_RANK, MODALITIES_IN_STUDY, type Level, type SearchKey, type SearchKeyRegistry,
} from '../query/search-keys.js';

export interface LevelTerms {
  study: SearchTerms;
  series: SearchTerms;
  instance: SearchTerms;
}

const LEVELS: Level[] = ['study', 'series', 'instance'];

/** Computes what one instance contributes to the search index at each level. */
export function computeTerms(ds: DicomDataset, registry: SearchKeyRegistry): LevelTerms {
  const out: LevelTerms = { study: {}, series: {}, instance: {} };
  for (const key of registry.all()) {
    const values = keyTerms(ds, key);
    for (const [termKey, termValues] of Object.entries(values)) {
      for (const level of targetLevels(key)) add(out[level], termKey, termValues);
    }
  }
  const contrast = firstString(ds, Tag.ContrastBolusAgent) !== undefined ? 'true' : 'false';
  for (const level of LEVELS) add(out[level], HAS_CONTRAST, [contrast]);
  add(out.study, MODALITIES_IN_STUDY, allStrings(ds, Tag.Modality));
  return out;
}

/** A key is stored at its own level and below; a rollup key at every level. */
function targetLevels(key: SearchKey): Level[] {
  return LEVELS.filter((l) => key.rollup || LEVEL_RANK[l] >= LEVEL_RANK[key.level]);
}

function keyTerms(ds: DicomDataset, key: SearchKey): SearchTerms {
  if (key.tag.includes('.')) return sequenceTerms(ds, key);
  if (key.kind === 'pn') return personNameTerms(ds, key);
  const raw = allStrings(ds, key.tag);
  if (key.kind === 'time') return { [key.keyword]: raw.map((v) => timeBound(v, false)) };
  return { [key.keyword]: raw.map((v) => normalizeValue(key.kind, v)) };
}

/** A "Sequence.Attribute" key: the attribute's terms from every item (PS3.4 §C.2.2.2.6: any item may match). */
function sequenceTerms(ds: DicomDataset, key: SearchKey): SearchTerms {
  const [sequence, leaf] = key.tag.split('.');
  const out: SearchTerms = {};
  for (const item of ds[sequence!]?.Value ?? []) {
    if (typeof item !== 'object' || item === null) continue;
    const terms = keyTerms(item as DicomDataset, { ...key, tag: leaf! });
    for (const [k, values] of Object.entries(terms)) add(out, k, values);
  }
  return out;
}

/** Full names (each component group) for literal/wildcard matching, and words for fuzzy matching. */
function personNameTerms(ds: DicomDataset, key: SearchKey): SearchTerms {
  const names: string[] = [];
  for (const v of ds[key.tag]?.Value ?? []) {
    if (typeof v !== 'object' || v === null) continue;
    for (const group of ['Alphabetic', 'Ideographic', 'Phonetic'] as const) {
      const s = (v as Record<string, unknown>)[group];
      if (typeof s === 'string' && s.trim()) names.push(s);
    }
  }
  return {
    [key.keyword]: names.map((n) => normalizeValue('pn', n)),
    [`${key.keyword}.word`]: names.flatMap(nameWords),
  };
}

function add(terms: SearchTerms, key: string, values: string[]): void {
  if (values.length === 0) return;
  const list = (terms[key] ??= []);
  for (const v of values) if (!list.includes(v)) list.push(v);
}

/** Sort keys: studies newest first by date+time, series and instances by number. */
export function sortKeys(ds: DicomDataset): { study: string; series: string; instance: string } {
  return {
    study: (firstString(ds, Tag.StudyDate) ?? '').padEnd(8, '0') + (firstString(ds, Tag.StudyTime) ?? '').replace(/:/g, ''),
    series: padNumber(firstString(ds, Tag.SeriesNumber)),
    instance: padNumber(firstString(ds, Tag.InstanceNumber)),
  };
}

function padNumber(v: string | undefined): string {
  const n = Number(v);
  if (!Number.isFinite(n)) return '~'; // unnumbered sort last
  return (n < 0 ? '-' : '0') + String(Math.abs(Math.trunc(n))).padStart(12, '0');
}
