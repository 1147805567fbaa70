/**
 * FHIR on the wire: format negotiation (`_format`, Accept), JSON responses
 * as application/fhir+json, and the one error handler that turns anything
 * thrown under /fhir into an OperationOutcome (R4 http.html).
 */
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { notAcceptable, toFhirError } from './outcomes.js';

export const FHIR_JSON = 'application/fhir+json';
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);
const JSON_ACCEPT = /(^|,)\s*(\*\/\*|application\/\*|application\/(fhir\+)?json|application\/json\+fhir)\s*(;|,|$)/i;

const formatParam = (req: Request): string | undefined => {
  const f = req.query._format;
  // `application/fhir+json` sent unencoded arrives with a space for the '+'.
  return typeof f === 'string' ? f.trim().toLowerCase().replace(/ /g, '+') : undefined;
};

/** Throws 406 unless the request accepts JSON (or text/plain, where `allowText`). */
export function assertJsonFormat(req: Request, allowText = false): void {
  const format = formatParam(req);
  if (format !== undefined) {
    if (!JSON_FORMATS.has(format.split(';')[0].trim())) throw notAcceptable(`_format=${format} is not supported; this server speaks JSON (_format=json)`);
    return;
  }
  const accept = req.headers.accept;
  if (!accept || JSON_ACCEPT.test(accept) || (allowText && /text\/(plain|\*)/i.test(accept))) return;
  throw notAcceptable(`Accept: ${accept} is not supported; use application/fhir+json`);
}

/** Middleware form of assertJsonFormat: rejects before any work is done. */
export function negotiateFormat(allowText = false) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    try {
      assertJsonFormat(req, allowText);
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** True when the client asked for FHIR JSON explicitly (Binary reads return raw content otherwise). */
export function wantsFhirJson(req: Request): boolean {
  if (formatParam(req) !== undefined) return true;
  return /application\/(fhir\+json|json\+fhir|json)/i.test(req.headers.accept ?? '');
}

export function sendFhir(req: Request, res: Response, status: number, body: unknown): void {
  const pretty = req.query._pretty === 'true';
  res.status(status).type(`${FHIR_JSON}; charset=utf-8`).send(JSON.stringify(body, null, pretty ? 2 : undefined));
}

export function fhirErrorHandler(log: { error: (o: object, m: string) => void }): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const fe = toFhirError(err);
    if (fe.status >= 500) log.error({ err: { message: err?.message, stack: err?.stack } }, 'FHIR request failed');
    if (fe.status === 405) res.setHeader('Allow', 'GET, HEAD');
    if (fe.status === 503) res.setHeader('Retry-After', '5');
    sendFhir(req, res, fe.status, fe.outcome);
  };
}
