import type { Response } from 'express';

/**
 * Writes DICOM JSON / XML with the bare media type: clients such as Python
 * dicomweb-client compare Content-Type exactly, and Express would append
 * "; charset=utf-8" (UTF-8 is already the only charset DICOM JSON allows, PS3.18 §F.1).
 */
export function sendDicomJson(res: Response, status: number, body: unknown): void {
  res.status(status).setHeader('Content-Type', 'application/dicom+json');
  res.end(JSON.stringify(body));
}

export function sendDicomXml(res: Response, status: number, xml: string): void {
  res.status(status).setHeader('Content-Type', 'application/dicom+xml');
  res.end(xml);
}
