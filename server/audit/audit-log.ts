import type { AuditRecord, AuditStore } from '../../storage/audit-store.js';

/**
 * Writes audit records without holding up the response they describe. A
 * failed write is logged loudly (without the record's details) and does not
 * fail the request: the response has already been sent. flush() waits for
 * writes in flight (shutdown, tests).
 */
export class AuditLog {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    readonly store: AuditStore,
    private readonly log: { error: (o: object, m: string) => void },
  ) {}

  record(record: AuditRecord): void {
    const write = this.store.append(record).catch((err: unknown) => {
      this.log.error({ err: { message: (err as Error)?.message }, action: record.action, tenant: record.tenant }, 'AUDIT RECORD LOST: audit store write failed');
    });
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }

  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }
}
