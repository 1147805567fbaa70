import type { Request, Response } from 'express';
import type { Level, SearchKeyRegistry } from '../../core/query/search-keys.js';
import type { DicomDataset } from '../../dicom/dicom-json.js';
import { isValidUid } from '../../dicom/uid.js';
import { AppError } from '../../storage/errors.js';
import type { IndexStore } from '../../storage/index-store.js';
import type { InstanceRecord, SeriesRecord, StudyRecord } from '../../storage/model.js';
import type { DicomwebContext } from '../context.js';
import { parseQido } from './qido-params.js';
import { sendDicomJson } from '../respond.js';
import {
  INSTANCE_RETURN, SERIES_RETURN, STUDY_RETURN, instanceComputed, pick, seriesComputed, studyComputed,
} from './return-attributes.js';

export interface QidoDeps {
  index: IndexStore;
  searchKeys: SearchKeyRegistry;
  limits: { defaultLimit: number; maxLimit: number };
}

/** QIDO-RS (PS3.18 §10.6) for the six search resources. */
export function handleSearch(level: Level, deps: QidoDeps, ctx: DicomwebContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const studyUid = uidParam(req.params.study);
    const seriesUid = uidParam(req.params.series);
    const params = parseQido(req.query as Record<string, unknown>, level, deps.searchKeys, deps.limits);
    const tenant = ctx.tenantOf(req);
    const page = await deps.index.query({ tenant, level, studyUid, seriesUid, conditions: params.conditions, limit: params.limit, offset: params.offset });
    const baseUrl = ctx.baseUrl(req);
    const loader = new ParentLoader(deps.index, tenant);
    const body: DicomDataset[] = [];
    for (const record of page.records) {
      body.push(await toResult(level, record, { studyUid, seriesUid }, params.includeFields, loader, baseUrl));
    }
    if (page.more) {
      // PS3.18 §8.3.4.4: tell the client that more results exist beyond this page.
      res.setHeader('Warning', `299 ${req.hostname}: "The number of results exceeded the maximum supported by the server. Additional results can be requested."`);
    }
    sendDicomJson(res, 200, body);
  };
}

async function toResult(
  level: Level, record: StudyRecord | SeriesRecord | InstanceRecord, scope: { studyUid?: string; seriesUid?: string },
  include: Set<string> | 'all', loader: ParentLoader, baseUrl: string,
): Promise<DicomDataset> {
  // Parents first, so the record's own attributes win over the parent's copies.
  const sources: DicomDataset[] = [];
  const tags: string[] = [];
  if (level === 'study') {
    sources.push(record.attrs, studyComputed(record as StudyRecord, baseUrl));
    tags.push(...STUDY_RETURN);
  } else {
    if (!scope.studyUid) {
      const study = await loader.study(record.studyUid);
      if (study) sources.push(study.attrs, studyComputed(study, baseUrl));
      tags.push(...STUDY_RETURN);
    }
    if (level === 'series') {
      sources.push(record.attrs, seriesComputed(record as SeriesRecord, baseUrl));
      tags.push(...SERIES_RETURN);
    } else {
      const inst = record as InstanceRecord;
      if (!scope.seriesUid) {
        const series = await loader.series(inst.studyUid, inst.seriesUid);
        if (series) sources.push(seriesComputed(series, baseUrl));
        tags.push(...SERIES_RETURN);
      }
      sources.push(inst.attrs, instanceComputed(inst, baseUrl));
      tags.push(...INSTANCE_RETURN);
    }
  }
  return pick(sources, include === 'all' ? 'all' : [...tags, ...include]);
}

/** Loads each parent record once per request. */
class ParentLoader {
  private readonly studies = new Map<string, Promise<StudyRecord | undefined>>();
  private readonly seriesMap = new Map<string, Promise<SeriesRecord | undefined>>();
  constructor(private readonly index: IndexStore, private readonly tenant: string) {}
  study(uid: string) {
    if (!this.studies.has(uid)) this.studies.set(uid, this.index.getStudy(this.tenant, uid));
    return this.studies.get(uid)!;
  }
  series(studyUid: string, seriesUid: string) {
    if (!this.seriesMap.has(seriesUid)) this.seriesMap.set(seriesUid, this.index.getSeries(this.tenant, studyUid, seriesUid));
    return this.seriesMap.get(seriesUid)!;
  }
}

function uidParam(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !isValidUid(v)) throw new AppError('invalid', 'a UID in the URL is not a valid UID');
  return v;
}
