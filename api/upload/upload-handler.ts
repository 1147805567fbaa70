import type { Request, Response } from 'express';
import { commitStaged, discardStaged, type StoreDeps, type StoreResult } from '../../core/store/store-instance.js';
import { FailureReason } from '../../core/store/failure-reasons.js';
import type { Dataset } from '../../deid/deidentify-dataset.js';
import { isDeidentifiedByUs } from '../../deid/method-attributes.js';
import { mappingContextFor, type FhirMappingSettings } from '../../core/fhir-sync/mapping-context.js';
import type { DicomDataset as MappingDataset } from '../../mappings/dicom-json.js';
import { mapStudy, matchProcedures, type SrFinding } from '../../mappings/index.js';
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
  /**
   * The FHIR mapping settings the FHIR sync uses: the upload answer names the
   * ImagingStudy the sync is about to write (ids are deterministic) and the
   * SR findings of the file. Without them both are left out (null / []).
   */
  fhirMapping?: FhirMappingSettings;
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
    const fhir = fhirPreview(deps.fhirMapping, ds as MappingDataset);
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
        burnedInAnnotationRisk: result.burnedInAnnotationRisk,
        retrieveUrl: `${base}/studies/${result.studyUid}/series/${result.seriesUid}/instances/${result.sopUid}`,
        dicomMetadata: metadata,
        // The FHIR sync writes the study's resources right after this answer (status "pending");
        // the ImagingStudy id is known now: ids are derived from the study's identifiers.
        fhir: { imagingStudyId: fhir.imagingStudyId, status: 'pending' },
        srFindings: fhir.findings,
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

/**
 * What the FHIR sync will make of this file: the id of its study's ImagingStudy
 * (the same mapping and settings, so the same deterministic id, see
 * fhir/bundle-resources.ts) and the findings of an SR document. A mapping
 * problem never fails an upload that is already stored.
 */
function fhirPreview(settings: FhirMappingSettings | undefined, ds: MappingDataset): { imagingStudyId: string | null; findings: SrFinding[] } {
  if (!settings) return { imagingStudyId: null, findings: [] };
  try {
    const mapped = mapStudy([ds], mappingContextFor(settings, [ds], new Date()));
    const study = mapped.bundle?.entry.find((e) => e.resource.resourceType === 'ImagingStudy');
    return { imagingStudyId: study ? study.fullUrl.replace(/^urn:uuid:/, '') : null, findings: mapped.findings };
  } catch {
    return { imagingStudyId: null, findings: [] };
  }
}
