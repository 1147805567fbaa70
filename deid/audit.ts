import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BurnedInReason } from '../dicom/burned-in.js';

/**
 * One record per de-identified instance. It holds no PHI by construction:
 * only the profile, option names, counts, flags and the de-identified SOP
 * Instance UID (never an original UID, name, ID or date).
 */
export interface DeidAuditRecord {
  at: string;
  tenant: string;
  /**
   * Where it happened: before storing (DEID_POLICY=at-ingest), or when serving
   * the de-identified view: a whole instance (retrieve) or its header (metadata, bulk data).
   */
  trigger: 'ingest' | 'retrieve' | 'metadata';
  profile: 'PS3.15 E.1 Basic Application Level Confidentiality Profile';
  options: string[];
  attributesChanged: number;
  privateAttributesRemoved: number;
  /** The de-identified SOP Instance UID (2.25…), or undefined when the dataset has none. */
  instanceId?: string;
  burnedInAnnotationRisk: BurnedInReason[];
}

/**
 * Where audit records go. Deliberately small: the audit subsystem (querying,
 * retention, shipping to a SIEM) comes later and will implement this.
 */
export interface AuditSink {
  record(entry: DeidAuditRecord): Promise<void>;
  close(): Promise<void>;
}

/**
 * Append-only JSON Lines file (DATA_DIR/audit/deid.jsonl). Appends are
 * serialised so lines never interleave; a failed append is reported to the
 * caller, which decides whether the operation may proceed.
 */
export class JsonlAuditSink implements AuditSink {
  private tail: Promise<void> = Promise.resolve();
  private ready?: Promise<unknown>;

  constructor(private readonly file: string) {}

  record(entry: DeidAuditRecord): Promise<void> {
    this.ready ??= mkdir(dirname(this.file), { recursive: true });
    const line = `${JSON.stringify(entry)}\n`;
    const next = this.tail.then(async () => {
      await this.ready;
      await appendFile(this.file, line, { encoding: 'utf8', mode: 0o600 });
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.tail;
  }
}

/** Keeps records in memory (tests) or discards them (DEID_AUDIT=none). */
export class MemoryAuditSink implements AuditSink {
  readonly records: DeidAuditRecord[] = [];
  constructor(private readonly keep = true) {}
  async record(entry: DeidAuditRecord): Promise<void> {
    if (this.keep) this.records.push(entry);
  }
  async close(): Promise<void> {}
}
