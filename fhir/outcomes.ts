/**
 * FHIR errors as values (after medplum's outcomes.ts): an OperationOutcome
 * and the HTTP status it travels with. Every error leaving /fhir is one of
 * these; `toFhirError` is the one place where other errors are mapped.
 * Issue codes: https://hl7.org/fhir/R4/valueset-issue-type.html
 */
import { AppError, type ErrorKind } from '../storage/errors.js';

export type IssueCode = 'invalid' | 'not-found' | 'not-supported' | 'exception' | 'transient' | 'too-costly' | 'processing' | 'informational';

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: Array<{ severity: 'fatal' | 'error' | 'warning' | 'information'; code: IssueCode; diagnostics: string; expression?: string[] }>;
}

export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
  ) {
    super(outcome.issue[0]?.diagnostics ?? `HTTP ${status}`);
    this.name = 'FhirError';
  }
}

export function outcome(severity: OperationOutcome['issue'][number]['severity'], code: IssueCode, diagnostics: string, expression?: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics, ...(expression ? { expression: [expression] } : {}) }] };
}

const error = (status: number, code: IssueCode, diagnostics: string, expression?: string) =>
  new FhirError(status, outcome('error', code, diagnostics, expression));

export const badRequest = (diagnostics: string, expression?: string) => error(400, 'invalid', diagnostics, expression);
export const notSupported = (diagnostics: string, expression?: string) => error(400, 'not-supported', diagnostics, expression);
export const notFound = (diagnostics: string) => error(404, 'not-found', diagnostics);
export const methodNotAllowed = (diagnostics: string) => error(405, 'not-supported', diagnostics);
export const notAcceptable = (diagnostics: string) => error(406, 'not-supported', diagnostics);

const FROM_KIND: Record<ErrorKind, { status: number; code: IssueCode }> = {
  invalid: { status: 400, code: 'invalid' },
  'not-found': { status: 404, code: 'not-found' },
  conflict: { status: 409, code: 'processing' },
  'unsupported-media': { status: 415, code: 'not-supported' },
  'not-acceptable': { status: 406, code: 'not-supported' },
  'too-large': { status: 413, code: 'too-costly' },
  unavailable: { status: 503, code: 'transient' },
  internal: { status: 500, code: 'exception' },
};

/** Any thrown value as a FhirError; unknown errors become a 500 that reveals nothing. */
export function toFhirError(err: unknown): FhirError {
  if (err instanceof FhirError) return err;
  if (err instanceof AppError) {
    const { status, code } = FROM_KIND[err.kind];
    return error(status, code, status >= 500 && err.kind !== 'unavailable' ? 'internal server error' : err.message);
  }
  const status = (err as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return badRequest(String((err as Error).message));
  return error(500, 'exception', 'internal server error');
}
