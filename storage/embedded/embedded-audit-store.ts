import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditPage, AuditQuery, AuditRecord, AuditStore } from '../audit-store.js';

/**
 * Audit records in the embedded index file (its own tables, its own
 * connection; WAL lets it write beside the index connection). Study UIDs get
 * a table of their own so "every access to this study" is an index scan.
 *
 * synchronous = NORMAL by default: better-sqlite3 runs on the event loop, and
 * an fsync per audited request would stall every other request. A committed
 * record survives a process crash at once, and power loss from the next WAL
 * sync on, which the index's group commit (WalSync) issues for every store.
 */
const SCHEMA = `
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS audit_events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  agent_kind TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  action TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  status INTEGER NOT NULL,
  source_address TEXT,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (tenant, recorded_at);
CREATE TABLE IF NOT EXISTS audit_studies (
  tenant TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (tenant, study_uid, seq)
) WITHOUT ROWID;
`;

export class EmbeddedAuditStore implements AuditStore {
  private readonly db: Database.Database;

  constructor(file: string, options: { synchronous?: 'FULL' | 'NORMAL' } = {}) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  async append(r: AuditRecord): Promise<void> {
    this.db.transaction(() => {
      const detail = JSON.stringify({ studyUids: r.studyUids, entities: r.entities, queryKeys: r.queryKeys });
      const seq = this.db.prepare(
        `INSERT INTO audit_events (id, tenant, recorded_at, agent_kind, agent_id, action, method, route, status, source_address, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(r.id, r.tenant, r.recordedAt, r.agent.kind, r.agent.id, r.action, r.method, r.route, r.status, r.sourceAddress ?? null, detail)
        .lastInsertRowid;
      const study = this.db.prepare('INSERT OR IGNORE INTO audit_studies (tenant, study_uid, seq) VALUES (?, ?, ?)');
      for (const uid of new Set(r.studyUids)) study.run(r.tenant, uid, seq);
    })();
  }

  async get(tenant: string, id: string): Promise<AuditRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM audit_events WHERE tenant = ? AND id = ?').get(tenant, id);
    return row ? toRecord(row) : undefined;
  }

  async query(q: AuditQuery): Promise<AuditPage> {
    const where = ['e.tenant = ?'];
    const args: unknown[] = [q.tenant];
    if (q.since !== undefined) where.push('e.recorded_at >= ?'), args.push(q.since);
    if (q.until !== undefined) where.push('e.recorded_at < ?'), args.push(q.until);
    if (q.agentId !== undefined) where.push('e.agent_id = ?'), args.push(q.agentId);
    if (q.action !== undefined) where.push('e.action = ?'), args.push(q.action);
    if (q.status) where.push('e.status >= ? AND e.status < ?'), args.push(q.status.min, q.status.max);
    if (q.studyUid !== undefined) {
      where.push('EXISTS (SELECT 1 FROM audit_studies s WHERE s.tenant = e.tenant AND s.study_uid = ? AND s.seq = e.seq)');
      args.push(q.studyUid);
    }
    const rows = this.db.prepare(
      `SELECT e.* FROM audit_events e WHERE ${where.join(' AND ')} ORDER BY e.recorded_at DESC, e.seq DESC LIMIT ? OFFSET ?`,
    ).all(...args, q.limit + 1, q.offset);
    return { records: rows.slice(0, q.limit).map(toRecord), more: rows.length > q.limit };
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toRecord(row: any): AuditRecord {
  const detail = JSON.parse(row.detail) as Pick<AuditRecord, 'studyUids' | 'entities' | 'queryKeys'>;
  return {
    id: row.id,
    recordedAt: row.recorded_at,
    tenant: row.tenant,
    agent: { kind: row.agent_kind, id: row.agent_id },
    action: row.action,
    method: row.method,
    route: row.route,
    studyUids: detail.studyUids,
    entities: detail.entities,
    queryKeys: detail.queryKeys,
    status: row.status,
    ...(row.source_address !== null ? { sourceAddress: row.source_address } : {}),
  };
}
