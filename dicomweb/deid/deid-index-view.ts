import { DEID_TERM_PREFIX } from '../../deid/ingest-hooks.js';
import type { Dataset } from '../../deid/deidentify-dataset.js';
import type { DeidEngine } from '../../deid/engine.js';
import { isDeidentifiedByUs } from '../../deid/method-attributes.js';
import type { DicomDataset } from '../../dicom/dicom-json.js';
import { AppError } from '../../storage/errors.js';
import type { IndexStore, InstanceScope } from '../../storage/index-store.js';
import type {
  Condition, InstanceRecord, LevelQuery, LevelRecord, QueryPage, SeriesRecord, StudyRecord,
} from '../../storage/model.js';

/**
 * The index as the de-identified view sees it: a read-only IndexStore, so
 * the QIDO-RS handler of dicomweb/qido serves the view unchanged.
 * - Matching runs on the "deid:" terms written at ingest (deid/ingest-hooks.ts):
 *   a query can only match de-identified values, never probe original ones.
 * - UIDs in paths are de-identified UIDs; they become conditions too.
 * - Records come back with de-identified UIDs and attributes.
 */
const STUDY_UID = `${DEID_TERM_PREFIX}StudyInstanceUID`;
const SERIES_UID = `${DEID_TERM_PREFIX}SeriesInstanceUID`;
const SOP_UID = `${DEID_TERM_PREFIX}SOPInstanceUID`;
const MAX_SCOPE = 100_000;

export type ReadIndex = Pick<IndexStore, 'query' | 'getStudy' | 'getSeries' | 'findInstances' | 'ping'>;

/** An instance record of the view: de-identified UIDs and attributes, the stored blob key. */
export interface ViewInstance extends InstanceRecord {
  storedDeidentified: boolean;
}

export class DeidIndexView implements ReadIndex {
  constructor(private readonly inner: IndexStore, private readonly engine: DeidEngine) {}

  async query(q: LevelQuery): Promise<QueryPage<LevelRecord>> {
    const conditions: Condition[] = q.conditions.map((c) => ({ ...c, key: DEID_TERM_PREFIX + c.key }));
    if (q.studyUid) conditions.push(uidIs(STUDY_UID, q.studyUid));
    if (q.seriesUid && q.level === 'instance') conditions.push(uidIs(SERIES_UID, q.seriesUid));
    const page = await this.inner.query({ ...q, studyUid: undefined, seriesUid: undefined, conditions });
    return { more: page.more, records: page.records.map((r) => this.view(q.tenant, q.level, r)) };
  }

  async getStudy(tenant: string, studyUid: string): Promise<StudyRecord | undefined> {
    const page = await this.query({ tenant, level: 'study', conditions: [], studyUid, limit: 1, offset: 0 });
    return page.records[0] as StudyRecord | undefined;
  }

  async getSeries(tenant: string, studyUid: string, seriesUid: string): Promise<SeriesRecord | undefined> {
    const page = await this.query({ tenant, level: 'series', conditions: [uidIs(SERIES_UID, seriesUid)], studyUid, limit: 1, offset: 0 });
    return page.records[0] as SeriesRecord | undefined;
  }

  /**
   * Instances in a de-identified scope. Records keep their blob key (the bytes
   * are de-identified when read) and say whether the stored bytes already are
   * (DEID_POLICY=at-ingest): decided on the stored attributes, before the view
   * rewrites them.
   */
  async findInstances(s: InstanceScope): Promise<ViewInstance[]> {
    const conditions = [uidIs(STUDY_UID, s.studyUid)];
    if (s.seriesUid) conditions.push(uidIs(SERIES_UID, s.seriesUid));
    if (s.sopUid) conditions.push(uidIs(SOP_UID, s.sopUid));
    const page = await this.inner.query({ tenant: s.tenant, level: 'instance', conditions, limit: MAX_SCOPE, offset: 0 });
    return page.records.map((r) => ({
      ...(this.view(s.tenant, 'instance', r) as InstanceRecord),
      storedDeidentified: isDeidentifiedByUs(r.attrs as Dataset),
    }));
  }

  private view(tenant: string, level: LevelQuery['level'], r: LevelRecord): LevelRecord {
    const already = isDeidentifiedByUs(r.attrs as Dataset);
    const uid = (u: string) => (already ? u : this.engine.uid(tenant, u));
    const attrs = this.engine.deidentify(tenant, r.attrs as Dataset).dataset as DicomDataset;
    if (level === 'study') return { ...(r as StudyRecord), studyUid: uid(r.studyUid), attrs };
    if (level === 'series') {
      const s = r as SeriesRecord;
      return { ...s, studyUid: uid(s.studyUid), seriesUid: uid(s.seriesUid), attrs };
    }
    const i = r as InstanceRecord;
    return { ...i, studyUid: uid(i.studyUid), seriesUid: uid(i.seriesUid), sopUid: uid(i.sopUid), attrs };
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  /** The view where an IndexStore is expected (the QIDO handler): every write method rejects. */
  asIndexStore(): IndexStore {
    return new Proxy(this, {
      get: (target, prop) => (prop in target ? Reflect.get(target, prop) : readOnly),
    }) as unknown as IndexStore;
  }
}

function uidIs(key: string, uid: string): Condition {
  return { key, op: 'any', values: [uid] };
}

function readOnly(): Promise<never> {
  return Promise.reject(new AppError('internal', 'the de-identified view is read-only'));
}
