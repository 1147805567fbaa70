import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';
import type { IndexStore, InstanceScope, PendingBlob, PrefixedTerms } from '../index-store.js';
import type {
  DuplicatePolicy, InsertOutcome, InstanceRecord, LevelQuery, LevelRecord, QueryPage, SeriesRecord, StudyRecord,
} from '../model.js';
import { LEVEL_CODE, MIGRATIONS, SCHEMA } from './schema.js';
import { deleteInstancesTx } from './delete-instances.js';
import { replacePrefixedTermsTx } from './replace-terms.js';
import { WalSync } from './wal-sync.js';
import { conditionSql } from './term-sql.js';
import { rowToInstance, rowToSeries, rowToStudy, unionModalities } from './rows.js';

/** Most inserts committed in one transaction. */
const MAX_BATCH = 64;

interface QueuedInsert {
  rec: InstanceRecord;
  policy: DuplicatePolicy;
  resolve: (o: InsertOutcome) => void;
  reject: (err: unknown) => void;
}

const TABLE = { study: 'studies', series: 'series', instance: 'instances' } as const;
const ORDER = { study: 'sort_key DESC, id DESC', series: 'sort_key ASC, id ASC', instance: 'sort_key ASC, id ASC' };

/**
 * The default index: one SQLite file under DATA_DIR (better-sqlite3).
 * Each insert runs whole inside one transaction (with others of its batch,
 * see insertInstance), so counts stay exact under any interleaving of
 * concurrent requests (SQLite serialises writers).
 */
export class EmbeddedIndexStore implements IndexStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly wal: WalSync;
  /** Parent terms known to be committed, per (level, rid): most instances repeat their series' and study's. */
  private readonly knownTerms = new Map<string, Set<string>>();
  private staged: Array<[string, string]> = [];

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    // NORMAL: commits are not fsynced inside the (synchronous) call; WalSync
    // makes them durable before a store is acknowledged (group commit).
    this.db.pragma('synchronous = NORMAL');
    this.wal = new WalSync(`${file}-wal`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    migrate(this.db);
  }

  async addPending(p: PendingBlob): Promise<void> {
    this.stmt('INSERT OR REPLACE INTO pending (blob_key, tenant, started_at) VALUES (?, ?, ?)').run(p.blobKey, p.tenant, p.startedAt);
  }

  async removePending(blobKey: string): Promise<void> {
    this.stmt('DELETE FROM pending WHERE blob_key = ?').run(blobKey);
  }

  async listPending(startedBefore: string): Promise<PendingBlob[]> {
    const rows = this.stmt('SELECT blob_key, tenant, started_at FROM pending WHERE started_at < ?').all(startedBefore) as any[];
    return rows.map((r) => ({ blobKey: r.blob_key, tenant: r.tenant, startedAt: r.started_at }));
  }

  /**
   * Group commit: inserts that arrive while the previous batch is being made
   * durable are committed together, in one transaction (each in its own
   * savepoint, so one failure leaves the others), then one WAL fsync covers
   * them all. Instances of one study share most pages (terms, series, study
   * rows), so a batch writes far fewer pages than its inserts one by one.
   */
  insertInstance(rec: InstanceRecord, policy: DuplicatePolicy): Promise<InsertOutcome> {
    return new Promise((resolve, reject) => {
      this.insertQueue.push({ rec, policy, resolve, reject });
      if (!this.committing) void this.commitLoop();
    });
  }

  private insertQueue: QueuedInsert[] = [];
  private committing = false;

  private async commitLoop(): Promise<void> {
    this.committing = true;
    try {
      while (this.insertQueue.length) {
        // One turn of the event loop lets inserts that are ready at the same moment join.
        await new Promise<void>((r) => setImmediate(r));
        const batch = this.insertQueue.splice(0, MAX_BATCH);
        const results = this.commitBatch(batch);
        let syncError: unknown;
        try {
          await this.wal.sync();
        } catch (err) {
          syncError = err;
        }
        batch.forEach((q, i) => {
          const r = results[i];
          if (syncError !== undefined && !('error' in r)) q.reject(syncError);
          else if ('error' in r) q.reject(r.error);
          else q.resolve(r.outcome);
        });
      }
    } finally {
      this.committing = false;
    }
  }

  private commitBatch(batch: QueuedInsert[]): Array<{ outcome: InsertOutcome } | { error: unknown }> {
    this.staged = [];
    let results: Array<{ outcome: InsertOutcome } | { error: unknown }>;
    try {
      results = this.db.transaction(() => batch.map((q) => {
        const mark = this.staged.length;
        try {
          // A nested transaction is a savepoint: a failed insert is rolled back alone.
          return { outcome: this.db.transaction(() => this.insertTx(q.rec, q.policy))() };
        } catch (error) {
          this.staged.length = mark; // its terms were rolled back with it
          return { error };
        }
      }))();
    } catch (error) {
      this.staged = [];
      return batch.map(() => ({ error }));
    }
    this.rememberStaged(); // only after commit: a rolled-back term must not be skipped later
    return results;
  }

  /** Prepared statements are compiled once and reused. */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      if (this.statements.size > 500) this.statements.clear(); // query shapes vary with their conditions
      this.statements.set(sql, (s = this.db.prepare(sql)));
    }
    return s;
  }

  private insertTx(rec: InstanceRecord, policy: DuplicatePolicy): InsertOutcome {
    const existingRow = this.stmt('SELECT * FROM instances WHERE tenant = ? AND sop_uid = ?').get(rec.tenant, rec.sopUid);
    if (existingRow) {
      const existing = rowToInstance(existingRow);
      const sameSeries = existing.studyUid === rec.studyUid && existing.seriesUid === rec.seriesUid;
      if (policy !== 'overwrite' || !sameSeries || existing.sha256 === rec.sha256) return { kind: 'duplicate', existing };
      this.replaceInstance(rec, (existingRow as any).id);
      this.stmt('DELETE FROM pending WHERE blob_key = ?').run(rec.blobKey);
      return { kind: 'replaced', previous: existing };
    }
    const seriesId = this.upsertSeries(rec);
    this.upsertStudy(rec, seriesId.created);
    const id = this.stmt(
      `INSERT INTO instances (tenant, study_uid, series_uid, sop_uid, sop_class_uid, ts_uid, blob_key, size, sha256, attrs, sort_key, stored_at, contrib)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(rec.tenant, rec.studyUid, rec.seriesUid, rec.sopUid, rec.sopClassUid, rec.transferSyntaxUid, rec.blobKey, rec.size,
      rec.sha256, JSON.stringify(rec.attrs), rec.sortKeys.instance, rec.storedAt, contribution(rec)).lastInsertRowid as number;
    this.addTerms(LEVEL_CODE.instance, rec.tenant, id, rec.terms.instance);
    this.stmt('DELETE FROM pending WHERE blob_key = ?').run(rec.blobKey);
    return { kind: 'inserted' };
  }

  private replaceInstance(rec: InstanceRecord, id: number): void {
    this.stmt(
      'UPDATE instances SET sop_class_uid = ?, ts_uid = ?, blob_key = ?, size = ?, sha256 = ?, attrs = ?, sort_key = ?, stored_at = ?, contrib = ? WHERE id = ?',
    ).run(rec.sopClassUid, rec.transferSyntaxUid, rec.blobKey, rec.size, rec.sha256, JSON.stringify(rec.attrs), rec.sortKeys.instance,
      rec.storedAt, contribution(rec), id);
    this.stmt('DELETE FROM terms WHERE level = ? AND rid = ?').run(LEVEL_CODE.instance, id);
    this.addTerms(LEVEL_CODE.instance, rec.tenant, id, rec.terms.instance);
  }

  private upsertSeries(rec: InstanceRecord): { id: number; created: boolean } {
    const row = this.stmt('SELECT id FROM series WHERE tenant = ? AND series_uid = ?').get(rec.tenant, rec.seriesUid) as any;
    let id: number;
    if (row) {
      if ((this.stmt('SELECT study_uid FROM series WHERE id = ?').get(row.id) as any).study_uid !== rec.studyUid) {
        throw new AppError('conflict', `Series ${rec.seriesUid} already belongs to another study`, 'series-in-other-study');
      }
      id = row.id;
      this.stmt('UPDATE series SET num_instances = num_instances + 1, updated_at = ? WHERE id = ?').run(rec.storedAt, id);
    } else {
      id = this.stmt(
        'INSERT INTO series (tenant, study_uid, series_uid, attrs, sort_key, num_instances, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)',
      ).run(rec.tenant, rec.studyUid, rec.seriesUid, JSON.stringify(rec.attrs), rec.sortKeys.series, rec.storedAt)
        .lastInsertRowid as number;
    }
    this.addTerms(LEVEL_CODE.series, rec.tenant, id, rec.terms.series);
    return { id, created: !row };
  }

  private upsertStudy(rec: InstanceRecord, newSeries: boolean): void {
    const row = this.stmt('SELECT id, modalities FROM studies WHERE tenant = ? AND study_uid = ?').get(rec.tenant, rec.studyUid) as any;
    let id: number;
    const modalities = unionModalities(row ? JSON.parse(row.modalities) : [], rec.terms.series.Modality ?? []);
    if (row) {
      id = row.id;
      this.stmt(
        'UPDATE studies SET num_instances = num_instances + 1, num_series = num_series + ?, modalities = ?, updated_at = ? WHERE id = ?',
      ).run(newSeries ? 1 : 0, JSON.stringify(modalities), rec.storedAt, id);
    } else {
      id = this.stmt(
        `INSERT INTO studies (tenant, study_uid, attrs, sort_key, modalities, num_series, num_instances, updated_at)
         VALUES (?, ?, ?, ?, ?, 1, 1, ?)`,
      ).run(rec.tenant, rec.studyUid, JSON.stringify(rec.attrs), rec.sortKeys.study, JSON.stringify(modalities), rec.storedAt)
        .lastInsertRowid as number;
    }
    this.addTerms(LEVEL_CODE.study, rec.tenant, id, rec.terms.study);
  }

  private addTerms(level: number, tenant: string, rid: number, terms: Record<string, string[]>): void {
    const stmt = this.stmt('INSERT OR IGNORE INTO terms (level, tenant, key, value, rid) VALUES (?, ?, ?, ?, ?)');
    const cacheKey = `${level}:${rid}`;
    const known = level === LEVEL_CODE.instance ? undefined : this.knownTerms.get(cacheKey);
    for (const [key, values] of Object.entries(terms)) {
      for (const v of values) {
        const term = `${key}=${v}`;
        if (known?.has(term)) continue;
        stmt.run(level, tenant, key, v, rid);
        if (level !== LEVEL_CODE.instance) this.staged.push([cacheKey, term]);
      }
    }
  }

  private rememberStaged(): void {
    if (this.knownTerms.size > 10_000) this.knownTerms.clear();
    for (const [cacheKey, term] of this.staged) {
      let set = this.knownTerms.get(cacheKey);
      if (!set) this.knownTerms.set(cacheKey, (set = new Set()));
      set.add(term);
    }
    this.staged = [];
  }

  async studyOfBlob(tenant: string, blobKey: string): Promise<string | undefined> {
    const row = this.stmt('SELECT study_uid FROM instances WHERE tenant = ? AND blob_key = ?').get(tenant, blobKey) as { study_uid: string } | undefined;
    return row?.study_uid;
  }

  async recount(tenant: string, studyUid: string): Promise<void> {
    this.db.transaction(() => {
      this.stmt(
        `UPDATE series SET num_instances = (SELECT count(*) FROM instances i WHERE i.tenant = series.tenant AND i.series_uid = series.series_uid)
         WHERE tenant = ? AND study_uid = ?`,
      ).run(tenant, studyUid);
      this.stmt(
        `UPDATE studies SET
           num_instances = (SELECT count(*) FROM instances i WHERE i.tenant = studies.tenant AND i.study_uid = studies.study_uid),
           num_series = (SELECT count(*) FROM series s WHERE s.tenant = studies.tenant AND s.study_uid = studies.study_uid)
         WHERE tenant = ? AND study_uid = ?`,
      ).run(tenant, studyUid);
      // Modalities as the inserts gathered them: the series-level Modality terms of the study's series.
      const rows = this.stmt(
        `SELECT t.value FROM series s JOIN terms t ON t.level = ? AND t.rid = s.id AND t.key = 'Modality'
         WHERE s.tenant = ? AND s.study_uid = ? ORDER BY s.id`,
      ).all(LEVEL_CODE.series, tenant, studyUid) as Array<{ value: string }>;
      this.stmt('UPDATE studies SET modalities = ? WHERE tenant = ? AND study_uid = ?')
        .run(JSON.stringify(unionModalities([], rows.map((r) => r.value))), tenant, studyUid);
    })();
  }

  async findInstances(s: InstanceScope): Promise<InstanceRecord[]> {
    let sql = 'SELECT * FROM instances WHERE tenant = ? AND study_uid = ?';
    const params: unknown[] = [s.tenant, s.studyUid];
    if (s.seriesUid) (sql += ' AND series_uid = ?'), params.push(s.seriesUid);
    if (s.sopUid) (sql += ' AND sop_uid = ?'), params.push(s.sopUid);
    return (this.stmt(sql + ` ORDER BY ${ORDER.instance}`).all(...params) as any[]).map(rowToInstance);
  }

  async replacePrefixedTerms(tenant: string, prefix: string, updates: PrefixedTerms[]): Promise<string[]> {
    this.knownTerms.clear(); // parents' prefixed terms are rebuilt
    const missing = this.db.transaction(() => replacePrefixedTermsTx(this.db, tenant, prefix, updates))();
    await this.wal.sync();
    return missing;
  }

  async deleteInstances(s: InstanceScope): Promise<InstanceRecord[]> {
    this.knownTerms.clear(); // parents' terms are rebuilt
    const removed = this.db.transaction(() => deleteInstancesTx(this.db, s))();
    await this.wal.sync();
    return removed;
  }

  async getStudy(tenant: string, studyUid: string): Promise<StudyRecord | undefined> {
    const row = this.stmt('SELECT * FROM studies WHERE tenant = ? AND study_uid = ?').get(tenant, studyUid);
    return row ? rowToStudy(row) : undefined;
  }

  async getSeries(tenant: string, studyUid: string, seriesUid: string): Promise<SeriesRecord | undefined> {
    const row = this.stmt('SELECT * FROM series WHERE tenant = ? AND study_uid = ? AND series_uid = ?').get(tenant, studyUid, seriesUid);
    return row ? rowToSeries(row) : undefined;
  }

  async query(q: LevelQuery): Promise<QueryPage<LevelRecord>> {
    const table = TABLE[q.level];
    const level = LEVEL_CODE[q.level];
    const where: string[] = ['r.tenant = ?'];
    const params: unknown[] = [q.tenant];
    if (q.studyUid) where.push('r.study_uid = ?'), params.push(q.studyUid);
    if (q.seriesUid && q.level === 'instance') where.push('r.series_uid = ?'), params.push(q.seriesUid);
    let from = `${table} r`;
    if (q.conditions.length) {
      const parts = q.conditions.map((c) => conditionSql(level, q.tenant, c));
      from = `(${parts.map((p) => p.sql).join(' INTERSECT ')}) m JOIN ${table} r ON r.id = m.rid`;
      params.unshift(...parts.flatMap((p) => p.params));
    }
    const sql = `SELECT r.* FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${ORDER[q.level].replace(/(\w+) (ASC|DESC)/g, 'r.$1 $2')} LIMIT ? OFFSET ?`;
    const rows = this.stmt(sql).all(...params, q.limit + 1, q.offset) as any[];
    const convert: (r: any) => LevelRecord = q.level === 'study' ? rowToStudy : q.level === 'series' ? rowToSeries : rowToInstance;
    return { records: rows.slice(0, q.limit).map(convert), more: rows.length > q.limit };
  }

  async ping(): Promise<void> {
    this.stmt('SELECT 1').get();
  }

  async close(): Promise<void> {
    while (this.committing) await new Promise((r) => setTimeout(r, 5));
    await this.wal.close();
    this.db.close();
  }
}


/** What an instance contributes to its series and study terms, kept to rebuild them after a delete. */
function contribution(rec: InstanceRecord): string {
  return JSON.stringify({ study: rec.terms.study, series: rec.terms.series });
}

function migrate(db: Database.Database): void {
  for (const m of MIGRATIONS) {
    const cols = db.prepare(`PRAGMA table_info(${m.table})`).all() as Array<{ name: string }>;
    if (!cols.some((c) => c.name === m.column)) db.exec(m.ddl);
  }
}
