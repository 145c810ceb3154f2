/**
 * `orchestral/stores/postgres`: the PostgreSQL adapter (pg) — the event store and its leases
 * (session advisory locks). Importing this entry loads `pg`; the main entry loads it only when a
 * `postgres://` URL is opened.
 */
export { getPostgresEventStore, openPostgresEventStore, DEFAULT_PG_POLL_INTERVAL_MS } from '../store/postgres/postgres-event-store.ts';
export type { PostgresEventStore, PostgresEventStoreOptions, PostgresStoreStats } from '../store/postgres/postgres-event-store.ts';
export { getPostgresLeaseStore } from '../ownership/postgres-leases.ts';
export type { PostgresLeaseOptions } from '../ownership/postgres-leases.ts';
