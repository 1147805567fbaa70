// The QIDO-RS query mix. Each query type draws its parameters from the
// dataset model with a seeded RNG, so both servers get the same sequence of
// requests, and computes from the model how many results a correct server
// returns — that is what the count check compares against.
import { addDays, DATE_SPAN, pick, type Dataset, type Modality, type Study } from './dataset.js';

export interface QuerySpec {
  /** Path relative to the DICOMweb root, query string included. */
  path: string;
  /** Correct number of matches under our semantics (PN and CI text: case- and accent-insensitive), before any limit. */
  truth: number;
  /** The same under other plausible semantics, to explain another server's differing count. */
  variants?: Record<string, number>;
  /** The `limit` the query sends, if any. */
  limit?: number;
}

export interface QueryType {
  name: string;
  make(r: () => number, ds: Dataset): QuerySpec;
}

const qs = (params: Record<string, string>) => new URLSearchParams(params).toString();
const anyStudy = (r: () => number, ds: Dataset) => pick(r, ds.studies);
const count = (ds: Dataset, pred: (s: Study) => boolean) => ds.studies.filter(pred).length;
const inRange = (s: Study, from: string, to: string) => s.date >= from && s.date <= to;

/** A random [from, to] date window of `minDays`..`maxDays` days inside the dataset's ten years. */
function window(r: () => number, minDays: number, maxDays: number): [string, string] {
  const width = minDays + Math.floor(r() * (maxDays - minDays + 1));
  const from = addDays(DATE_SPAN.first, Math.floor(r() * (DATE_SPAN.days - width)));
  return [from, addDays(from, width - 1)];
}

/** Our matching (core/query/normalize.ts): strip accents, upper-case. */
const fold = (v: string) => v.normalize('NFD').replace(/\p{Diacritic}/gu, '').toUpperCase();

export const QUERY_TYPES: QueryType[] = [
  {
    name: 'studies?PatientID=',
    make(r, ds) {
      const id = anyStudy(r, ds).patient.id;
      return { path: `studies?${qs({ PatientID: id })}`, truth: count(ds, (s) => s.patient.id === id) };
    },
  },
  {
    // Lower case on purpose: names are stored half upper, half mixed case.
    name: 'studies?PatientName=*name*',
    make(r, ds) {
      const family = anyStudy(r, ds).patient.family.toLowerCase();
      return {
        path: `studies?${qs({ PatientName: `*${family}*` })}`,
        truth: count(ds, (s) => fold(s.patient.name).includes(fold(family))),
        variants: {
          // Orthanc 1.10 + DICOMweb 1.7: a pattern with a non-ASCII letter matches nothing.
          'non-ASCII-pattern-never-matches': /[^\x00-\x7f]/.test(family) ? 0 : count(ds, (s) => fold(s.patient.name).includes(fold(family))),
          'case-sensitive': count(ds, (s) => s.patient.name.includes(family)),
          'accent-sensitive': count(ds, (s) => s.patient.name.toUpperCase().includes(family.toUpperCase())),
        },
      };
    },
  },
  {
    name: 'studies?StudyDate=range',
    make(r, ds) {
      const [from, to] = window(r, 30, 90);
      return { path: `studies?${qs({ StudyDate: `${from}-${to}` })}`, truth: count(ds, (s) => inRange(s, from, to)) };
    },
  },
  {
    // Combined with one year of StudyDate: ModalitiesInStudy=CT alone matches
    // 60% of the archive, which would measure paging, not matching.
    name: 'studies?ModalitiesInStudy=+year',
    make(r, ds) {
      const modality = pick<Modality>(r, ['CT', 'MR', 'PT']);
      const year = 2015 + Math.floor(r() * 10);
      const [from, to] = [`${year}0101`, `${year}1231`];
      return {
        path: `studies?${qs({ ModalitiesInStudy: modality, StudyDate: `${from}-${to}` })}`,
        truth: count(ds, (s) => inRange(s, from, to) && ds.modalities(s).includes(modality)),
      };
    },
  },
  {
    // Comma-separated: Orthanc's DICOMweb plugin accepts commas but not backslashes here.
    name: 'studies?StudyInstanceUID=5 UIDs',
    make(r, ds) {
      const uids = new Set<string>();
      while (uids.size < Math.min(5, ds.studies.length)) uids.add(anyStudy(r, ds).uid);
      return { path: `studies?${qs({ StudyInstanceUID: [...uids].join(',') })}`, truth: uids.size };
    },
  },
  {
    // What OHIF's study list sends, with a 1 month .. 3 year date filter.
    name: 'OHIF study list',
    make(r, ds) {
      const [from, to] = window(r, 30, 3 * 365);
      const path = `studies?${qs({ limit: '101', offset: '0', fuzzymatching: 'false', includefield: '00081030,00080060', StudyDate: `${from}-${to}` })}`;
      return { path, truth: count(ds, (s) => inRange(s, from, to)), limit: 101 };
    },
  },
  {
    name: 'series of a study',
    make(r, ds) {
      const study = anyStudy(r, ds);
      return { path: `studies/${study.uid}/series?${qs({ includefield: '0008103E,00080021' })}`, truth: study.series.length };
    },
  },
  {
    name: 'instances of a series',
    make(r, ds) {
      const study = anyStudy(r, ds);
      const series = pick(r, study.series);
      return { path: `studies/${study.uid}/series/${series.uid}/instances`, truth: series.count };
    },
  },
];
