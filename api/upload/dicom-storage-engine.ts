import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { discardStaged, stageInstance, type StagedInstance, type StoreDeps } from '../../core/store/store-instance.js';
import { FailureReason } from '../../core/store/failure-reasons.js';
import { ApiError } from '../errors.js';
import { UploadGuard, checkDeclaredType } from './file-checks.js';

/**
 * A multer StorageEngine that streams the uploaded file straight into the
 * ingest pipeline (the same one STOW-RS uses), through the upload checks:
 * nothing is held in memory or written to a temporary file first. The
 * instance is only staged (blob written, header parsed); the route commits
 * it once the whole form, including fields sent after the file, is read.
 */
export interface UploadedDicom {
  staged: StagedInstance;
  bytes: number;
}

export class DicomStorageEngine implements StorageEngine {
  constructor(
    private readonly store: StoreDeps,
    private readonly opts: { maxBytes: number; tenantOf: (req: Request) => string },
  ) {}

  _handleFile(req: Request, file: Express.Multer.File, cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    this.stage(req, file).then((info) => cb(null, info as Partial<Express.Multer.File>), (err) => {
      file.stream.resume(); // let busboy finish the form
      cb(err);
    });
  }

  _removeFile(_req: Request, file: Express.Multer.File, cb: (error: Error | null) => void): void {
    const upload = (file as unknown as { dicom?: UploadedDicom }).dicom;
    if (!upload) return cb(null);
    discardStaged(upload.staged, this.store).then(() => cb(null), (err) => cb(err as Error));
  }

  private async stage(req: Request, file: Express.Multer.File): Promise<{ dicom: UploadedDicom }> {
    checkDeclaredType(file.originalname ?? '', file.mimetype ?? '');
    const guard = new UploadGuard(this.opts.maxBytes);
    file.stream.on('error', (err) => guard.destroy(err));
    // The guard may fail before the pipeline is attached (stageInstance awaits the index first);
    // the pipeline still sees the error through the stream's errored state.
    guard.on('error', () => undefined);
    const staged = await stageInstance(file.stream.pipe(guard), { tenant: this.opts.tenantOf(req) }, this.store);
    if (!staged.ok) {
      if (staged.reason === FailureReason.OutOfResources) throw new ApiError(413, 'FILE_TOO_LARGE', staged.message);
      throw new ApiError(400, 'INVALID_DICOM', `the file is not a DICOM instance this server can store: ${staged.message}`);
    }
    return { dicom: { staged, bytes: guard.size } };
  }
}
