/**
 * `orchestral/stores/sqlite`: the embedded SQLite adapter (better-sqlite3) — the event store, its
 * lease table, a snapshot cache and a projection store in SQLite files. Importing this entry loads
 * better-sqlite3; the main entry loads it only when a `sqlite:` URL is opened.
 */
export { getSqliteEventStore, DEFAULT_POLL_INTERVAL_MS } from '../store/sqlite/sqlite-event-store.ts';
export type { SqliteEventStore, SqliteEventStoreOptions, SqliteStoreStats } from '../store/sqlite/sqlite-event-store.ts';
export { getSqliteLeaseStore } from '../ownership/sqlite-leases.ts';
export type { SqliteLeaseOptions } from '../ownership/sqlite-leases.ts';
export { openSqliteSnapshotCache } from '../history/snapshot-cache/snapshot-cache-sqlite.ts';
export type { SqliteSnapshotCacheOptions } from '../history/snapshot-cache/snapshot-cache-sqlite.ts';
export { openSqliteProjectionStore } from '../projections/sqlite-projection-store.ts';
export type { SqliteProjectionStoreOptions } from '../projections/sqlite-projection-store.ts';
