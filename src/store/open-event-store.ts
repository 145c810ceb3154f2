/**
 * Choosing an event store by URL — the one place the CLI and the runtime share:
 * - `memory:` — the in-memory store (ephemeral: gone when the process exits);
 * - `sqlite:PATH` — the embedded SQLite store at PATH, relative to the working directory unless
 *   absolute (`sqlite:///abs/path` is also accepted); `sqlite:` alone means `.orchestral/events.db`;
 * - `postgres://user:pass@host:port/db[?schema=name]` (or `postgresql://`) — the PostgreSQL store,
 *   in schema `name` (default `orchestral`), created on first use;
 * - `esdb://host:2113?tls=false` / `kurrentdb://…` (also `+discover`) — an EventStoreDB 20+ / KurrentDB
 *   server; our streams are `<streamPrefix><stream>` there (`?streamPrefix=`, default `orchestral-`).
 */
import type { Clock } from '../core/clock.ts';
import type { EventCodec } from './codec.ts';
import type { EventStore } from './event-store.ts';
import { parseStoreUrl } from './store-url.ts';

export { DEFAULT_STORE_URL, DEFAULT_SQLITE_PATH, parseStoreUrl, type StoreLocation } from './store-url.ts';

/** Options of `openEventStore`; each is passed to the adapter. */
export interface OpenEventStoreOptions {
  /** Validates on append, upcasts/validates on read (for Orchestral's threads: the fact codec). */
  codec: EventCodec;
  /** Source of `recordedAt` (and SQLite's poll timer). Default: the system clock. */
  clock?: Clock;
  /** Largest event, UTF-8 bytes. Default 1 MiB. */
  maxEventBytes?: number;
  /**
   * SQLite and PostgreSQL: how often (ms, finite > 0) subscriptions poll for commits of other
   * processes (SQLite default 100; PostgreSQL's safety net behind LISTEN/NOTIFY, default 1000).
   * Ignored by `memory:` (nothing else writes to it).
   */
  pollIntervalMs?: number;
  /** SQLite only: `sync` (default, fsync every commit) or `normal`. */
  durability?: 'sync' | 'normal';
  /**
   * SQLite only: how long (ms) opening and writing wait for another connection's lock before
   * failing with StoreOpenError `locked` / StoreWriteError. Default 5000.
   */
  busyTimeoutMs?: number;
  /** Directory relative SQLite paths are resolved against. Default `process.cwd()`. */
  cwd?: string;
  /**
   * Create the store when it does not exist (default true). False (commands that only read, or
   * need an existing thread): a missing SQLite file or PostgreSQL store is StoreOpenError
   * `not_found` and nothing is created (no file, no directory, no schema). Ignored by `memory:`.
   */
  create?: boolean;
}

/**
 * Opens the event store a URL names (see `parseStoreUrl`). Each adapter module (and its driver:
 * better-sqlite3, pg, @eventstore/db-client) is imported only when its scheme is opened.
 * @throws RangeError a bad option (e.g. `pollIntervalMs` ≤ 0), from the adapter, before any I/O.
 * @throws StoreOpenError `bad_url` for an unparseable URL;
 *   the SQLite adapter's own StoreOpenError (not an Orchestral store, newer schema, read-only,
 *   corrupt, locked, `not_found` with `create: false`) for a file it cannot use; the PostgreSQL
 *   adapter's (`io` when the server cannot be reached, `newer_schema`, `not_orchestral`,
 *   `read_only`), after connecting and migrating; the KurrentDB adapter's (`io` when the server
 *   does not answer; opening it creates nothing, so `create` does not apply).
 */
export async function openEventStore(url: string, options: OpenEventStoreOptions): Promise<EventStore> {
  const location = parseStoreUrl(url, options.cwd);
  const { codec, clock, maxEventBytes, pollIntervalMs } = options;
  // SQLite loads a lazy codec at its first encode/decode; the others are handed a loaded one
  if (location.kind !== 'sqlite' && codec.load !== undefined) await codec.load();
  switch (location.kind) {
    case 'memory': {
      const { getInMemoryEventStore } = await import('./in-memory/in-memory-event-store.ts');
      return getInMemoryEventStore({ codec, clock, maxEventBytes });
    }
    case 'sqlite': {
      const { getSqliteEventStore } = await import('./sqlite/sqlite-event-store.ts');
      return getSqliteEventStore({ path: location.path, durability: options.durability, codec, maxEventBytes, clock, pollIntervalMs, create: options.create, busyTimeoutMs: options.busyTimeoutMs });
    }
    case 'postgres': {
      const { openPostgresEventStore } = await import('./postgres/postgres-event-store.ts');
      return openPostgresEventStore({ connectionString: location.url, codec, maxEventBytes, clock, pollIntervalMs, create: options.create });
    }
    case 'esdb': {
      const { openKurrentDbEventStore } = await import('./kurrentdb/kurrentdb-event-store.ts');
      return openKurrentDbEventStore({ url: location.url, codec, maxEventBytes, clock, pollIntervalMs });
    }
  }
}
