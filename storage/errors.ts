/**
 * Typed errors shared by every layer. Protocol layers map `kind` to their own
 * wire form once (DICOM status for DICOMweb, OperationOutcome for FHIR).
 */
export type ErrorKind =
  | 'invalid' // bad input from the client
  | 'not-found'
  | 'conflict'
  | 'unsupported-media'
  | 'not-acceptable'
  | 'too-large'
  | 'unavailable' // a dependency (index, blob store) is down
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly code: string = kind,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
