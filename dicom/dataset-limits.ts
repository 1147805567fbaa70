/**
 * Limits on what reading one DICOM header may cost. Each carries the name of
 * the setting that controls it, so an error can say which limit was hit
 * without this module knowing where the value came from.
 */
export interface NamedLimit {
  /** The configuration variable, e.g. DICOM_MAX_ELEMENT_BYTES. */
  name: string;
  max: number;
}

export interface DatasetLimits {
  /** Largest value of one element read into memory (everything but top-level Pixel Data). */
  elementBytes: NamedLimit;
  /** Deepest nesting of sequences (a sequence inside an item of a sequence is depth 2). */
  sequenceDepth: NamedLimit;
  /** Most data elements and items in one header, nested ones included. */
  elements: NamedLimit;
  /**
   * Item content summed over every item, so nested content counts once per
   * level: dcmjs copies each item's bytes before reading it, which makes deep
   * nesting around a large value cost depth × size in time and memory.
   */
  nestedBytes: NamedLimit;
  /** Largest dataset after inflating the Deflated Explicit VR Little Endian transfer syntax. */
  inflatedBytes: NamedLimit;
}

/** The defaults of server/limits/limits-config.ts, used by callers that pass no limits. */
export const DEFAULT_DATASET_LIMITS: DatasetLimits = {
  elementBytes: { name: 'DICOM_MAX_ELEMENT_BYTES', max: 32 * 1024 * 1024 },
  sequenceDepth: { name: 'DICOM_MAX_SEQUENCE_DEPTH', max: 32 },
  elements: { name: 'DICOM_MAX_ELEMENTS', max: 100_000 },
  nestedBytes: { name: 'DICOM_MAX_NESTED_BYTES', max: 256 * 1024 * 1024 },
  inflatedBytes: { name: 'DICOM_MAX_INFLATED_BYTES', max: 256 * 1024 * 1024 },
};

/**
 * A header that would cost more than a limit allows. The message starts with
 * the limit's name: STOW responses carry it in a 64-character Error Comment.
 */
export class DatasetLimitError extends Error {
  constructor(
    readonly limit: NamedLimit,
    detail: string,
  ) {
    super(`${limit.name}=${limit.max} exceeded: ${detail}`);
    this.name = 'DatasetLimitError';
  }
}
