/**
 * `orchestral/stores/postgres`: the PostgreSQL adapter (pg) — the event store, its leases
 * (session advisory locks) and a projection store in the store's schema. Importing this entry
 * loads `pg`; the main entry loads it only when a `postgres://` URL is opened.
 */
export { getPostgresEventStore, openPostgresEventStore, DEFAULT_PG_POLL_INTERVAL_MS } from '../store/postgres/postgres-event-store.ts';
export type { PostgresEventStore, PostgresEventStoreOptions, PostgresStoreStats } from '../store/postgres/postgres-event-store.ts';
export { getPostgresLeaseStore } from '../ownership/postgres-leases.ts';
export type { PostgresLeaseOptions } from '../ownership/postgres-leases.ts';
export { openPostgresProjectionStore } from '../projections/postgres-projection-store.ts';
export type { PostgresProjectionStoreOptions } from '../projections/postgres-projection-store.ts';
