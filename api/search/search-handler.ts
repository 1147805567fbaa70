import type { Request, Response } from 'express';
import { foldCase } from '../../core/query/normalize.js';
import { HAS_CONTRAST } from '../../core/query/search-keys.js';
import { allStrings, firstString } from '../../dicom/dicom-json.js';
import type { IndexStore } from '../../storage/index-store.js';
import type { Condition, StudyRecord } from '../../storage/model.js';
import { ApiError } from '../errors.js';
import { isoDate } from '../metadata/extract-metadata.js';
import { studyDescriptionOf } from '../metadata/study-description.js';
import { UPLOADER_PATIENT_ID } from '../upload/upload-handler.js';

/**
 * GET /api/imaging: the uploading patient's studies, filtered by metadata
 * (seed design "Advanced Search API"). The same index query as QIDO-RS
 * (IndexStore.query with Conditions) at study level; series attributes
 * (modality, body part, manufacturer, contrast) match when any series has them.
 *
 * patientId (required) · modality · bodyPart (case-insensitive) · manufacturer
 * (substring, case-insensitive) · hasContrast=true|false · contrastAgent
 * (substring, case-insensitive) · startDate / endDate (YYYY-MM-DD or YYYYMMDD,
 * inclusive, on Study Date) · page (from 1) / pageSize (1-100, default 20).
 */
export interface SearchHandlerDeps {
  index: IndexStore;
  tenantOf(req: Request): string;
  dicomwebBaseUrl(req: Request): string;
}

const MAX_PAGE_SIZE = 100;

export function handleImagingSearch(deps: SearchHandlerDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const q = req.query as Record<string, unknown>;
    const patientId = param(q, 'patientId');
    if (!patientId) throw new ApiError(400, 'PATIENT_ID_REQUIRED', 'the query parameter "patientId" is required');
    const page = intParam(q, 'page', 1, 1, 1_000_000);
    const pageSize = intParam(q, 'pageSize', 20, 1, MAX_PAGE_SIZE);
    const conditions = toConditions(q, patientId);
    const result = await deps.index.query({
      tenant: deps.tenantOf(req), level: 'study', conditions, limit: pageSize, offset: (page - 1) * pageSize,
    });
    const base = deps.dicomwebBaseUrl(req);
    res.json({
      success: true,
      data: (result.records as StudyRecord[]).map((s) => summary(s, base)),
      pagination: { page, pageSize, hasMore: result.more },
    });
  };
}

function toConditions(q: Record<string, unknown>, patientId: string): Condition[] {
  const c: Condition[] = [{ key: UPLOADER_PATIENT_ID, op: 'any', values: [patientId] }];
  const modality = param(q, 'modality');
  if (modality) c.push({ key: 'Modality', op: 'any', values: [modality.toUpperCase()] });
  const bodyPart = param(q, 'bodyPart');
  if (bodyPart) c.push({ key: 'BodyPartExamined', op: 'any', values: [foldCase(bodyPart)] });
  const manufacturer = param(q, 'manufacturer');
  if (manufacturer) c.push(contains('Manufacturer', manufacturer));
  const agent = param(q, 'contrastAgent');
  if (agent) c.push(contains('ContrastBolusAgent', agent));
  const hasContrast = param(q, 'hasContrast');
  if (hasContrast !== undefined) {
    if (hasContrast !== 'true' && hasContrast !== 'false') throw new ApiError(400, 'INVALID_PARAMETER', 'hasContrast must be true or false');
    c.push({ key: HAS_CONTRAST, op: 'any', values: [hasContrast] });
  }
  const from = dateParam(q, 'startDate');
  const to = dateParam(q, 'endDate');
  if (from || to) c.push({ key: 'StudyDate', op: 'range', from, to });
  return c;
}

/** Substring match: the index's wildcard matching on case-folded values (DICOM '*' wildcards stripped from input). */
function contains(key: string, value: string): Condition {
  return { key, op: 'wildcard', pattern: `*${foldCase(value).replace(/[*?]/g, '')}*` };
}

function summary(s: StudyRecord, base: string) {
  const attrs = s.attrs;
  return {
    studyInstanceUid: s.studyUid,
    studyDate: isoDate(firstString(attrs, '00080020')),
    studyDescription: studyDescriptionOf(attrs).text,
    modalities: s.modalities,
    bodyPartExamined: firstString(attrs, '00180015'),
    manufacturer: firstString(attrs, '00080070'),
    manufacturerModelName: firstString(attrs, '00081090'),
    contrastBolusAgent: firstString(attrs, '00180010'),
    numberOfSeries: s.numSeries,
    numberOfInstances: s.numInstances,
    seriesDescriptions: allStrings(attrs, '0008103E'),
    retrieveUrl: `${base}/studies/${s.studyUid}`,
  };
}

function param(q: Record<string, unknown>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ApiError(400, 'INVALID_PARAMETER', `query parameter ${name} must be given once`);
  const s = v.trim();
  return s === '' ? undefined : s;
}

function intParam(q: Record<string, unknown>, name: string, dflt: number, min: number, max: number): number {
  const v = param(q, name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new ApiError(400, 'INVALID_PARAMETER', `${name} must be an integer from ${min} to ${max}`);
  return Number(v);
}

function dateParam(q: Record<string, unknown>, name: string): string | undefined {
  const v = param(q, name);
  if (v === undefined) return undefined;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(v);
  if (!m) throw new ApiError(400, 'INVALID_PARAMETER', `${name} must be a date, YYYY-MM-DD`);
  return `${m[1]}${m[2]}${m[3]}`;
}
