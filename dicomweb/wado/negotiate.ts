import { canDecode } from '../../dicom/pixel-decode.js';
import { TS, frameMediaType, isEncapsulated } from '../../dicom/transfer-syntax.js';
import { covers, type AcceptEntry } from './accept.js';

/**
 * Transfer syntax negotiation for WADO-RS (PS3.18 §8.7.3). Decisions:
 * - `transfer-syntax=*`, any media type (`*\/*`) or no Accept: the instance as stored, byte for
 *   byte (what OHIF and dicomweb-client ask for, and what a client that names
 *   nothing most likely wants).
 * - `type="application/dicom"` without a transfer syntax: Explicit VR Little
 *   Endian, the default of PS3.18 Table 8.7.3-5, so compressed instances are
 *   decoded. Naming 1.2.840.10008.1.2.1 does the same.
 * - Any other syntax is served only if it is the stored one: the server
 *   decodes but never re-compresses. Nothing acceptable → 406.
 */
export type Plan = { kind: 'stored' } | { kind: 'explicit-le' };

const DICOM = 'application/dicom';

export function planInstance(accept: AcceptEntry[], stored: string): Plan | undefined {
  for (const e of accept) {
    const plan = instanceEntry(e, stored);
    if (plan) return plan.kind === 'explicit-le' && stored === TS.ExplicitLE ? { kind: 'stored' } : plan;
  }
  return undefined;
}

function instanceEntry(e: AcceptEntry, stored: string): Plan | undefined {
  if (e.type === '*/*' || e.type === 'multipart/*') return { kind: 'stored' };
  if (e.type !== 'multipart/related') return undefined;
  const type = (e.params.type ?? '*/*').toLowerCase();
  if (type !== DICOM && !covers(type, DICOM)) return undefined;
  const ts = e.params['transfer-syntax'];
  if (ts === '*' || (ts === undefined && type !== DICOM)) return { kind: 'stored' };
  if (ts === undefined || ts === TS.ExplicitLE) return canDecode(stored) ? { kind: 'explicit-le' } : undefined;
  return ts === stored ? { kind: 'stored' } : undefined;
}

/** Frames: 'explicit-le' means uncompressed little-endian bytes as application/octet-stream. */
export function planFrames(accept: AcceptEntry[], stored: string): Plan | undefined {
  for (const e of accept) {
    const plan = frameEntry(e, stored);
    if (plan) return plan.kind === 'explicit-le' && !needsDecode(stored) ? { kind: 'stored' } : plan;
  }
  return undefined;
}

function frameEntry(e: AcceptEntry, stored: string): Plan | undefined {
  if (e.type === '*/*' || e.type === 'multipart/*') return { kind: 'stored' };
  if (e.type !== 'multipart/related') return undefined;
  const type = (e.params.type ?? 'application/octet-stream').toLowerCase();
  const ts = e.params['transfer-syntax'];
  if (type === 'application/octet-stream') {
    if (ts === '*' || ts === stored) return { kind: 'stored' };
    if (ts === undefined || ts === TS.ExplicitLE || ts === TS.ImplicitLE) return canDecode(stored) ? { kind: 'explicit-le' } : undefined;
    return undefined;
  }
  if (!covers(type, frameMediaType(stored)) || !isEncapsulated(stored)) return undefined;
  return ts === undefined || ts === '*' || ts === stored ? { kind: 'stored' } : undefined;
}

/** Native frames of any native syntax but big endian are already little-endian bytes. */
function needsDecode(stored: string): boolean {
  return isEncapsulated(stored) || stored === TS.ExplicitBE;
}

export function describeAccept(accept: AcceptEntry[]): string {
  return accept.map((e) => [e.type, ...Object.entries(e.params).map(([k, v]) => `${k}=${v}`)].join('; ')).join(', ');
}
