import type { Request, Response } from 'express';
import { commitStaged, discardStaged, type StoreDeps, type StoreResult } from '../../core/store/store-instance.js';
import { FailureReason } from '../../core/store/failure-reasons.js';
import { burnedInRisk } from '../../deid/burned-in.js';
import type { Dataset } from '../../deid/deidentify-dataset.js';
import { isDeidentifiedByUs } from '../../deid/method-attributes.js';
import { matchProcedures } from '../../mappings/index.js';
import { ApiError } from '../errors.js';
import { extractMetadata } from '../metadata/extract-metadata.js';
import type { UploadedDicom } from './dicom-storage-engine.js';

/**
 * POST /api/imaging/upload-dicom (multipart/form-data: file, patientId,
 * indication). Runs after multer, which has already streamed the file into
 * a staged instance: checks the fields, commits (or discards) the instance
 * and answers with the extracted metadata.
 *
 * patientId is the uploading patient's id in the calling application, not
 * the file's Patient ID (0010,0020), which belongs to whoever produced the
 * images and is left as it is (or de-identified with DEID_POLICY=at-ingest).
 * It is stored as the search term UploaderPatientId of the study, series and
 * instance, within the tenant, and is what GET /api/imaging filters on.
 */
export const UPLOADER_PATIENT_ID = 'UploaderPatientId';
const MAX_FIELD = 256;

export interface UploadHandlerDeps {
  store: StoreDeps;
  tenantOf(req: Request): string;
  dicomwebBaseUrl(req: Request): string;
  /** The same notification STOW-RS sends (FHIR sync). */
  onStored?(tenant: string, results: StoreResult[]): void | Promise<void>;
}

export function handleUpload(deps: UploadHandlerDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const upload = (req.file as unknown as { dicom?: UploadedDicom } | undefined)?.dicom;
    if (!upload) throw new ApiError(400, 'FILE_REQUIRED', 'the form has no "file" field with a DICOM file');
    const { staged } = upload;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const patientId = field(body.patientId);
    const indication = field(body.indication);
    if (!patientId || patientId.length > MAX_FIELD || (indication && indication.length > 4 * MAX_FIELD)) {
      await discardStaged(staged, deps.store);
      if (!patientId) throw new ApiError(400, 'PATIENT_ID_REQUIRED', 'the form field "patientId" is required');
      throw new ApiError(400, 'FIELD_TOO_LONG', 'patientId or indication is too long');
    }
    staged.req.extraTerms = { study: { [UPLOADER_PATIENT_ID]: [patientId] }, series: { [UPLOADER_PATIENT_ID]: [patientId] }, instance: { [UPLOADER_PATIENT_ID]: [patientId] } };
    const tenant = staged.req.tenant;
    const result = await commitStaged(staged, deps.store);
    if (!result.ok) {
      if (result.reason === FailureReason.DuplicateSopInstance) throw new ApiError(409, 'DUPLICATE_INSTANCE', result.message);
      throw new ApiError(400, 'NOT_STORED', result.message);
    }
    await deps.onStored?.(tenant, [result]);
    const ds = result.header.dataset;
    const metadata = extractMetadata(ds);
    const base = deps.dicomwebBaseUrl(req);
    res.status(result.outcome === 'duplicate' ? 200 : 201).json({
      success: true,
      data: {
        patientId,
        ...(indication ? { indication } : {}),
        studyInstanceUid: result.studyUid,
        seriesInstanceUid: result.seriesUid,
        sopInstanceUid: result.sopUid,
        modality: metadata.series.modality,
        bodyPart: metadata.series.bodyPartExamined,
        studyDate: metadata.study.studyDate,
        studyDescription: metadata.study.studyDescription,
        stored: { outcome: result.outcome, sha256: result.sha256, size: result.size, deidentified: isDeidentifiedByUs(ds as Dataset) },
        burnedInAnnotationRisk: burnedInRisk(ds as Dataset),
        retrieveUrl: `${base}/studies/${result.studyUid}/series/${result.seriesUid}/instances/${result.sopUid}`,
        dicomMetadata: metadata,
        // Filled by the FHIR sync (another component) once it has run for this study.
        fhir: { imagingStudyId: null, status: 'pending' },
        srFindings: null,
        procedureMatches: matchProcedures(metadata.series.bodyPartExamined, metadata.series.modality),
      },
      message: result.outcome === 'duplicate' ? 'this DICOM file was already stored' : 'DICOM file stored and metadata extracted',
    });
  };
}

function field(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  return s === '' ? undefined : s;
}
