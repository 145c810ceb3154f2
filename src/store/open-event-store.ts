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
import { isAbsolute, resolve } from 'node:path';
import type { Clock } from '../core/clock.ts';
import type { EventCodec } from './codec.ts';
import { StoreOpenError } from './errors.ts';
import type { EventStore } from './event-store.ts';
import { getInMemoryEventStore } from './in-memory/in-memory-event-store.ts';
import { openPostgresEventStore } from './postgres/postgres-event-store.ts';
import { getSqliteEventStore } from './sqlite/sqlite-event-store.ts';
import { openKurrentDbEventStore } from './kurrentdb/kurrentdb-event-store.ts';

/** The default store: the SQLite file `.orchestral/events.db` under the working directory. */
export const DEFAULT_STORE_URL = 'sqlite:.orchestral/events.db';

/** Where `sqlite:` with no path puts the file, relative to the working directory. */
export const DEFAULT_SQLITE_PATH = '.orchestral/events.db';

/** A parsed store URL. `path` is absolute. */
export type StoreLocation =
  | { kind: 'memory' }
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'esdb'; url: string };

const ACCEPTED =
  "accepted forms: 'memory:', 'sqlite:PATH' (relative to the working directory, or absolute), " +
  `'sqlite:' (= ${DEFAULT_STORE_URL}), 'postgres://user:pass@host:port/db[?schema=name]', 'esdb://host:2113?tls=false' or 'kurrentdb://…'`;

/**
 * Parses a store URL (see the module docstring for the forms).
 * @param cwd directory relative SQLite paths are resolved against (default `process.cwd()`).
 * @throws StoreOpenError reason `bad_url`, naming the URL and listing the accepted forms.
 */
export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreLocation {
  const bad = (why: string): never => {
    throw new StoreOpenError(String(url), 'bad_url', `${why}; ${ACCEPTED}`);
  };
  if (typeof url !== 'string' || url.trim() === '') return bad('the store URL is empty');
  if (url !== url.trim()) return bad('the store URL has leading or trailing spaces');
  if (url === 'memory:') return { kind: 'memory' };
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) {
      // URL form: only sqlite:///absolute/path (an empty host) is meaningful.
      if (!path.startsWith('///')) return bad(`'${url}' names a host; use sqlite:PATH or sqlite:///absolute/path`);
      path = path.slice(2);
    }
    if (path === '') path = DEFAULT_SQLITE_PATH;
    if (path.includes('\0')) return bad('the SQLite path contains a NUL character');
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (/^postgres(ql)?:\/\/./.test(url)) return { kind: 'postgres', url };
  if (/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kurrent):\/\/./.test(url)) return { kind: 'esdb', url };
  return bad(`'${url}' is not a store URL`);
}

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
 * Opens the event store a URL names (see `parseStoreUrl`).
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
  switch (location.kind) {
    case 'memory':
      return getInMemoryEventStore({ codec, clock, maxEventBytes });
    case 'sqlite':
      return getSqliteEventStore({ path: location.path, durability: options.durability, codec, maxEventBytes, clock, pollIntervalMs, create: options.create });
    case 'postgres':
      return openPostgresEventStore({ connectionString: location.url, codec, maxEventBytes, clock, pollIntervalMs, create: options.create });
    case 'esdb':
      return openKurrentDbEventStore({ url: location.url, codec, maxEventBytes, clock, pollIntervalMs });
  }
}
