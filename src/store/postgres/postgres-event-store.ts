/**
 * The PostgreSQL EventStore adapter (node-postgres): a server-backed log several processes and
 * machines share (`postgres://…` / `postgresql://…` store URLs).
 *
 * Pieces: `connection.ts` (redacted URLs, type parsers, open errors), `schema.ts` (tables in one
 * PostgreSQL schema, versioned, migrated on first use), `group-commit.ts` (appends: one
 * transaction per flush under the store's advisory lock, so positions ascend in commit order),
 * `reads.ts` (paged reads), `change-signals.ts` (subscription wake-ups: own commits,
 * LISTEN/NOTIFY, a slow poll), `statements.ts` (the SQL).
 *
 * The store connects lazily: the schema is created or migrated on the first call that needs it
 * (or on `ready()`); `openPostgresEventStore` does that up front so a bad server or a newer schema
 * fails at open time.
 */
import pg from 'pg';
import type { Observable } from 'rxjs';
import { defer, throwError } from '../../core/rxjs.ts';
import { positiveDuration, positiveInteger, resolveStoreOptions, type CommonStoreOptions } from '../adapter-options.ts';
import { catchUpSubscription } from '../catch-up.ts';
import { prepareAppend } from '../codec.ts';
import { StoreClosedError, StoreOpenError } from '../errors.ts';
import { ANY, type AppendResult, type EventStore, type RecordedEvent } from '../event-store.ts';
import { createChangeSignals } from './change-signals.ts';
import { checkSchemaName, DEFAULT_SCHEMA, redactConnectionString, toOpenError, withDefaultUser } from './connection.ts';
import { createGroupCommitter, type GroupCommitStats } from './group-commit.ts';
import { allPages, allRowsAfter, scanSchema, streamPages, streamRowsAfter, verifiedIterable, type ReadContext } from './reads.ts';
import { migrate } from './schema.ts';
import { createStreamHeadHub, type StreamHeadHub } from '../stream-head-hub.ts';
import { prepareStatements } from './statements.ts';

/** Options of `getPostgresEventStore`. */
export interface PostgresEventStoreOptions extends CommonStoreOptions {
  /**
   * `postgres://user:password@host:port/database` (or `postgresql://…`; query parameters such as
   * `sslmode` as node-postgres reads them). No user: `$PGUSER`, `$USER`, else the OS user (as libpq).
   * Names the store in errors, without its password.
   */
  connectionString: string;
  /**
   * The PostgreSQL schema (namespace) holding the store's tables; created if missing. Default: the
   * URL's `?schema=` parameter, else `orchestral`.
   */
  schema?: string;
  /**
   * A pool to use instead of creating one from `connectionString`; `close()` then leaves it open.
   * It must allow at least 2 connections: one is held for LISTEN while subscriptions exist.
   */
  pool?: pg.Pool;
  /** Period (ms) of the safety-net poll behind LISTEN/NOTIFY while subscriptions are open. Default 1000. */
  pollIntervalMs?: number;
  /** Rows fetched per query by `readStream` / `readAll`. Default `READ_PAGE_SIZE` (1000). */
  readPageSize?: number;
  /** Connections of the pool this store creates, ≥ 2 (one is held for LISTEN while subscriptions exist). Default 10. */
  poolSize?: number;
  /** How long (ms) to wait for a new connection before failing. Default 10_000. */
  connectTimeoutMs?: number;
  /** Create the schema and tables when missing (default true); false: StoreOpenError `not_found`, nothing created. */
  create?: boolean;
}

/** Counters of a PostgreSQL store since it was created (see `GroupCommitStats`). */
export type PostgresStoreStats = GroupCommitStats;

/** The PostgreSQL adapter: an EventStore plus where it lives and its counters. */
export type PostgresEventStore = EventStore & {
  /** The connection string without its password. */
  readonly location: string;
  /** The PostgreSQL schema holding the tables. */
  readonly schema: string;
  /**
   * Connects and creates/migrates the schema if not done yet (every other method does it on first use).
   * @throws StoreOpenError `io` (server unreachable, authentication, …), `read_only` (no privilege,
   *   standby), `newer_schema`, `not_orchestral` — naming the URL without its password.
   */
  ready(): Promise<void>;
  /** Commit counters (group commit: `commits` ≤ appends). */
  stats(): PostgresStoreStats;
};

/** Default period of the safety-net poll, ms. */
export const DEFAULT_PG_POLL_INTERVAL_MS = 1000;

/**
 * Creates a PostgreSQL store (no I/O yet: see `ready()`).
 * @throws StoreOpenError `bad_url` a connection string that is not a `postgres://` / `postgresql://` URL.
 * @throws RangeError a bad `schema`, `maxEventBytes`, `readPageSize`, `poolSize`, `connectTimeoutMs` or `pollIntervalMs`.
 */
export function getPostgresEventStore(options: PostgresEventStoreOptions): PostgresEventStore {
  const { connectionString } = options;
  if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    throw new StoreOpenError(String(connectionString), 'bad_url', 'the PostgreSQL connection string is empty');
  }
  const location = redactConnectionString(connectionString);
  if (!/^postgres(ql)?:\/\//i.test(connectionString) || !URL.canParse(connectionString)) {
    throw new StoreOpenError(location, 'bad_url', 'not a valid PostgreSQL URL; expected postgres://user:password@host:port/database');
  }
  const schema = checkSchemaName(options.schema ?? new URL(connectionString).searchParams.get('schema') ?? DEFAULT_SCHEMA);
  const where = `postgres store '${location}'`;
  const { codec, clock, maxEventBytes } = resolveStoreOptions(where, options);
  if (options.readPageSize !== undefined) positiveInteger(where, 'readPageSize', options.readPageSize);
  if (options.poolSize !== undefined && (!Number.isInteger(options.poolSize) || options.poolSize < 2)) {
    throw new RangeError(`${where}: poolSize must be an integer ≥ 2 (one connection LISTENs), got ${options.poolSize}`);
  }
  if (options.connectTimeoutMs !== undefined) positiveInteger(where, 'connectTimeoutMs', options.connectTimeoutMs);
  const pollIntervalMs = positiveDuration(where, 'pollIntervalMs', options.pollIntervalMs ?? DEFAULT_PG_POLL_INTERVAL_MS);

  const ownsPool = options.pool === undefined;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: withDefaultUser(connectionString),
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      allowExitOnIdle: true,
    });
  // An idle pooled connection that dies (server restart) is dropped by the pool; the next checkout
  // opens a new one. Without a listener Node would crash on that 'error' event.
  if (ownsPool) pool.on('error', () => undefined);

  const stmts = prepareStatements(schema);
  let closed = false;
  let closing: Promise<void> | undefined;
  const assertOpen = (): void => {
    if (closed) throw new StoreClosedError(location);
  };

  let migrated: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    migrated ??= (async () => {
      const client = await pool.connect();
      let failure: Error | undefined;
      try {
        await migrate(client, schema, location, options.create ?? true);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        client.release(failure); // a failed migration's connection is not reused
      }
    })().catch((err: unknown) => {
      migrated = undefined; // the next call tries again (the server may be back)
      throw toOpenError(location, schema, err);
    });
    return migrated;
  };

  let changes;
  try {
    changes = createChangeSignals({ pool, schema, stmts, ready, clock, pollIntervalMs });
  } catch (err) {
    if (ownsPool) void pool.end();
    throw err;
  }
  const { signals } = changes;
  const committer = createGroupCommitter({
    pool,
    schema,
    location,
    stmts,
    ready,
    now: () => new Date(clock.now()).toISOString(),
    onCommitted: changes.notify,
  });
  let heads: StreamHeadHub | undefined; // built on the first watchStreamHead
  const ctx: ReadContext = { pool, stmts, ready, assertOpen, isClosed: () => closed, codec, pageSize: options.readPageSize };

  return {
    location,
    schema,
    ready: async () => {
      assertOpen();
      await ready();
    },

    async appendToStream(streamId, events, opts = {}): Promise<AppendResult> {
      assertOpen();
      const prepared = prepareAppend(streamId, events, codec, maxEventBytes);
      return committer.enqueue(streamId, prepared, opts.expectedRevision ?? ANY);
    },

    readStream: (streamId, opts = {}) =>
      verifiedIterable(ctx, () => streamPages(ctx, streamId, opts), opts.direction === 'backwards' ? 'backwards' : 'forwards'),

    readAll: (opts = {}) => verifiedIterable(ctx, () => allPages(ctx, opts)),

    subscribeToStream(streamId, opts = {}): Observable<RecordedEvent> {
      if (closed) return throwError(() => new StoreClosedError(location));
      return defer(() =>
        catchUpSubscription({
          readAfter: streamRowsAfter(ctx, streamId),
          signals,
          cursorOf: (e) => e.revision,
          after: (opts.fromRevision ?? 0n) - 1n,
        }),
      );
    },

    subscribeToAll(opts = {}): Observable<RecordedEvent> {
      if (closed) return throwError(() => new StoreClosedError(location));
      return defer(() =>
        catchUpSubscription({
          readAfter: allRowsAfter(ctx),
          signals,
          cursorOf: (e) => e.position,
          after: opts.fromPosition ?? -1n,
        }),
      );
    },

    async streamRevision(streamId) {
      assertOpen();
      await ready();
      assertOpen();
      return stmts.lastRevision(pool, streamId);
    },

    watchStreamHead(streamId, opts = {}): Observable<bigint> {
      if (closed) return throwError(() => new StoreClosedError(location));
      // One scan of the new events per commit for every stream watched (stream-head-hub.ts). The
      // cursor "positions past the last one scanned" never skips a commit because positions become
      // visible in ascending order (group-commit.ts: numbered under the store's advisory lock), as
      // for subscribeToAll. Nothing is read once closing.
      heads ??= createStreamHeadHub({
        signals,
        position: async () => {
          if (closed) return -1n;
          await ready();
          return closed ? -1n : ((await stmts.lastPosition(pool)) ?? 0n);
        },
        scan: async (after) => {
          if (closed) return { position: after, heads: [] };
          await ready();
          return closed ? { position: after, heads: [] } : stmts.headsSince(pool, after);
        },
        head: async (id) => {
          if (closed) return undefined;
          await ready();
          return closed ? undefined : stmts.lastRevision(pool, id);
        },
      });
      return heads.watch(streamId, opts.afterRevision ?? -1n);
    },

    verifyIntegrity: () => scanSchema(ctx),

    stats: () => committer.stats(),

    close() {
      closing ??= (async () => {
        closed = true;
        try {
          await committer.idle(); // appends queued before close are committed (or rejected) first
        } finally {
          changes.close();
          if (ownsPool) await pool.end();
        }
      })();
      return closing;
    },
  };
}

/**
 * Creates a PostgreSQL store and connects/migrates it before returning (what the URL opener uses).
 * @throws StoreOpenError as `PostgresEventStore.ready()`; the store's pool is ended then.
 */
export async function openPostgresEventStore(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
  const store = getPostgresEventStore(options);
  try {
    await store.ready();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
