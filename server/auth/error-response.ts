import type { Request, Response } from 'express';
import { sendDicomError } from '../../dicomweb/http-errors.js';
import type { AuthError, AuthErrorKind } from './auth-errors.js';

/** The one place where refusals become HTTP: status, challenge, and a body in the protocol's own form. */
const STATUS: Record<AuthErrorKind, number> = {
  'missing-credentials': 401,
  'invalid-token': 401,
  'insufficient-scope': 403,
  'no-route': 404,
  unavailable: 503,
};

/** OAuth error codes (RFC 6750 §3.1) for the challenge and the JSON body. */
const OAUTH_CODE: Record<AuthErrorKind, string> = {
  'missing-credentials': 'unauthorized',
  'invalid-token': 'invalid_token',
  'insufficient-scope': 'insufficient_scope',
  'no-route': 'not_found',
  unavailable: 'temporarily_unavailable',
};

/** FHIR IssueType codes (http://hl7.org/fhir/valueset-issue-type.html). */
const FHIR_ISSUE: Record<number, string> = { 400: 'invalid', 401: 'login', 403: 'forbidden', 404: 'not-found', 503: 'transient' };

export function sendAuthError(req: Request, res: Response, err: AuthError, realm: string): void {
  const challenge = challengeOf(err, realm);
  if (challenge) res.setHeader('WWW-Authenticate', challenge);
  if (err.kind === 'unavailable') res.setHeader('Retry-After', '5');
  sendProtocolError(req, res, STATUS[err.kind], err.message, OAUTH_CODE[err.kind]);
}

/**
 * RFC 6750 §3: no error code when no credentials came; otherwise the code,
 * a description, and for insufficient_scope the scope that would do.
 */
function challengeOf(err: AuthError, realm: string): string | undefined {
  if (err.kind === 'no-route' || err.kind === 'unavailable') return undefined;
  const parts = [`realm="${quoted(realm)}"`];
  if (err.kind !== 'missing-credentials') {
    parts.push(`error="${OAUTH_CODE[err.kind]}"`, `error_description="${quoted(err.message)}"`);
    if (err.scope) parts.push(`scope="${quoted(err.scope)}"`);
  }
  return `${err.scheme} ${parts.join(', ')}`;
}

/** RFC 6750 allows %x20-21 / %x23-5B / %x5D-7E inside the quotes. */
function quoted(s: string): string {
  return s.replace(/[^\x20-\x7e]|["\\]/g, "'");
}

/** An error body in the form of the protocol the path belongs to. */
export function sendProtocolError(req: Request, res: Response, status: number, message: string, code: string): void {
  const path = req.path.toLowerCase();
  if (path === '/dicomweb' || path.startsWith('/dicomweb/')) return sendDicomError(res, status, message);
  if (path === '/fhir' || path.startsWith('/fhir/')) return sendOperationOutcome(res, status, message);
  res.status(status).json({ error: code, error_description: message });
}

/** An OperationOutcome with one error issue (FHIR R4). */
export function sendOperationOutcome(res: Response, status: number, message: string): void {
  res.status(status).setHeader('Content-Type', 'application/fhir+json');
  res.end(JSON.stringify({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: FHIR_ISSUE[status] ?? (status >= 500 ? 'exception' : 'processing'), diagnostics: message }],
  }));
}
