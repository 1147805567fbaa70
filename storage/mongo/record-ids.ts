/**
 * Deterministic `_id`s of the index documents: JSON of [tenant, UID], so no
 * tenant/UID pair can collide with another and the tenant is part of every
 * key (a lookup by `_id` can never cross tenants).
 *
 * Why `_id` and not only the {tenant, uid} unique indexes: FerretDB 1.24's
 * SQLite backend pushes down exactly one filter shape, `{_id: <string or
 * ObjectId>}` alone (internal/backends/sqlite/collection.go, Query); any other
 * filter makes it decode every document of the collection in Go and filter
 * there (measured: ~0.25 ms per instance document, a full scan per lookup).
 * So every single-record read and write goes through `_id` alone. Real MongoDB
 * serves the same filter from its `_id` index. Series UIDs are unique within a
 * tenant (a series belongs to one study), and so are SOP Instance UIDs.
 */
export function recordId(tenant: string, uid: string): string {
  return JSON.stringify([tenant, uid]);
}
