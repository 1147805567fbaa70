/** Records for the IndexStore contract, built in code (no DICOM parsing: the contract is about storage). */
import { randomBytes } from 'node:crypto';
import type { DicomDataset } from '../../dicom/dicom-json.js';
import type { IndexStore } from '../../storage/index-store.js';
import type { Condition, InstanceRecord, LevelRecord, QueryLevel, SearchTerms } from '../../storage/model.js';

const run = randomBytes(3).toString('hex');
let counter = 0;

/** A tenant no other test (or earlier run against the same server) uses. */
export function freshTenant(): string {
  return `c${run}-${++counter}`;
}

export interface InstanceSpec {
  tenant: string;
  study: string;
  series: string;
  sop: string;
  sha?: string;
  blobKey?: string;
  modality?: string;
  patientName?: string;
  studyDate?: string;
  sortKeys?: Partial<InstanceRecord['sortKeys']>;
  /** Extra terms per level, merged over the defaults. */
  terms?: Partial<InstanceRecord['terms']>;
}

/** An instance record; its study and series terms are what the first instance of each would contribute. */
export function instance(s: InstanceSpec): InstanceRecord {
  const name = s.patientName ?? 'DOE^JOHN';
  const modality = s.modality ?? 'CT';
  const study: SearchTerms = {
    StudyInstanceUID: [s.study],
    PatientName: [name],
    'PatientName.word': name.split(/[\^ ]+/).filter(Boolean),
    StudyDate: [s.studyDate ?? '20240101'],
    ModalitiesInStudy: [modality],
  };
  const series: SearchTerms = { SeriesInstanceUID: [s.series], Modality: [modality] };
  const inst: SearchTerms = { SOPInstanceUID: [s.sop], Modality: [modality] };
  return {
    tenant: s.tenant,
    studyUid: s.study,
    seriesUid: s.series,
    sopUid: s.sop,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    blobKey: s.blobKey ?? `${s.tenant}/instances/${randomBytes(8).toString('hex')}.dcm`,
    size: 1234,
    sha256: s.sha ?? 'a'.repeat(64),
    attrs: attrs(s, name, modality),
    terms: {
      study: { ...study, ...s.terms?.study },
      series: { ...series, ...s.terms?.series },
      instance: { ...inst, ...s.terms?.instance },
    },
    sortKeys: { study: '20240101000000', series: '0000000000001', instance: '0000000000001', ...s.sortKeys },
    storedAt: new Date().toISOString(),
  };
}

/** DICOM JSON with a sequence, numbers and a person name, to check attrs round-trip unchanged. */
function attrs(s: InstanceSpec, name: string, modality: string): DicomDataset {
  return {
    '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
    '00080018': { vr: 'UI', Value: [s.sop] },
    '00080060': { vr: 'CS', Value: [modality] },
    '00081115': { vr: 'SQ', Value: [{ '00081150': { vr: 'UI', Value: ['1.2.3'] } }] },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: name }] },
    '0020000D': { vr: 'UI', Value: [s.study] },
    '0020000E': { vr: 'UI', Value: [s.series] },
    '00280010': { vr: 'US', Value: [512] },
    '00281050': { vr: 'DS', Value: [40.5, -0.25] },
    '00080070': { vr: 'LO' },
  } as DicomDataset;
}

/** Inserts in order (not concurrently), so insertion order is well defined. */
export async function insertAll(store: IndexStore, records: InstanceRecord[]): Promise<void> {
  for (const r of records) {
    const outcome = await store.insertInstance(r, 'reject');
    if (outcome.kind !== 'inserted') throw new Error(`fixture ${r.sopUid} not inserted: ${outcome.kind}`);
  }
}

/** The identifying UID of a record at its level. */
export function uidOf(level: QueryLevel, r: LevelRecord): string {
  if (level === 'study') return r.studyUid;
  if (level === 'series') return (r as { seriesUid: string }).seriesUid;
  return (r as InstanceRecord).sopUid;
}

export interface QueryArgs {
  tenant: string;
  level: QueryLevel;
  conditions?: Condition[];
  studyUid?: string;
  seriesUid?: string;
  limit?: number;
  offset?: number;
}

/** UIDs of the matching records, in the order the store returned them. */
export async function queryUids(store: IndexStore, a: QueryArgs): Promise<string[]> {
  const page = await store.query({ conditions: [], limit: 1000, offset: 0, ...a });
  return page.records.map((r) => uidOf(a.level, r));
}

/** Same, sorted: for tests about matching, not order. */
export async function matching(store: IndexStore, a: QueryArgs): Promise<string[]> {
  return (await queryUids(store, a)).sort();
}
