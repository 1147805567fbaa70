import { inflateRawSync } from 'node:zlib';
import type { RangeReader } from './encapsulated.js';
import { parseHeader, type ParsedHeader } from './parse-header.js';
import { writeHeader } from './part10-writer.js';
import { TS } from './transfer-syntax.js';
import { dropImpossibleValues } from './sanitize.js';
import { metaEnd } from './trailing.js';

/**
 * An instance opened for reading from wherever its bytes live: its parsed
 * header plus a ranged reader. The header is read from growing prefixes, so
 * a multi-GiB instance costs a few KiB. A deflated instance (PS3.5 §A.5)
 * has no byte offsets until inflated, so it is inflated once into memory and
 * presented as the equivalent Explicit VR Little Endian file.
 */
export interface OpenedInstance {
  header: ParsedHeader;
  read: RangeReader;
  size: number;
  /** True when the bytes are a re-encoding (deflated source), not the stored file. */
  reencoded: boolean;
}

export interface OpenLimits {
  maxHeaderBytes: number;
  /** Largest deflated instance inflated in memory. */
  maxInflatedBytes: number;
}

export class OpenError extends Error {}

const FIRST_READ = 64 * 1024;

export async function openInstance(read: RangeReader, size: number, limits: OpenLimits): Promise<OpenedInstance> {
  for (let n = Math.min(FIRST_READ, size); ; n = Math.min(n * 4, size)) {
    const complete = n >= size;
    const bytes = await read(0, n);
    const header = parseHeader(bytes, complete);
    if (header) {
      if (header.transferSyntaxUid === TS.DeflatedLE) return inflated(bytes, header, limits);
      return { header: { ...header, dataset: dropImpossibleValues(header.dataset, size) }, read, size, reencoded: false };
    }
    if (complete) throw new OpenError('the stored instance has no readable header');
    if (n >= limits.maxHeaderBytes && !isDeflated(bytes)) {
      throw new OpenError(`header larger than ${limits.maxHeaderBytes} bytes before Pixel Data`);
    }
    if (n >= limits.maxInflatedBytes) throw new OpenError(`deflated instance larger than ${limits.maxInflatedBytes} bytes`);
  }
}

function isDeflated(prefix: Buffer): boolean {
  return prefix.includes(Buffer.from(TS.DeflatedLE));
}

function inflated(file: Buffer, h: ParsedHeader, limits: OpenLimits): OpenedInstance {
  const dataset = inflateRawSync(file.subarray(metaEnd(file)), { maxOutputLength: limits.maxInflatedBytes });
  const bytes = Buffer.concat([writeHeader(h.meta, {}), dataset]);
  const header = parseHeader(bytes, true);
  if (!header) throw new OpenError('the inflated dataset has no readable header');
  header.dataset = dropImpossibleValues(header.dataset, bytes.length);
  const read: RangeReader = async (start, end) => bytes.subarray(start, end);
  return { header, read, size: bytes.length, reencoded: true };
}

