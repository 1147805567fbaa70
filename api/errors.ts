import type { ErrorRequestHandler, Response } from 'express';
import multer from 'multer';
import { AppError, HTTP_STATUS } from '../storage/errors.js';

/**
 * Errors of the patient imaging API (/api/imaging), answered as JSON
 * `{ success: false, error: { code, message } }`. Messages never quote
 * request values: a patient id or a file name is patient data.
 */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export function sendApiError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ success: false, error: { code, message } });
}

export function apiErrorHandler(log: { error: (o: object, m: string) => void }): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof ApiError) return sendApiError(res, err.status, err.code, err.message);
    if (err instanceof multer.MulterError) {
      if (err.code === 'LIMIT_FILE_SIZE') return sendApiError(res, 413, 'FILE_TOO_LARGE', 'the file is larger than UPLOAD_MAX_BYTES');
      return sendApiError(res, 400, `MULTIPART_${err.code}`, `malformed upload form: ${err.message}`);
    }
    if (err instanceof AppError) {
      if (err.kind === 'unavailable') res.setHeader('Retry-After', '5');
      return sendApiError(res, HTTP_STATUS[err.kind], err.code.toUpperCase().replace(/-/g, '_'), err.message);
    }
    // busboy's own parse errors (a body that is not multipart/form-data) are the client's.
    if (err instanceof Error && /multipart|boundary|Unexpected end of form/i.test(err.message)) {
      return sendApiError(res, 400, 'MALFORMED_FORM', 'the body is not a valid multipart/form-data form');
    }
    log.error({ err: { name: err?.name, stack: err?.stack } }, 'unhandled imaging API error');
    sendApiError(res, 500, 'INTERNAL', 'internal server error');
  };
}
