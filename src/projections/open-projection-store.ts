/**
 * Choosing the projection store that goes with an event store URL, so projections and their
 * checkpoints live beside the log: `sqlite:PATH` → `projection_state` in the same file,
 * `postgres://…` → `<schema>.projection_state` in the store's schema (`?schema=`), anything else
 * (`memory:`, KurrentDB) → an in-memory store (rebuilt from the first fact at every start).
 */
import { parseStoreUrl } from '../store/open-event-store.ts';
import { createInMemoryProjectionStore } from './in-memory-projection-store.ts';
import type { ProjectionStore } from './projection-store.ts';

/**
 * The projection store for the event store at `storeUrl` (see the module doc); `persistent` tells
 * whether its rows outlive the process. Only the adapter of the URL's scheme is imported (pg or
 * better-sqlite3), when called.
 * @throws StoreOpenError `bad_url`; ProjectionStoreError (SQLite) the file cannot be used.
 */
export async function openProjectionStore(storeUrl: string): Promise<{ rows: ProjectionStore; persistent: boolean }> {
  const location = parseStoreUrl(storeUrl);
  switch (location.kind) {
    case 'sqlite': {
      const { openSqliteProjectionStore } = await import('./sqlite-projection-store.ts');
      return { rows: openSqliteProjectionStore({ path: location.path }), persistent: true };
    }
    case 'postgres': {
      const { openPostgresProjectionStore } = await import('./postgres-projection-store.ts');
      return { rows: openPostgresProjectionStore({ connectionString: location.url }), persistent: true };
    }
    default:
      return { rows: createInMemoryProjectionStore(), persistent: false };
  }
}
