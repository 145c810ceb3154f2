/**
 * In-memory ProjectionStore: rows kept as JSON text in a Map (so a loaded state is always a fresh
 * copy, exactly as with SQLite). Share one `rows` map between instances to simulate a restart.
 */
import { ProjectionStoreError } from './projection-errors.ts';
import type { ProjectionStore } from './projection-store.ts';
import { fromRow, toRow, type ProjectionRow } from './projection-row.ts';

/** The rows of an in-memory projection store, by name. */
export type InMemoryProjectionRows = Map<string, ProjectionRow>;

/** Creates an in-memory projection store over `rows` (default: a new empty map). */
export function createInMemoryProjectionStore(rows: InMemoryProjectionRows = new Map()): ProjectionStore {
  let closed = false;
  const location = 'memory';
  const open = (name: string): void => {
    if (closed) throw new ProjectionStoreError(location, name, 'the projection store is closed');
  };
  return {
    location,
    async load(name) {
      open(name);
      const row = rows.get(name);
      return row ? fromRow(location, row) : undefined;
    },
    async save(record) {
      open(record.name);
      const row = toRow(location, record);
      rows.set(row.name, row);
    },
    async delete(name) {
      open(name);
      rows.delete(name);
    },
    async close() {
      closed = true;
    },
  };
}
