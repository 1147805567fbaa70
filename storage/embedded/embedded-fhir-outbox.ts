import type Database from 'better-sqlite3';
import type { FhirOutbox, OutboxItem, OutboxStatus } from '../fhir-store.js';

const toItem = (r: any): OutboxItem => ({
  id: String(r.id),
  tenant: r.tenant,
  studyUid: r.study_uid,
  payload: r.payload,
  enqueuedAt: r.enqueued_at,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  ...(r.last_error ? { lastError: r.last_error } : {}),
});

const tenantScope = (tenant?: string) => (tenant === undefined ? { sql: '1', params: [] } : { sql: 'tenant = ?', params: [tenant] });

/**
 * The outbox on the embedded FHIR store's database. Each operation is one
 * SQLite transaction, so lease and supersede decisions see a consistent queue.
 */
export class EmbeddedFhirOutbox implements FhirOutbox {
  constructor(private readonly db: Database.Database) {}

  async enqueue(item: { tenant: string; studyUid: string; payload: string }, now: string): Promise<string> {
    return this.db.transaction(() => {
      // Older Bundles of the study not in flight are superseded: the new one carries the study's full state.
      this.db.prepare(
        `DELETE FROM fhir_outbox WHERE tenant = ? AND study_uid = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until < ?)`,
      ).run(item.tenant, item.studyUid, now);
      const id = this.db.prepare(
        `INSERT INTO fhir_outbox (tenant, study_uid, payload, enqueued_at, state, attempts, next_attempt_at) VALUES (?, ?, ?, ?, 'pending', 0, ?)`,
      ).run(item.tenant, item.studyUid, item.payload, now, now).lastInsertRowid;
      return String(id);
    })();
  }

  async leaseNext(now: string, leaseMs: number): Promise<OutboxItem | undefined> {
    return this.db.transaction(() => {
      const row = this.db.prepare(
        `SELECT * FROM fhir_outbox o
         WHERE o.state = 'pending' AND o.next_attempt_at <= ? AND (o.lease_until IS NULL OR o.lease_until < ?)
           AND NOT EXISTS (SELECT 1 FROM fhir_outbox p WHERE p.tenant = o.tenant AND p.study_uid = o.study_uid AND p.state = 'pending' AND p.id < o.id)
         ORDER BY o.id LIMIT 1`,
      ).get(now, now) as any;
      if (!row) return undefined;
      const until = new Date(Date.parse(now) + leaseMs).toISOString();
      this.db.prepare('UPDATE fhir_outbox SET lease_until = ? WHERE id = ?').run(until, row.id);
      return toItem(row);
    })();
  }

  async ack(id: string): Promise<void> {
    this.db.prepare('DELETE FROM fhir_outbox WHERE id = ?').run(Number(id));
  }

  async fail(id: string, error: string, now: string, retryAt?: string): Promise<void> {
    this.db.prepare(
      `UPDATE fhir_outbox SET attempts = attempts + 1, last_error = ?, last_attempt_at = ?, lease_until = NULL,
         state = ?, next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ?`,
    ).run(error, now, retryAt ? 'pending' : 'failed', retryAt ?? null, Number(id));
  }

  async releaseLeases(): Promise<void> {
    this.db.prepare('UPDATE fhir_outbox SET lease_until = NULL WHERE lease_until IS NOT NULL').run();
  }

  async requeueFailed(now: string, tenant?: string): Promise<number> {
    const scope = tenantScope(tenant);
    return this.db.prepare(`UPDATE fhir_outbox SET state = 'pending', next_attempt_at = ? WHERE state = 'failed' AND ${scope.sql}`)
      .run(now, ...scope.params).changes;
  }

  async outboxStatus(tenant?: string): Promise<OutboxStatus> {
    const scope = tenantScope(tenant);
    const counts = this.db.prepare(
      `SELECT
         sum(state = 'pending') AS queued,
         sum(state = 'pending' AND attempts > 0) AS retrying,
         sum(state = 'failed') AS failed,
         min(CASE WHEN state = 'pending' THEN enqueued_at END) AS oldest,
         min(CASE WHEN state = 'pending' THEN next_attempt_at END) AS next_at
       FROM fhir_outbox WHERE ${scope.sql}`,
    ).get(...scope.params) as any;
    const last = this.db.prepare(
      `SELECT tenant, study_uid, last_error, last_attempt_at FROM fhir_outbox WHERE last_error IS NOT NULL AND ${scope.sql} ORDER BY last_attempt_at DESC LIMIT 1`,
    ).get(...scope.params) as any;
    return {
      queued: counts.queued ?? 0,
      retrying: counts.retrying ?? 0,
      failed: counts.failed ?? 0,
      ...(counts.oldest ? { oldestQueuedAt: counts.oldest } : {}),
      ...(counts.next_at ? { nextAttemptAt: counts.next_at } : {}),
      ...(last ? { lastError: { message: last.last_error, at: last.last_attempt_at, tenant: last.tenant, studyUid: last.study_uid } } : {}),
    };
  }
}
