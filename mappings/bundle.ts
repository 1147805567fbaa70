/**
 * Transaction Bundle of conditional creates/updates (spec 10.3). Entry order follows
 * spec 10.3 (Patient, Endpoint, ImagingStudy, then per SR Devices, BodyStructures,
 * Observations, DiagnosticReport, Conditions); a resource already listed (same fullUrl)
 * is not repeated.
 */
import type { Bundle, BundleEntry } from './fhir-r4.js';

export function toBundle(entries: BundleEntry[]): Bundle {
  const seen = new Set<string>();
  const entry = entries.filter((e) => {
    if (seen.has(e.fullUrl)) return false;
    seen.add(e.fullUrl);
    return true;
  });
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
