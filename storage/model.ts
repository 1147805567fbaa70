/**
 * Records kept by the index store. Leaf module: no imports besides types.
 * Every record carries its tenant; no query ever runs without one.
 */
import type { DicomDataset } from '../dicom/dicom-json.js';

export type QueryLevel = 'study' | 'series' | 'instance';

/** Normalised search values per attribute keyword (multi-valued), see storage/search-terms.ts. */
export type SearchTerms = Record<string, string[]>;

export interface InstanceRecord {
  tenant: string;
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  blobKey: string;
  size: number;
  sha256: string;
  /** Top-level non-bulk attributes of the instance (DICOM JSON), used for QIDO returns. */
  attrs: DicomDataset;
  /**
   * Search terms this instance contributes at each level. Higher-level attributes
   * are denormalised downwards so that one QIDO level is one query.
   */
  terms: { study: SearchTerms; series: SearchTerms; instance: SearchTerms };
  /** Sort keys: study (date+time, newest first), series (number), instance (number). */
  sortKeys: { study: string; series: string; instance: string };
  storedAt: string;
}

export interface SeriesRecord {
  tenant: string;
  studyUid: string;
  seriesUid: string;
  attrs: DicomDataset;
  terms: SearchTerms;
  sortKey: string;
  numInstances: number;
  updatedAt: string;
}

export interface StudyRecord {
  tenant: string;
  studyUid: string;
  attrs: DicomDataset;
  terms: SearchTerms;
  sortKey: string;
  modalities: string[];
  numSeries: number;
  numInstances: number;
  updatedAt: string;
}

export type LevelRecord = StudyRecord | SeriesRecord | InstanceRecord;

/** One matching condition of a QIDO query on a search-term key (PS3.4 §C.2.2.2). */
export type Condition =
  | { key: string; op: 'any'; values: string[] } // single value or list of values
  | { key: string; op: 'wildcard'; pattern: string } // '*' and '?' already normalised
  | { key: string; op: 'range'; from?: string; to?: string }
  | { key: string; op: 'words'; prefixes: string[] }; // fuzzy person-name word prefixes

export interface LevelQuery {
  tenant: string;
  level: QueryLevel;
  /** Scope from the URL path, e.g. /studies/{s}/series. */
  studyUid?: string;
  seriesUid?: string;
  conditions: Condition[];
  limit: number;
  offset: number;
}

export interface QueryPage<T> {
  records: T[];
  /** True when more records match beyond offset + limit. */
  more: boolean;
}

/** Outcome of inserting an instance into the index. */
export type InsertOutcome =
  | { kind: 'inserted' }
  | { kind: 'duplicate'; existing: InstanceRecord }
  | { kind: 'replaced'; previous: InstanceRecord };

export type DuplicatePolicy = 'reject' | 'overwrite';
