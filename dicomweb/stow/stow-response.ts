import type { DicomDataset } from '../../dicom/dicom-json.js';
import { Tag } from '../../dicom/tags.js';
import type { StoreResult, StoredInstance } from '../../core/store/store-instance.js';
import { BURNED_IN_REASONS } from '../../dicom/burned-in.js';

/** Builds the Store Instances Response Module (PS3.18 §10.5.3) and picks the HTTP status. */
export function buildStowResponse(results: StoreResult[], baseUrl: string): { status: number; body: DicomDataset } {
  const stored = results.filter((r) => r.ok);
  const failed = results.filter((r) => !r.ok);
  const body: DicomDataset = {};
  const studies = new Set(stored.map((r) => r.studyUid));
  if (studies.size === 1) {
    body[Tag.RetrieveURL] = { vr: 'UR', Value: [`${baseUrl}/studies/${[...studies][0]}`] };
  }
  if (failed.length) {
    body[Tag.FailedSOPSequence] = {
      vr: 'SQ',
      Value: failed.map((f) => ({
        ...(f.sopClassUid ? { [Tag.ReferencedSOPClassUID]: { vr: 'UI', Value: [f.sopClassUid] } } : {}),
        ...(f.sopUid ? { [Tag.ReferencedSOPInstanceUID]: { vr: 'UI', Value: [f.sopUid] } } : {}),
        [Tag.FailureReason]: { vr: 'US', Value: [f.reason] },
        // Error Comment is not part of the module, but tells the sender why in words.
        '00000902': { vr: 'LO', Value: [f.message.slice(0, 64)] },
      })),
    };
  }
  if (stored.length) {
    body[Tag.ReferencedSOPSequence] = {
      vr: 'SQ',
      Value: stored.map((s) => ({
        [Tag.ReferencedSOPClassUID]: { vr: 'UI', Value: [s.sopClassUid] },
        [Tag.ReferencedSOPInstanceUID]: { vr: 'UI', Value: [s.sopUid] },
        [Tag.RetrieveURL]: { vr: 'UR', Value: [`${baseUrl}/studies/${s.studyUid}/series/${s.seriesUid}/instances/${s.sopUid}`] },
      })),
    };
  }
  return { status: stowStatus(stored.length, failed.length), body };
}

/**
 * PS3.18 §10.5.3: 200 when every instance was stored without warnings,
 * 202 when some failed (or were stored with warnings), 409 when none was stored.
 */
function stowStatus(stored: number, failed: number): number {
  if (failed === 0) return 200;
  return stored > 0 ? 202 : 409;
}

/**
 * The `Warning` (RFC 9111 §5.5, code 299) of a STOW-RS response that stored
 * instances whose pixels may hold burned-in identifying text (Burned In
 * Annotation YES, ultrasound, Secondary Capture: dicom/burned-in.ts). PS3.18
 * §10.5.3 has no Warning Reason for this, so the status (200/202) and the
 * response body stay as they are. Counts and reasons only: no UIDs, no values.
 * `agent` is the warn-agent (the server's host name, or `-`).
 */
export function burnedInStowWarning(results: StoreResult[], agent: string): string | undefined {
  const stored = results.filter((r): r is StoredInstance => r.ok);
  const atRisk = stored.filter((r) => r.burnedInAnnotationRisk.length > 0);
  if (atRisk.length === 0) return undefined;
  const seen = new Set(atRisk.flatMap((r) => r.burnedInAnnotationRisk));
  const reasons = BURNED_IN_REASONS.filter((r) => seen.has(r));
  return `299 ${agent} "burned-in annotation risk: ${atRisk.length} of ${stored.length} stored instances (${reasons.join(', ')}); `
    + 'their pixel data may contain identifying text, which de-identification never removes (headers only)"';
}
