/**
 * SQLite schema of the embedded index. Search terms live in one table keyed
 * (level, tenant, key, value, rid) so every QIDO condition is an index range
 * scan and a query never reads the metadata of records it does not return.
 */
export const LEVEL_CODE = { study: 1, series: 2, instance: 3 } as const;

/** Columns added after the first release, for index files created before them. */
export const MIGRATIONS: Array<{ table: string; column: string; ddl: string }> = [
  { table: 'instances', column: 'contrib', ddl: "ALTER TABLE instances ADD COLUMN contrib TEXT NOT NULL DEFAULT '{}'" },
];

export const SCHEMA = `
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS studies (
  id INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  attrs TEXT NOT NULL,
  sort_key TEXT NOT NULL,
  modalities TEXT NOT NULL,
  num_series INTEGER NOT NULL,
  num_instances INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (tenant, study_uid)
);
CREATE INDEX IF NOT EXISTS studies_sort ON studies (tenant, sort_key);
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  series_uid TEXT NOT NULL,
  attrs TEXT NOT NULL,
  sort_key TEXT NOT NULL,
  num_instances INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (tenant, series_uid)
);
CREATE INDEX IF NOT EXISTS series_study ON series (tenant, study_uid, sort_key);
CREATE TABLE IF NOT EXISTS instances (
  id INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  series_uid TEXT NOT NULL,
  sop_uid TEXT NOT NULL,
  sop_class_uid TEXT NOT NULL,
  ts_uid TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  attrs TEXT NOT NULL,
  sort_key TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  contrib TEXT NOT NULL DEFAULT '{}',
  UNIQUE (tenant, sop_uid)
);
CREATE INDEX IF NOT EXISTS instances_series ON instances (tenant, study_uid, series_uid, sort_key);
CREATE INDEX IF NOT EXISTS instances_blob ON instances (tenant, blob_key);
CREATE TABLE IF NOT EXISTS terms (
  level INTEGER NOT NULL,
  tenant TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  rid INTEGER NOT NULL,
  PRIMARY KEY (level, tenant, key, value, rid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS terms_rid ON terms (level, rid);
CREATE TABLE IF NOT EXISTS pending (
  blob_key TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  started_at TEXT NOT NULL
);
`;
