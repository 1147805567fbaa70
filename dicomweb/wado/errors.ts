import type { ErrorRequestHandler } from 'express';
import { DecodeError, UnsupportedCodecError } from '../../dicom/pixel-decode.js';
import { EncapsulationError } from '../../dicom/encapsulated.js';
import { FrameError } from '../../dicom/frames.js';
import { ImageInfoError } from '../../dicom/image-info.js';
import { OpenError } from '../../dicom/open-instance.js';
import { AppError } from '../../storage/errors.js';

/**
 * Pixel-level failures are about what is stored, not about the request:
 * they become 406 with the reason (the representation asked for cannot be
 * produced), never a 500. Everything else goes on to the DICOMweb handler.
 */
const PIXEL_ERRORS = [DecodeError, UnsupportedCodecError, EncapsulationError, FrameError, ImageInfoError, OpenError];

export const pixelErrors: ErrorRequestHandler = (err, _req, _res, next) => {
  if (PIXEL_ERRORS.some((E) => err instanceof E)) return next(new AppError('not-acceptable', (err as Error).message));
  next(err);
};
