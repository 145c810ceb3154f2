/**
 * `orchestral/stores/kurrentdb`: the EventStoreDB / KurrentDB adapter (@eventstore/db-client).
 * Importing this entry loads the client; the main entry loads it only when an `esdb://` or
 * `kurrentdb://` URL is opened.
 */
export { getKurrentDbEventStore, openKurrentDbEventStore, MAX_APPEND_ATTEMPTS } from '../store/kurrentdb/kurrentdb-event-store.ts';
export type { KurrentDbEventStore, KurrentDbEventStoreOptions } from '../store/kurrentdb/kurrentdb-event-store.ts';
