/**
 * Failure Reason (0008,1197) and Warning Reason (0008,1196) values for STOW-RS
 * (PS3.18 §10.5.3, using the Storage Service status codes of PS3.4 Annex B.2.3
 * and the general DIMSE statuses of PS3.7 Annex C).
 */
export const FailureReason = {
  /** PS3.7 C.4.2: processing failure (e.g. storage error). */
  ProcessingFailure: 0x0110,
  /** PS3.7 C.5.3: duplicate SOP Instance with different content (policy 'reject'). */
  DuplicateSopInstance: 0x0111,
  /** PS3.7 C.5.? used for a study-scoped STOW whose instance belongs to another study. */
  StudyUidMismatch: 0x0124,
  /** PS3.4 B.2.3: refused, out of resources (e.g. size limit). */
  OutOfResources: 0xa700,
  /** PS3.4 B.2.3: data set does not match SOP Class (e.g. required UID missing or invalid). */
  DataSetDoesNotMatchSopClass: 0xa900,
  /** PS3.4 B.2.3: cannot understand (not DICOM / not parseable). */
  CannotUnderstand: 0xc000,
} as const;

export const WarningReason = {
  /** PS3.4 B.2.3: coercion of data elements (none today). */
  CoercionOfDataElements: 0xb000,
  /** PS3.4 B.2.3: data set does not match SOP Class (stored anyway). */
  DataSetDoesNotMatchSopClass: 0xb007,
  /** PS3.4 B.2.3: elements discarded. */
  ElementsDiscarded: 0xb006,
} as const;
