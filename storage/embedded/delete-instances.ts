import type Database from 'better-sqlite3';
import type { InstanceScope } from '../index-store.js';
import type { InstanceRecord } from '../model.js';
import { rowToInstance, unionModalities } from './rows.js';
import { LEVEL_CODE } from './schema.js';

type Db = Database.Database;
type LevelTerms = InstanceRecord['terms'];

/**
 * Deletes instances in one transaction and rebuilds what they contributed to
 * their series and study from the instances that remain (each instance row
 * keeps its contribution in `contrib`).
 */
export function deleteInstancesTx(db: Db, s: InstanceScope): InstanceRecord[] {
  let sql = 'SELECT * FROM instances WHERE tenant = ? AND study_uid = ?';
  const params: unknown[] = [s.tenant, s.studyUid];
  if (s.seriesUid) (sql += ' AND series_uid = ?'), params.push(s.seriesUid);
  if (s.sopUid) (sql += ' AND sop_uid = ?'), params.push(s.sopUid);
  const rows = db.prepare(sql).all(...params) as any[];
  if (rows.length === 0) return [];
  const dropTerms = db.prepare('DELETE FROM terms WHERE level = ? AND rid = ?');
  const dropInstance = db.prepare('DELETE FROM instances WHERE id = ?');
  for (const r of rows) {
    dropTerms.run(LEVEL_CODE.instance, r.id);
    dropInstance.run(r.id);
  }
  for (const seriesUid of new Set(rows.map((r) => r.series_uid as string))) rebuildSeries(db, s.tenant, seriesUid);
  rebuildStudy(db, s.tenant, s.studyUid);
  return rows.map(rowToInstance);
}

function remaining(db: Db, tenant: string, column: 'series_uid' | 'study_uid', uid: string): Array<{ contrib: LevelTerms; modality: string[] }> {
  const rows = db.prepare(`SELECT contrib FROM instances WHERE tenant = ? AND ${column} = ?`).all(tenant, uid) as any[];
  return rows.map((r) => {
    const contrib = JSON.parse(r.contrib) as LevelTerms;
    return { contrib, modality: contrib.series?.Modality ?? [] };
  });
}

function rebuildSeries(db: Db, tenant: string, seriesUid: string): void {
  const row = db.prepare('SELECT id FROM series WHERE tenant = ? AND series_uid = ?').get(tenant, seriesUid) as any;
  if (!row) return;
  const left = remaining(db, tenant, 'series_uid', seriesUid);
  db.prepare('DELETE FROM terms WHERE level = ? AND rid = ?').run(LEVEL_CODE.series, row.id);
  if (left.length === 0) {
    db.prepare('DELETE FROM series WHERE id = ?').run(row.id);
    return;
  }
  db.prepare('UPDATE series SET num_instances = ? WHERE id = ?').run(left.length, row.id);
  insertUnion(db, LEVEL_CODE.series, tenant, row.id, left.map((l) => l.contrib.series ?? {}));
}

function rebuildStudy(db: Db, tenant: string, studyUid: string): void {
  const row = db.prepare('SELECT id FROM studies WHERE tenant = ? AND study_uid = ?').get(tenant, studyUid) as any;
  if (!row) return;
  const left = remaining(db, tenant, 'study_uid', studyUid);
  db.prepare('DELETE FROM terms WHERE level = ? AND rid = ?').run(LEVEL_CODE.study, row.id);
  if (left.length === 0) {
    db.prepare('DELETE FROM studies WHERE id = ?').run(row.id);
    return;
  }
  const numSeries = (db.prepare('SELECT count(*) AS n FROM series WHERE tenant = ? AND study_uid = ?').get(tenant, studyUid) as any).n;
  const modalities = left.reduce<string[]>((acc, l) => unionModalities(acc, l.modality), []);
  db.prepare('UPDATE studies SET num_instances = ?, num_series = ?, modalities = ? WHERE id = ?')
    .run(left.length, numSeries, JSON.stringify(modalities), row.id);
  insertUnion(db, LEVEL_CODE.study, tenant, row.id, left.map((l) => l.contrib.study ?? {}));
}

function insertUnion(db: Db, level: number, tenant: string, rid: number, parts: Array<Record<string, string[]>>): void {
  const stmt = db.prepare('INSERT OR IGNORE INTO terms (level, tenant, key, value, rid) VALUES (?, ?, ?, ?, ?)');
  for (const terms of parts) for (const [key, values] of Object.entries(terms)) for (const v of values) stmt.run(level, tenant, key, v, rid);
}
