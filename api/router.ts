import { Router, type Request, type Response } from 'express';
import multer from 'multer';
import type { FhirMappingSettings } from '../core/fhir-sync/mapping-context.js';
import type { StoreDeps, StoreResult } from '../core/store/store-instance.js';
import type { IndexStore } from '../storage/index-store.js';
import type { UploadConfig } from './config.js';
import { apiErrorHandler, sendApiError } from './errors.js';
import { handleImagingSearch } from './search/search-handler.js';
import { DicomStorageEngine } from './upload/dicom-storage-engine.js';
import { handleUpload } from './upload/upload-handler.js';

/**
 * /api/imaging: the patient-facing upload and search API (seed design
 * 000_…: DICOM metadata support). Upload goes through the same ingest
 * pipeline as STOW-RS; search runs the same index query as QIDO-RS.
 */
export interface ImagingApiDeps {
  store: StoreDeps;
  index: IndexStore;
  upload: UploadConfig;
  tenantOf(req: Request): string;
  dicomwebBaseUrl(req: Request): string;
  onStored?(tenant: string, results: StoreResult[]): void | Promise<void>;
  /** FHIR mapping settings, to name the ImagingStudy and SR findings in upload answers. */
  fhirMapping?: FhirMappingSettings;
  log: { error: (o: object, m: string) => void };
}

export function imagingApiRouter(deps: ImagingApiDeps): Router {
  const r = Router();
  if (deps.upload.enabled) {
    const upload = multer({
      storage: new DicomStorageEngine(deps.store, { maxBytes: deps.upload.maxBytes, tenantOf: deps.tenantOf }),
      // One file; busboy's own cap is a backstop behind UploadGuard (same limit + 1 byte).
      limits: { files: 1, fields: 10, fieldSize: 16 * 1024, parts: 12, fileSize: deps.upload.maxBytes + 1 },
    });
    r.post('/upload-dicom', upload.single('file'), handleUpload(deps));
  } else {
    r.post('/upload-dicom', (_req: Request, res: Response) => sendApiError(
      res, 404, 'UPLOAD_DISABLED', 'DICOM upload is turned off on this server (DICOM_UPLOAD_ENABLED=false)',
    ));
  }
  r.get('/', handleImagingSearch(deps));
  r.use((_req: Request, res: Response) => sendApiError(res, 404, 'NOT_FOUND', 'no such imaging API resource'));
  r.use(apiErrorHandler(deps.log));
  return r;
}
