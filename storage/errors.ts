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

/** The HTTP status each kind stands for, shared by the HTTP layers that answer with plain statuses (DICOMweb, /api). */
export const HTTP_STATUS: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  'unsupported-media': 415,
  'not-acceptable': 406,
  'too-large': 413,
  unavailable: 503,
  internal: 500,
};

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
