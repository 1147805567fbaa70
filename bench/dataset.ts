// The benchmark's synthetic archive as a model: studies, series and patients
// derived deterministically from (seed, index). Nothing here holds pixels;
// every instance can be rebuilt from its index alone, so 20,000 instances
// never sit in memory and the QIDO phase can compute the right answer to
// every query without asking either server.
import { createHash } from 'node:crypto';

export type Modality = 'CT' | 'MR' | 'PT';

export interface Patient {
  index: number;
  id: string;
  name: string;
  family: string;
  birthDate: string;
  sex: 'M' | 'F';
}

export interface Series {
  uid: string;
  number: number;
  modality: Modality;
  description: string;
  rows: number;
  columns: number;
  /** Global index of the series' first instance and how many it has (after truncation to N). */
  firstIndex: number;
  count: number;
}

export interface Study {
  index: number;
  uid: string;
  patient: Patient;
  date: string;
  time: string;
  accession: string;
  description: string;
  bodyPart: string;
  manufacturer: string;
  model: string;
  series: Series[];
}

/** Image size per modality: 512x512 CT (≈512 KB at 16 bits), 256x256 MR, 128x128 PET. */
export const MATRIX: Record<Modality, number> = { CT: 512, MR: 256, PT: 128 };

/** Study layouts; each adds up to 50 instances, the study size the brief asks for. */
const LAYOUTS: Record<string, Array<[Modality, string, number]>> = {
  CT: [['CT', 'Topogram 0.6 T20f', 2], ['CT', 'Axial 5.0 B30f', 30], ['CT', 'Coronal MPR 3.0', 18]],
  MR: [['MR', 'Localizer', 4], ['MR', 'T1 SE sag', 15], ['MR', 'T2 TSE ax', 16], ['MR', 'FLAIR ax', 15]],
  PETCT: [['CT', 'Topogram 0.6 T20f', 2], ['CT', 'CT AC 3.0 B19f', 24], ['PT', 'PET AC WB', 24]],
  CTMR: [['CT', 'Axial 5.0 B30f', 25], ['MR', 'T1 post contrast', 25]],
};
export const STUDY_SIZE = 50;
const KIND_WEIGHTS: Array<[string, number]> = [['CT', 0.5], ['MR', 0.3], ['PETCT', 0.1], ['CTMR', 0.1]];
const BODY_PARTS: Record<string, string[]> = {
  CT: ['HEAD', 'CHEST', 'ABDOMEN', 'PELVIS', 'NECK'],
  MR: ['BRAIN', 'KNEE', 'LSPINE', 'SHOULDER', 'PROSTATE'],
  PETCT: ['WHOLEBODY'],
  CTMR: ['HEAD'],
};
const MANUFACTURERS: Array<[string, string]> = [
  ['GE MEDICAL SYSTEMS', 'Revolution CT'], ['SIEMENS', 'SOMATOM Force'], ['Philips', 'Ingenia'],
  ['Canon Medical Systems', 'Aquilion ONE'], ['ACME Imaging', 'Model 1'],
];
// Two accented names, so accent folding shows up in the count check.
const FAMILIES = [
  'Doe', 'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez',
  'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson',
  'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis',
  'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Müller', 'Núñez',
];
const GIVEN = ['John', 'Jane', 'Maria', 'James', 'Anna', 'Robert', 'Linda', 'Michael', 'Sarah', 'David', 'Laura', 'Peter', 'Emma', 'Paul', 'Olga'];
const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(2015, 0, 1);
const DAYS = Math.round((Date.UTC(2025, 0, 1) - FIRST_DAY) / DAY_MS); // ten years of studies

export class Dataset {
  readonly studies: Study[] = [];

  constructor(readonly n: number, readonly seed: string) {
    for (let s = 0; s * STUDY_SIZE < n; s++) this.studies.push(this.buildStudy(s));
  }

  get seriesCount(): number {
    return this.studies.reduce((sum, st) => sum + st.series.length, 0);
  }

  /** The study and series holding global instance `i`, and its 1-based number within the series. */
  locate(i: number): { study: Study; series: Series; number: number } {
    const study = this.studies[Math.floor(i / STUDY_SIZE)];
    const series = study.series.find((se) => i >= se.firstIndex && i < se.firstIndex + se.count)!;
    return { study, series, number: i - series.firstIndex + 1 };
  }

  sopUid(i: number): string {
    return uid(this.seed, 'sop', i);
  }

  /** ModalitiesInStudy, distinct and in series order. */
  modalities(study: Study): Modality[] {
    return [...new Set(study.series.map((se) => se.modality))];
  }

  private buildStudy(s: number): Study {
    const r = rng(this.seed, 'study', s);
    const kind = weighted(r, KIND_WEIGHTS);
    const bodyPart = pick(r, BODY_PARTS[kind]);
    const [manufacturer, model] = pick(r, MANUFACTURERS);
    const date = ymd(FIRST_DAY + Math.floor(r() * DAYS) * DAY_MS);
    const series: Series[] = [];
    let first = s * STUDY_SIZE;
    LAYOUTS[kind].forEach(([modality, description, size], k) => {
      const count = Math.min(size, this.n - first); // the last study may be cut short by N
      if (count > 0) {
        series.push({ uid: uid(this.seed, 'series', s, k), number: k + 1, modality, description, rows: MATRIX[modality], columns: MATRIX[modality], firstIndex: first, count });
      }
      first += size;
    });
    return {
      index: s,
      uid: uid(this.seed, 'study', s),
      // ~1.4 studies per patient, so PatientID queries sometimes return several studies.
      patient: this.patient(Math.floor(s * 0.7)),
      date,
      time: `${String(7 + Math.floor(r() * 12)).padStart(2, '0')}${String(Math.floor(r() * 60)).padStart(2, '0')}00`,
      accession: `ACC${String(100000 + s)}`,
      description: `${kind === 'PETCT' ? 'PET-CT' : kind === 'CTMR' ? 'CT+MR' : kind} ${bodyPart}`,
      bodyPart,
      manufacturer,
      model,
      series,
    };
  }

  private patient(p: number): Patient {
    const r = rng(this.seed, 'patient', p);
    const family = pick(r, FAMILIES);
    const given = pick(r, GIVEN);
    // Half the names in upper case as many modalities send them, half in mixed case.
    const name = r() < 0.5 ? `${family}^${given}`.toUpperCase() : `${family}^${given}`;
    const birth = Date.UTC(1930, 0, 1) + Math.floor(r() * 80 * 365) * DAY_MS;
    return { index: p, id: `PID${String(100000 + p)}`, name, family, birthDate: ymd(birth), sex: r() < 0.5 ? 'M' : 'F' };
  }
}

/** A 2.25 UID (PS3.5 §B.2) from a hash, so the same seed gives the same UIDs on every run. */
function uid(seed: string, ...keys: Array<string | number>): string {
  const h = createHash('sha256').update([seed, ...keys].join('|')).digest('hex');
  return `2.25.${BigInt(`0x${h.slice(0, 30)}`).toString()}`;
}

/** mulberry32, seeded from a hash: small, fast and good enough to pick attributes. */
export function rng(seed: string, ...keys: Array<string | number>): () => number {
  let a = createHash('sha256').update([seed, ...keys].join('|')).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}

function weighted(r: () => number, items: Array<[string, number]>): string {
  let x = r();
  for (const [item, w] of items) if ((x -= w) < 0) return item;
  return items[items.length - 1][0];
}

export function ymd(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
}

export function addDays(date: string, days: number): string {
  const ms = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8));
  return ymd(ms + days * DAY_MS);
}

export const DATE_SPAN = { first: ymd(FIRST_DAY), days: DAYS };
