/**
 * The embedded SQLite EventStore adapter (better-sqlite3, WAL): Orchestral's default store, one
 * file (`sqlite:PATH` store URL; default `.orchestral/events.db`).
 *
 * Pieces: `open-database.ts` (file checks, WAL, durability, migrations → StoreOpenError),
 * `schema.ts` (tables, application id, schema version), `group-commit.ts` (appends coalesced into
 * one transaction + fsync per event-loop turn), `reads.ts` (paged reads), `change-signals.ts`
 * (subscription wake-ups: own commits, same-process instances, cross-process poll).
 *
 * Several processes may open the same file: SQLite serialises writers (each waits up to the busy
 * timeout), readers never block, and subscriptions see other processes' commits by polling.
 */
import type { Observable } from 'rxjs';
import type Database from 'better-sqlite3';
import { positiveDuration, positiveInteger, resolveStoreOptions, type CommonStoreOptions } from '../adapter-options.ts';
import { catchUpSubscription, type ReadAfter } from '../catch-up.ts';
import { prepareAppend } from '../codec.ts';
import { StoreClosedError } from '../errors.ts';
import { ANY, type AppendResult, type EventStore, type RecordedEvent } from '../event-store.ts';
import { rx } from '../rx.ts';
import { createStreamHeadHub, type StreamHeadHub } from '../stream-head-hub.ts';
import { createChangeSignals, type ChangeSignals } from './change-signals.ts';
import { createGroupCommitter, type GroupCommitStats } from './group-commit.ts';
import { openSqliteDatabase, type Durability } from './open-database.ts';
import { allPages, allRowsAfter, scanFile, streamPages, streamRowsAfter, verifiedIterable, type ReadContext } from './reads.ts';
import { prepareStatements, type Statements } from './statements.ts';
import { translateWriteError } from './write-errors.ts';

/** Options of `getSqliteEventStore`. */
export interface SqliteEventStoreOptions extends CommonStoreOptions {
  /** The store file; created with its parent directories when missing (unless `create: false`). */
  path: string;
  /** `sync` (default): every commit fsynced before appends resolve; `normal`: fsync at checkpoints. See `Durability`. */
  durability?: Durability;
  /** How often (ms) subscriptions look for commits of other processes. Default 100. */
  pollIntervalMs?: number;
  /** How long (ms) to wait for another process's lock (open, commits). Default 5000. */
  busyTimeoutMs?: number;
  /** Rows fetched per query by `readStream` / `readAll` (memory vs. round trips). Default `READ_PAGE_SIZE`. */
  readPageSize?: number;
  /** Create the file when missing (default true); false: StoreOpenError `not_found`, nothing created. */
  create?: boolean;
}

/** Counters of a SQLite store since it was opened (see `GroupCommitStats`). */
export type SqliteStoreStats = GroupCommitStats;

/** The SQLite adapter: an EventStore plus its file and counters. */
export type SqliteEventStore = EventStore & {
  /** Absolute path of the store file. */
  readonly path: string;
  /** Commit counters (group commit: `commits` ≤ appends). */
  stats(): SqliteStoreStats;
};

/** Default poll period for commits of other processes, ms. */
export const DEFAULT_POLL_INTERVAL_MS = 100;

/**
 * Opens (creating and migrating if needed) the SQLite store at `options.path`. Appends that fail to
 * write reject with StoreWriteError naming the file (disk full, I/O error, read-only).
 * @throws StoreOpenError (synchronously) the file is not an Orchestral store, has a newer schema,
 *   is read-only, corrupt or locked; nothing is modified in those cases.
 * @throws RangeError a bad `maxEventBytes`, `readPageSize`, `pollIntervalMs` or `durability` (checked
 *   before the file is touched).
 */
export function getSqliteEventStore(options: SqliteEventStoreOptions): SqliteEventStore {
  const where = `sqlite store '${options.path}'`;
  const { codec, clock, maxEventBytes } = resolveStoreOptions(where, options);
  const pageSize = options.readPageSize === undefined ? undefined : positiveInteger(where, 'readPageSize', options.readPageSize);
  const pollIntervalMs = positiveDuration(where, 'pollIntervalMs', options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
  if (options.durability !== undefined && options.durability !== 'sync' && options.durability !== 'normal') {
    throw new RangeError(`${where}: durability must be 'sync' or 'normal', got ${String(options.durability)}`);
  }
  const db: Database.Database = openSqliteDatabase(options.path, {
    durability: options.durability,
    busyTimeoutMs: options.busyTimeoutMs,
    ...(options.create !== undefined ? { create: options.create } : {}),
  });
  const file = db.name;
  let closed = false;
  let heads: StreamHeadHub | undefined; // built on the first watchStreamHead
  const assertOpen = (): void => {
    if (closed) throw new StoreClosedError(`sqlite:${file}`);
  };
  let stmts: Statements;
  let changes: ChangeSignals;
  try {
    stmts = prepareStatements(db);
    changes = createChangeSignals({ file, clock, dataVersion: stmts.dataVersion, pollIntervalMs });
  } catch (err) {
    db.close();
    throw err;
  }
  const committer = createGroupCommitter(db, stmts, {
    now: () => new Date(clock.now()).toISOString(),
    onCommitted: changes.notify,
  });
  const ctx: ReadContext = { stmts, assertOpen, codec, pageSize };
  const isClosed = (): boolean => closed;
  /** A subscription's `readAfter` that first awaits a lazy codec (see EventCodec.load). */
  const withCodec = (readAfter: ReadAfter): ReadAfter =>
    codec.load === undefined ? readAfter : async (after, limit) => {
      await codec.load?.();
      return readAfter(after, limit);
    };

  return {
    path: file,

    async appendToStream(streamId, events, opts = {}): Promise<AppendResult> {
      assertOpen();
      if (codec.load !== undefined) {
        await codec.load(); // a lazy codec (see EventCodec.load)
        assertOpen();
      }
      const prepared = prepareAppend(streamId, events, codec, maxEventBytes);
      return committer.enqueue(streamId, prepared, opts.expectedRevision ?? ANY).catch((err: unknown) => {
        throw translateWriteError(err, file);
      });
    },

    readStream: (streamId, opts = {}) =>
      verifiedIterable(ctx, () => streamPages(ctx, streamId, opts), opts.direction === 'backwards' ? 'backwards' : 'forwards'),

    readAll: (opts = {}) => verifiedIterable(ctx, () => allPages(ctx, opts)),

    subscribeToStream(streamId, opts = {}): Observable<RecordedEvent> {
      if (closed) return rx().throwError(() => new StoreClosedError(`sqlite:${file}`));
      return rx().defer(() =>
        catchUpSubscription({
          readAfter: withCodec(streamRowsAfter(ctx, isClosed, streamId)),
          signals: changes.signals,
          cursorOf: (e) => e.revision,
          after: (opts.fromRevision ?? 0n) - 1n,
        }),
      );
    },

    subscribeToAll(opts = {}): Observable<RecordedEvent> {
      if (closed) return rx().throwError(() => new StoreClosedError(`sqlite:${file}`));
      return rx().defer(() =>
        catchUpSubscription({
          readAfter: withCodec(allRowsAfter(ctx, isClosed)),
          signals: changes.signals,
          cursorOf: (e) => e.position,
          after: opts.fromPosition ?? -1n,
        }),
      );
    },

    async streamRevision(streamId) {
      assertOpen();
      return stmts.lastRevision(streamId);
    },

    watchStreamHead(streamId, opts = {}): Observable<bigint> {
      if (closed) return rx().throwError(() => new StoreClosedError(`sqlite:${file}`));
      // one scan of the new events per commit for every stream watched (stream-head-hub.ts)
      heads ??= createStreamHeadHub({
        signals: changes.signals,
        position: () => (closed ? -1n : (stmts.lastPosition() ?? -1n)),
        scan: (after) => (closed ? { position: after, heads: [] } : stmts.headsSince(after)),
        head: (id) => (closed ? undefined : stmts.lastRevision(id)),
      });
      return heads.watch(streamId, opts.afterRevision ?? -1n);
    },

    verifyIntegrity: () => scanFile(ctx),

    stats: () => committer.stats(),

    async close() {
      if (closed) return;
      try {
        committer.flushNow(); // queued appends are committed (or rejected) before the file closes
      } finally {
        closed = true;
        changes.close();
        db.close();
      }
    },
  };
}
