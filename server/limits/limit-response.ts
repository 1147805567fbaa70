import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Answers a request refused by a server-level limit (rate, timeouts) in the
 * form of the protocol its path belongs to: DICOM JSON Status and Error
 * Comment under /dicomweb (as dicomweb/http-errors.ts), an OperationOutcome
 * under /fhir, plain JSON elsewhere. Written with node:http only, so it works
 * before Express has seen the request. The message names the limit.
 */
const FHIR_ISSUE: Record<number, string> = { 400: 'invalid', 408: 'timeout', 413: 'too-costly', 429: 'throttled', 431: 'too-costly' };

export function sendLimitResponse(
  req: IncomingMessage, res: ServerResponse, status: number, message: string, headers: Record<string, string> = {},
): void {
  // Express rewrites req.url inside mounted routers; originalUrl keeps the full path.
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const { type, body } = bodyFor(url, status, message);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** True while a request still has body bytes on the wire that nobody read. */
export function bodyUnread(req: IncomingMessage): boolean {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  return hasBody && !req.readableEnded;
}

/** For errors Node raises before any request object exists (headers timeout, malformed request line). */
export function writeRawLimitResponse(socket: Socket, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function bodyFor(url: string, status: number, message: string): { type: string; body: string } {
  const path = url.split('?')[0].toLowerCase();
  if (path === '/fhir' || path.startsWith('/fhir/')) {
    const issue = [{ severity: 'error', code: FHIR_ISSUE[status] ?? 'processing', diagnostics: message }];
    return { type: 'application/fhir+json', body: JSON.stringify({ resourceType: 'OperationOutcome', issue }) };
  }
  if (path === '/dicomweb' || path.startsWith('/dicomweb/')) {
    const body = { '00000900': { vr: 'US', Value: [status] }, '00000902': { vr: 'LO', Value: [message] } };
    return { type: 'application/dicom+json', body: JSON.stringify(body) };
  }
  return { type: 'application/json', body: JSON.stringify({ error: message }) };
}
