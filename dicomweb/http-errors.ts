import type { ErrorRequestHandler, Response } from 'express';
import { AppError, HTTP_STATUS } from '../storage/errors.js';
import { MultipartError } from './multipart/related-reader.js';
import { sendDicomJson } from './respond.js';

// The one place where typed errors become DICOMweb HTTP responses.

/** Seconds a client should wait before retrying when a dependency is down (503). */
export const RETRY_AFTER_SECONDS = 5;

/** A DICOM-style error body: Status (0000,0900) and Error Comment (0000,0902). */
export function sendDicomError(res: Response, status: number, message: string): void {
  sendDicomJson(res, status, {
    '00000900': { vr: 'US', Value: [status] },
    '00000902': { vr: 'LO', Value: [message] },
  });
}

export function dicomwebErrorHandler(log: { error: (o: object, m: string) => void }): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    // The client went away, or a timeout closed the connection: nobody is left to answer, nothing to log.
    if (req.socket?.destroyed) return;
    // A body left unread is not drained (it may be endless): answer, then close the connection.
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.readableEnded) res.setHeader('Connection', 'close');
    if (err instanceof MultipartError) return sendDicomError(res, 400, `malformed multipart body: ${err.message}`);
    if (err instanceof AppError) {
      if (err.kind === 'unavailable') res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      return sendDicomError(res, HTTP_STATUS[err.kind], err.message);
    }
    if (err?.type === 'entity.too.large') return sendDicomError(res, 413, 'request body too large');
    if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) return sendDicomError(res, err.status, String(err.message));
    log.error({ err: { message: err?.message, stack: err?.stack } }, 'unhandled DICOMweb error');
    sendDicomError(res, 500, 'internal server error');
  };
}
