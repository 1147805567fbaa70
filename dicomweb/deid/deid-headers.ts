import { finished } from 'node:stream/promises';
import { DeidTransform } from '../../deid/deid-stream.js';
import type { BurnedInReason } from '../../dicom/burned-in.js';
import type { DeidServices } from '../../deid/services.js';
import { parseHeader, type ParsedHeader } from '../../dicom/parse-header.js';
import { AppError } from '../../storage/errors.js';
import type { InstanceAccess } from '../wado/instance-access.js';
import { instanceMetadata } from '../wado/metadata-json.js';
import type { ViewInstance } from './deid-index-view.js';

/**
 * The de-identified header of a stored instance, for the WADO-RS resources
 * of the view that are not whole instances (metadata, bulk data) and for the
 * burned-in flag of pixel resources (frames, rendered, thumbnails).
 *
 * It is made by the same code that makes retrieved instances: the stored
 * bytes up to Pixel Data go through a DeidTransform, and the result is parsed
 * back. So /metadata is exactly the metadata of the instance that
 * /dicomweb/deid retrieval sends, by construction: nothing the profile
 * removes can reappear here, whatever form (Value, InlineBinary, BulkDataURI)
 * it would take in DICOM JSON. Pixel Data is not touched by the profile, so
 * pixel resources are served from the stored blob (see deid-wado.ts).
 *
 * Metadata JSON and burned-in flags are kept in a small in-process LRU keyed
 * by blob and content digest (and tenant: UIDs and pseudonyms are per tenant).
 * Each de-identification that runs (cache miss) writes an audit record.
 */
export interface DeidHeader {
  header: ParsedHeader;
  burnedIn: BurnedInReason[];
}

interface Entry {
  json: string;
  burnedIn: BurnedInReason[];
}

const LRU_SIZE = 1000;

export class DeidHeaders {
  private readonly lru = new Map<string, Promise<Entry>>();

  constructor(
    private readonly access: InstanceAccess,
    private readonly deid: DeidServices,
    private readonly threshold: number,
    private readonly maxHeaderBytes: number,
  ) {}

  /** The de-identified instance's DICOM JSON, with relative bulk data URIs (see metadata-json.ts). */
  async metadata(rec: ViewInstance): Promise<string> {
    return (await this.entry(rec)).json;
  }

  /** Why the instance's pixels may show identifying text (empty when no reason is known). */
  async burnedIn(rec: ViewInstance): Promise<BurnedInReason[]> {
    return (await this.entry(rec)).burnedIn;
  }

  /** The de-identified header itself, binary values included (bulk data); not cached. */
  header(rec: ViewInstance): Promise<DeidHeader> {
    return this.deidentify(rec);
  }

  private entry(rec: ViewInstance): Promise<Entry> {
    const key = `${rec.tenant}|${rec.blobKey}|${rec.sha256}`;
    let e = this.lru.get(key);
    if (e) {
      this.lru.delete(key);
      this.lru.set(key, e); // most recently used last
      return e;
    }
    e = this.deidentify(rec).then(({ header, burnedIn }) => ({ json: JSON.stringify(instanceMetadata(header, this.threshold)), burnedIn }));
    this.lru.set(key, e);
    e.catch(() => this.lru.delete(key));
    if (this.lru.size > LRU_SIZE) this.lru.delete(this.lru.keys().next().value!);
    return e;
  }

  private async deidentify(rec: ViewInstance): Promise<DeidHeader> {
    const opened = await this.access.open(rec);
    const h = opened.header;
    // Everything before the Pixel Data value (deflated instances: of their inflated re-encoding).
    const end = h.reachedPixelData && h.pixelDataValueOffset !== undefined ? h.pixelDataValueOffset : opened.size;
    const bytes = await opened.read(0, end);
    const t = new DeidTransform(this.deid.engine, rec.tenant, this.maxHeaderBytes);
    const out: Buffer[] = [];
    t.on('data', (c: Buffer) => out.push(c));
    t.end(bytes);
    let outcome;
    try {
      await finished(t);
      outcome = await t.outcome;
    } catch {
      // Never fall back to the stored header: what cannot be de-identified is not served.
      throw new AppError('internal', `instance ${rec.sopUid} cannot be de-identified (its header is not readable by the de-identifier)`);
    }
    const header = parseHeader(Buffer.concat(out), true);
    if (!header) throw new AppError('internal', `the de-identified header of instance ${rec.sopUid} cannot be read back`);
    if (!rec.storedDeidentified) {
      await this.deid.audit.record({
        at: new Date().toISOString(),
        tenant: rec.tenant,
        trigger: 'metadata',
        profile: 'PS3.15 E.1 Basic Application Level Confidentiality Profile',
        options: this.deid.engine.optionNames(),
        attributesChanged: outcome.attributesChanged,
        privateAttributesRemoved: outcome.privateAttributesRemoved,
        instanceId: outcome.sopInstanceUid,
        burnedInAnnotationRisk: outcome.burnedInAnnotationRisk,
      });
    }
    return { header, burnedIn: outcome.burnedInAnnotationRisk };
  }
}

/** The Warning header value (RFC 9111 §5.5, code 299) the view sends with pixels that may hold burned-in text. */
export function burnedInWarning(reasons: BurnedInReason[]): string | undefined {
  if (reasons.length === 0) return undefined;
  return `299 - "pixel data may contain burned-in identifying text (${[...new Set(reasons)].join(', ')}); only the header was de-identified"`;
}
