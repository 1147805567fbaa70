import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { resourceKey, toStored, writeContent } from '../fhir-content.js';
import type {
  DirtyStudy, FhirStore, IndexEntry, OutboxItem, OutboxStatus, ReplaceSummary, ResourcePage, ResourceQuery, ResourceRef,
  ResourceWrite, StoredResource,
} from '../fhir-store.js';
import { EmbeddedFhirOutbox } from './embedded-fhir-outbox.js';
import { FHIR_SCHEMA } from './fhir-schema.js';
import { conditionSql } from './fhir-search-sql.js';
import { WalSync } from './wal-sync.js';

type WriteOutcome = 'created' | 'updated' | 'unchanged';

const rowToStored = (r: any): StoredResource => toStored(r.tenant, r.type, r.id, r.version, r.last_updated, r.json);

/**
 * The default FHIR store: one SQLite file under DATA_DIR (better-sqlite3).
 * Every write is one transaction, so a resource, its search values and its
 * owners never disagree, even after a crash.
 *
 * synchronous=NORMAL in WAL mode (as the index): a commit reaches the OS
 * inside the synchronous better-sqlite3 call (safe against a process crash)
 * but is not fsynced there, so the event loop never blocks in fsync. The
 * writes a caller relies on before answering a client - a dirty mark (written
 * ahead of an instance commit), an outbox enqueue, failed items put back in
 * the queue - resolve only after WalSync has fsynced the WAL off the event
 * loop (one fsync shared by concurrent callers). Other writes (resources,
 * clearing a mark, hashes) ride on the next fsync: the WAL is replayed as a
 * prefix after a power loss, so none of them survives without the durable
 * writes made before it, and a lost one is redone by the mark that remains.
 */
export class EmbeddedFhirStore implements FhirStore {
  private readonly db: Database.Database;
  private readonly outbox: EmbeddedFhirOutbox;
  /** Fsyncs the WAL for writes that must be durable when they resolve (none for an in-memory database). */
  private readonly wal?: WalSync;

  constructor(file: string, options: { synchronous?: 'FULL' | 'NORMAL'; now?: () => Date } = {}) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(FHIR_SCHEMA);
    // NORMAL only where WalSync can make commits durable: a file database in WAL mode.
    const wal = file !== ':memory:' && file !== '' && this.db.pragma('journal_mode', { simple: true }) === 'wal';
    const synchronous = wal ? (options.synchronous ?? 'NORMAL') : 'FULL';
    this.db.pragma(`synchronous = ${synchronous}`);
    if (synchronous === 'NORMAL') this.wal = new WalSync(`${file}-wal`);
    // Stores made before deletions were pushed upstream lack this column.
    const columns = this.db.prepare('PRAGMA table_info(fhir_study_sync)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'enqueued_bundle')) this.db.exec('ALTER TABLE fhir_study_sync ADD COLUMN enqueued_bundle TEXT');
    this.outbox = new EmbeddedFhirOutbox(this.db);
    this.now = options.now ?? (() => new Date());
  }

  private readonly now: () => Date;

  async put(tenant: string, w: ResourceWrite): Promise<StoredResource> {
    return this.db.transaction(() => {
      this.writeTx(tenant, w);
      return this.readTx(tenant, w.type, w.id)!;
    })();
  }

  async read(tenant: string, type: string, id: string): Promise<StoredResource | undefined> {
    return this.readTx(tenant, type, id);
  }

  async readMany(tenant: string, refs: ResourceRef[]): Promise<StoredResource[]> {
    const seen = new Set<string>();
    const out: StoredResource[] = [];
    for (const r of refs) {
      const key = resourceKey(tenant, r.type, r.id);
      if (seen.has(key)) continue;
      seen.add(key);
      const found = this.readTx(tenant, r.type, r.id);
      if (found) out.push(found);
    }
    return out;
  }

  async delete(tenant: string, type: string, id: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM fhir_owners WHERE tenant = ? AND type = ? AND id = ?').run(tenant, type, id);
      return this.deleteTx(tenant, type, id);
    })();
  }

  async replaceOwned(tenant: string, owner: string, writes: ResourceWrite[]): Promise<ReplaceSummary> {
    return this.db.transaction(() => {
      const summary: ReplaceSummary = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
      const keep = new Set<string>();
      const addOwner = this.db.prepare('INSERT OR IGNORE INTO fhir_owners (tenant, owner, type, id) VALUES (?, ?, ?, ?)');
      for (const w of writes) {
        summary[this.writeTx(tenant, w)]++;
        addOwner.run(tenant, owner, w.type, w.id);
        keep.add(resourceKey(tenant, w.type, w.id));
      }
      const held = this.db.prepare('SELECT type, id FROM fhir_owners WHERE tenant = ? AND owner = ?').all(tenant, owner) as ResourceRef[];
      for (const r of held) {
        if (keep.has(resourceKey(tenant, r.type, r.id))) continue;
        this.db.prepare('DELETE FROM fhir_owners WHERE tenant = ? AND owner = ? AND type = ? AND id = ?').run(tenant, owner, r.type, r.id);
        const others = this.db.prepare('SELECT 1 FROM fhir_owners WHERE tenant = ? AND type = ? AND id = ? LIMIT 1').get(tenant, r.type, r.id);
        if (!others && this.deleteTx(tenant, r.type, r.id)) summary.deleted++;
      }
      return summary;
    })();
  }

  async search(q: ResourceQuery): Promise<ResourcePage> {
    const where = ['r.tenant = ?', 'r.type = ?'];
    const params: unknown[] = [q.tenant, q.type];
    for (const c of q.conditions) {
      const part = conditionSql(q.tenant, q.type, c);
      where.push(part.sql);
      params.push(...part.params);
    }
    const clause = where.join(' AND ');
    const total = (this.db.prepare(`SELECT count(*) AS n FROM fhir_resources r WHERE ${clause}`).get(...params) as { n: number }).n;
    if (q.count <= 0) return { resources: [], total };
    const dir = q.sort.descending ? 'DESC' : 'ASC';
    const order = q.sort.by === 'id' ? `r.id ${dir}` : `r.last_updated ${dir}, r.id ASC`;
    const rows = this.db.prepare(`SELECT r.* FROM fhir_resources r WHERE ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...params, q.count, q.offset);
    return { resources: rows.map(rowToStored), total };
  }

  // ---- dirty studies ------------------------------------------------------------------

  async markDirty(tenant: string, studyUid: string): Promise<DirtyStudy> {
    const mark = { tenant, studyUid, token: randomUUID(), markedAt: this.now().toISOString() };
    this.db.prepare(
      `INSERT INTO fhir_study_sync (tenant, study_uid, token, marked_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant, study_uid) DO UPDATE SET token = excluded.token, marked_at = excluded.marked_at`,
    ).run(tenant, studyUid, mark.token, mark.markedAt);
    // Write-ahead of an instance commit: on disk before the caller goes on.
    await this.durable();
    return mark;
  }

  async listDirty(limit: number): Promise<DirtyStudy[]> {
    const rows = this.db.prepare('SELECT * FROM fhir_study_sync WHERE token IS NOT NULL ORDER BY marked_at LIMIT ?').all(limit) as any[];
    return rows.map((r) => ({ tenant: r.tenant, studyUid: r.study_uid, token: r.token, markedAt: r.marked_at }));
  }

  async clearDirty(d: DirtyStudy): Promise<boolean> {
    return this.db.prepare('UPDATE fhir_study_sync SET token = NULL WHERE tenant = ? AND study_uid = ? AND token = ?')
      .run(d.tenant, d.studyUid, d.token).changes > 0;
  }

  async enqueuedHash(tenant: string, studyUid: string): Promise<string | undefined> {
    const row = this.db.prepare('SELECT enqueued_hash FROM fhir_study_sync WHERE tenant = ? AND study_uid = ?').get(tenant, studyUid) as any;
    return row?.enqueued_hash ?? undefined;
  }

  async setEnqueuedHash(tenant: string, studyUid: string, hash: string, bundle?: string): Promise<void> {
    this.db.prepare(
      `INSERT INTO fhir_study_sync (tenant, study_uid, enqueued_hash, enqueued_bundle) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant, study_uid) DO UPDATE SET enqueued_hash = excluded.enqueued_hash, enqueued_bundle = excluded.enqueued_bundle`,
    ).run(tenant, studyUid, hash, bundle ?? null);
  }

  async listSyncedStudies(tenant?: string): Promise<Array<{ tenant: string; studyUid: string }>> {
    const rows = (tenant === undefined
      ? this.db.prepare('SELECT tenant, study_uid FROM fhir_study_sync ORDER BY tenant, study_uid').all()
      : this.db.prepare('SELECT tenant, study_uid FROM fhir_study_sync WHERE tenant = ? ORDER BY study_uid').all(tenant)) as any[];
    return rows.map((r) => ({ tenant: r.tenant, studyUid: r.study_uid }));
  }

  async enqueuedBundle(tenant: string, studyUid: string): Promise<string | undefined> {
    const row = this.db.prepare('SELECT enqueued_bundle FROM fhir_study_sync WHERE tenant = ? AND study_uid = ?').get(tenant, studyUid) as any;
    return row?.enqueued_bundle ?? undefined;
  }

  // ---- outbox ---------------------------------------------------------------------------

  async enqueue(item: { tenant: string; studyUid: string; payload: string }, now: string): Promise<string> {
    const id = await this.outbox.enqueue(item, now);
    await this.durable();
    return id;
  }
  leaseNext(now: string, leaseMs: number): Promise<OutboxItem | undefined> {
    return this.outbox.leaseNext(now, leaseMs);
  }
  ack(id: string): Promise<void> {
    return this.outbox.ack(id);
  }
  fail(id: string, error: string, now: string, retryAt?: string): Promise<void> {
    return this.outbox.fail(id, error, now, retryAt);
  }
  releaseLeases(): Promise<void> {
    return this.outbox.releaseLeases();
  }
  async requeueFailed(now: string, tenant?: string): Promise<number> {
    const n = await this.outbox.requeueFailed(now, tenant);
    if (n > 0) await this.durable();
    return n;
  }
  outboxStatus(tenant?: string): Promise<OutboxStatus> {
    return this.outbox.outboxStatus(tenant);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.wal?.close();
    this.db.close();
  }

  /** Resolves once every commit made so far is on disk (at once with synchronous=FULL: each commit was fsynced). */
  private durable(): Promise<void> {
    return this.wal ? this.wal.sync() : Promise.resolve();
  }

  // ---- inside transactions ----------------------------------------------------------------

  private readTx(tenant: string, type: string, id: string): StoredResource | undefined {
    const row = this.db.prepare('SELECT * FROM fhir_resources WHERE tenant = ? AND type = ? AND id = ?').get(tenant, type, id);
    return row ? rowToStored(row) : undefined;
  }

  private writeTx(tenant: string, w: ResourceWrite): WriteOutcome {
    const content = writeContent(w);
    const existing = this.db.prepare('SELECT rid, version, hash, index_hash FROM fhir_resources WHERE tenant = ? AND type = ? AND id = ?')
      .get(tenant, w.type, w.id) as { rid: number; version: number; hash: string; index_hash: string } | undefined;
    const now = this.now().toISOString();
    if (!existing) {
      const rid = this.db.prepare(
        'INSERT INTO fhir_resources (tenant, type, id, version, last_updated, hash, index_hash, json) VALUES (?, ?, ?, 1, ?, ?, ?, ?)',
      ).run(tenant, w.type, w.id, now, content.hash, content.indexHash, content.json).lastInsertRowid as number;
      this.writeIndex(rid, tenant, w.type, w.index);
      return 'created';
    }
    const changed = existing.hash !== content.hash;
    if (changed) {
      this.db.prepare('UPDATE fhir_resources SET version = version + 1, last_updated = ?, hash = ?, index_hash = ?, json = ? WHERE rid = ?')
        .run(now, content.hash, content.indexHash, content.json, existing.rid);
    }
    if (changed || existing.index_hash !== content.indexHash) {
      if (!changed) this.db.prepare('UPDATE fhir_resources SET index_hash = ? WHERE rid = ?').run(content.indexHash, existing.rid);
      this.db.prepare('DELETE FROM fhir_index WHERE rid = ?').run(existing.rid);
      this.writeIndex(existing.rid, tenant, w.type, w.index);
    }
    return changed ? 'updated' : 'unchanged';
  }

  private writeIndex(rid: number, tenant: string, type: string, index: IndexEntry[]): void {
    const stmt = this.db.prepare(
      'INSERT INTO fhir_index (rid, tenant, type, param, system, value, exact, lo, hi) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const e of index) {
      if (e.kind === 'token') stmt.run(rid, tenant, type, e.param, e.system ?? '', e.code, null, null, null);
      else if (e.kind === 'reference') stmt.run(rid, tenant, type, e.param, null, e.ref, null, null, null);
      else if (e.kind === 'string') stmt.run(rid, tenant, type, e.param, null, e.text, e.exact, null, null);
      else stmt.run(rid, tenant, type, e.param, null, null, null, e.lo, e.hi);
    }
  }

  private deleteTx(tenant: string, type: string, id: string): boolean {
    const row = this.db.prepare('SELECT rid FROM fhir_resources WHERE tenant = ? AND type = ? AND id = ?').get(tenant, type, id) as any;
    if (!row) return false;
    this.db.prepare('DELETE FROM fhir_index WHERE rid = ?').run(row.rid);
    this.db.prepare('DELETE FROM fhir_resources WHERE rid = ?').run(row.rid);
    return true;
  }
}
