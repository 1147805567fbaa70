import type Database from 'better-sqlite3';
import type { PrefixedTerms } from '../index-store.js';
import { LEVEL_CODE } from './schema.js';

type Db = Database.Database;
type Terms = Record<string, string[]>;

/**
 * IndexStore.replacePrefixedTerms for the embedded index, in one transaction
 * (the caller's): the instances' terms under `prefix` are replaced, their
 * `contrib` (what they give their series and study) likewise, and the
 * prefixed terms of each series and study touched are rebuilt as the union of
 * their instances' contributions. Terms under other keys are not touched.
 * Returns the SOP Instance UIDs that are not in the index.
 */
export function replacePrefixedTermsTx(db: Db, tenant: string, prefix: string, updates: PrefixedTerms[]): string[] {
  const missing: string[] = [];
  const dropPrefixed = db.prepare('DELETE FROM terms WHERE level = ? AND rid = ? AND substr(key, 1, ?) = ?');
  const series = new Set<string>();
  const studies = new Set<string>();
  for (const u of updates) {
    const row = db.prepare('SELECT id, study_uid, series_uid, contrib FROM instances WHERE tenant = ? AND sop_uid = ?').get(tenant, u.sopUid) as any;
    if (!row) {
      missing.push(u.sopUid);
      continue;
    }
    dropPrefixed.run(LEVEL_CODE.instance, row.id, prefix.length, prefix);
    insert(db, LEVEL_CODE.instance, tenant, row.id, u.terms.instance);
    const contrib = JSON.parse(row.contrib) as { study?: Terms; series?: Terms };
    const next = { study: { ...without(contrib.study, prefix), ...u.terms.study }, series: { ...without(contrib.series, prefix), ...u.terms.series } };
    db.prepare('UPDATE instances SET contrib = ? WHERE id = ?').run(JSON.stringify(next), row.id);
    series.add(row.series_uid);
    studies.add(row.study_uid);
  }
  for (const uid of series) rebuild(db, 'series', 'series_uid', tenant, uid, prefix);
  for (const uid of studies) rebuild(db, 'study', 'study_uid', tenant, uid, prefix);
  return missing;
}

function rebuild(db: Db, level: 'series' | 'study', column: 'series_uid' | 'study_uid', tenant: string, uid: string, prefix: string): void {
  const table = level === 'series' ? 'series' : 'studies';
  const row = db.prepare(`SELECT id FROM ${table} WHERE tenant = ? AND ${column} = ?`).get(tenant, uid) as any;
  if (!row) return;
  db.prepare('DELETE FROM terms WHERE level = ? AND rid = ? AND substr(key, 1, ?) = ?').run(LEVEL_CODE[level], row.id, prefix.length, prefix);
  const rows = db.prepare(`SELECT contrib FROM instances WHERE tenant = ? AND ${column} = ?`).all(tenant, uid) as any[];
  for (const r of rows) {
    const terms = (JSON.parse(r.contrib) as Record<string, Terms | undefined>)[level] ?? {};
    insert(db, LEVEL_CODE[level], tenant, row.id, only(terms, prefix));
  }
}

function insert(db: Db, level: number, tenant: string, rid: number, terms: Terms): void {
  const stmt = db.prepare('INSERT OR IGNORE INTO terms (level, tenant, key, value, rid) VALUES (?, ?, ?, ?, ?)');
  for (const [key, values] of Object.entries(terms)) for (const v of values) stmt.run(level, tenant, key, v, rid);
}

function without(terms: Terms | undefined, prefix: string): Terms {
  return Object.fromEntries(Object.entries(terms ?? {}).filter(([k]) => !k.startsWith(prefix)));
}

function only(terms: Terms, prefix: string): Terms {
  return Object.fromEntries(Object.entries(terms).filter(([k]) => k.startsWith(prefix)));
}
