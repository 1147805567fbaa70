/**
 * SQLite schema of the embedded FHIR store (its own file, fhir.sqlite).
 * Search values live in fhir_index, one row per value, so every condition is
 * an index range scan that yields resource row ids (see fhir-search-sql.ts).
 */
export const FHIR_SCHEMA = `
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS fhir_resources (
  rid INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated TEXT NOT NULL,
  hash TEXT NOT NULL,
  index_hash TEXT NOT NULL,
  json TEXT NOT NULL,
  UNIQUE (tenant, type, id)
);
CREATE INDEX IF NOT EXISTS fhir_resources_updated ON fhir_resources (tenant, type, last_updated);
CREATE TABLE IF NOT EXISTS fhir_index (
  rid INTEGER NOT NULL,
  tenant TEXT NOT NULL,
  type TEXT NOT NULL,
  param TEXT NOT NULL,
  system TEXT,
  value TEXT,
  exact TEXT,
  lo TEXT,
  hi TEXT
);
CREATE INDEX IF NOT EXISTS fhir_index_value ON fhir_index (tenant, type, param, value);
CREATE INDEX IF NOT EXISTS fhir_index_system ON fhir_index (tenant, type, param, system);
CREATE INDEX IF NOT EXISTS fhir_index_lo ON fhir_index (tenant, type, param, lo);
CREATE INDEX IF NOT EXISTS fhir_index_rid ON fhir_index (rid);
CREATE TABLE IF NOT EXISTS fhir_owners (
  tenant TEXT NOT NULL,
  owner TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY (tenant, owner, type, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fhir_owners_resource ON fhir_owners (tenant, type, id);
CREATE TABLE IF NOT EXISTS fhir_study_sync (
  tenant TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  token TEXT,
  marked_at TEXT,
  enqueued_hash TEXT,
  enqueued_bundle TEXT,
  PRIMARY KEY (tenant, study_uid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fhir_study_sync_dirty ON fhir_study_sync (token, marked_at);
CREATE TABLE IF NOT EXISTS fhir_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  payload TEXT NOT NULL,
  enqueued_at TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  lease_until TEXT,
  last_error TEXT,
  last_attempt_at TEXT
);
CREATE INDEX IF NOT EXISTS fhir_outbox_due ON fhir_outbox (state, next_attempt_at, id);
CREATE INDEX IF NOT EXISTS fhir_outbox_study ON fhir_outbox (tenant, study_uid, state, id);
`;
