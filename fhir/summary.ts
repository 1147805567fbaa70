/**
 * The plain-text study summary for the Clinical Context Agent, kept as a
 * Binary (text/plain) owned by the study, with `securityContext` pointing to
 * its ImagingStudy. Served as `GET /fhir/ImagingStudy/{id}/$summary` and
 * readable as `GET /fhir/Binary/{id}`. The id derives from the ImagingStudy
 * id, so the summary of a study is found without a search.
 */
import { uuidV5 } from '../mappings/uuid.js';
import type { IdentifiedResource } from './bundle-resources.js';

export function summaryBinaryId(imagingStudyId: string): string {
  return uuidV5(imagingStudyId, 'summary');
}

export function toSummaryBinary(imagingStudyId: string, text: string): IdentifiedResource {
  return {
    resourceType: 'Binary',
    id: summaryBinaryId(imagingStudyId),
    contentType: 'text/plain',
    securityContext: { reference: `ImagingStudy/${imagingStudyId}` },
    // FHIR has no empty strings: an empty summary is a Binary without data.
    ...(text ? { data: Buffer.from(text, 'utf8').toString('base64') } : {}),
  };
}

export function summaryText(binary: Record<string, unknown>): string {
  return typeof binary.data === 'string' ? Buffer.from(binary.data, 'base64').toString('utf8') : '';
}
