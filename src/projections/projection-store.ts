/**
 * The projection store port: where a projection's state and its checkpoint are kept together, so a
 * restarted projector resumes where it stopped. One row per projection name; a save replaces the
 * row atomically (state, version and position are never seen out of step).
 *
 * Adapters: `in-memory-projection-store.ts` (tests, `memory:` stores), `sqlite-projection-store.ts`
 * (the embedded store's SQLite file, table `projection_state`) and `postgres-projection-store.ts`
 * (`<schema>.projection_state` in the PostgreSQL store's schema); `open-projection-store.ts` picks
 * one by store URL. Every adapter passes `test/projections/projection-store-contract.ts`.
 */

/** A persisted projection: its state as of `position` (last applied event; `-1n` = none), written by `version`. */
export interface StoredProjection {
  name: string;
  /** The projection's version that wrote the state; another version means "rebuild". */
  version: number;
  position: bigint;
  /** JSON-serialisable state (see the contract in `projection.ts`). */
  state: unknown;
}

/**
 * Keeps projection rows.
 * @throws ProjectionStoreError (load) a stored row is unreadable; (any call) the store is closed;
 *   (save) the state is not JSON-serialisable or the name/version/position are invalid.
 */
export interface ProjectionStore {
  /** Where rows live: a file path, a PostgreSQL URL (no password) `#schema`, or `memory`. */
  readonly location: string;
  /** The row of `name`, or `undefined` when none was saved. Returns a fresh copy of the state. */
  load(name: string): Promise<StoredProjection | undefined>;
  /** Replaces the row of `record.name` atomically (all fields or none). */
  save(record: StoredProjection): Promise<void>;
  /** Removes the row of `name` (no-op when absent). */
  delete(name: string): Promise<void>;
  /** Releases resources. Idempotent. */
  close(): Promise<void>;
}
