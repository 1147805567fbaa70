import type { Request } from 'express';
import type { StoreResult } from '../core/store/store-instance.js';
import type { InstanceRecord } from '../storage/model.js';

/** What the DICOMweb layer needs from the server around it. */
export interface DicomwebContext {
  /**
   * The tenant a request acts for: the tenant of its credential, resolved by
   * access control before any router (server/auth/principal.ts). Handlers
   * take the tenant from here and from nowhere else.
   */
  tenantOf(req: Request): string;
  /** The service root (…/dicomweb) as clients should see it, for Retrieve URLs. */
  baseUrl(req: Request): string;
  /** Called after a STOW with its results (FHIR sync hooks in here); awaited before the response. */
  onStored?(tenant: string, results: StoreResult[]): void | Promise<void>;
  /** Called after instances were deleted (FHIR resources derived from them follow). */
  onDeleted?(tenant: string, studyUid: string, removed: InstanceRecord[]): void | Promise<void>;
}
