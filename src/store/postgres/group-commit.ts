/**
 * Appends of the PostgreSQL adapter: one transaction per flush, group commit, and positions in
 * commit order.
 *
 * **Commit order = position order.** A catch-up subscription reads "positions after the last one
 * I delivered". With a sequence (bigserial), transaction A can take position 10, transaction B
 * position 11, and B commit first: a reader then sees 11, moves its cursor past 10, and never
 * delivers 10 once A commits. So every append transaction first takes the store's
 * transaction-scoped advisory lock (`pg_advisory_xact_lock(ORCH, hashtext(schema))`, shared by
 * every process using the schema), then — in READ COMMITTED, so each later statement sees every
 * commit made before the lock was granted — reads `max(position)` and numbers its events from
 * there. PostgreSQL makes a commit visible before it releases the transaction's locks
 * (`CommitTransaction`: `ProcArrayEndTransaction` precedes the lock release), so the next holder
 * starts after the previous commit is visible: positions are gapless and ascend in commit order.
 * The price is that appends to one schema are serialised across all processes; group commit
 * (below) amortises it. (A lock-free alternative is to tag rows with `pg_current_xact_id()` and
 * let readers stop at `pg_snapshot_xmin(pg_current_snapshot())`; not needed at this scale.)
 *
 * **Group commit.** Appends that arrive while a flush is in flight (or in the same event-loop
 * turn) go into the next flush: one transaction, one WAL flush at COMMIT, for all of them, as in
 * the SQLite adapter. Inside a flush the lock already serialises writers, so each append's
 * expected-revision and idempotency checks (the shared `checkExpectedRevision` /
 * `checkIdempotentRetry`) run in JavaScript, in arrival order, over the state read under the lock
 * plus the appends already accepted in this flush: a failing append fails only its own promise,
 * and needs no savepoint since nothing is written before all checks passed. A caller's promise
 * settles only after the COMMIT holding its events returned. A flush costs four round trips
 * whatever it holds: BEGIN + lock; one read of the streams' revisions, the ids' locations and
 * `max(position)`; the INSERT (chunked when large) whose statement also runs `pg_notify` (sent
 * to listeners only when the transaction commits); COMMIT. If the transaction itself fails,
 * every caller of the flush is rejected with the driver's error; when that error is a lost
 * connection during COMMIT the outcome is unknown, and retrying with the same event ids is safe
 * (idempotent appends).
 *
 * **Writers outside this protocol.** `UNIQUE (stream_id, revision)` and `UNIQUE (id)` still
 * guard the log. If an insert meets a unique violation (a writer that did not take the lock won
 * a race), the whole flush is re-run: the shared checks then see the other writer's rows and
 * answer WrongExpectedVersionError, DuplicateEventIdError or an idempotent success as usual.
 */
import type pg from 'pg';
import { hitFaultPoint } from '../../core/fault-points.ts';
import type { PreparedEvent } from '../codec.ts';
import { settleCommit, type AppendCaller, type AppendOutcome, type CommitCounters } from '../commit-outcomes.ts';
import type { AppendResult, ExpectedRevision } from '../event-store.ts';
import { checkExpectedRevision, checkIdempotentRetry, type StoredIdLocation } from '../expected-revision.ts';
import { chainChecksums } from '../integrity.ts';
import { SQLSTATE, sqlState } from './connection.ts';
import { beginLockedSql } from './schema.ts';
import { translatePgWriteError } from './write-errors.ts';
import type { InsertRow, Statements } from './statements.ts';

/** One queued `appendToStream` call, already validated and serialised. */
interface PendingAppend extends AppendCaller {
  streamId: string;
  events: PreparedEvent[];
  expected: ExpectedRevision;
  bytes: number;
}

type Outcome = AppendOutcome;

/** Counters of a committer (monotonic since the store was created). */
export interface GroupCommitStats extends CommitCounters {
  /** Flushes re-run after a unique violation caused by a writer outside the lock protocol. */
  conflictRetries: number;
}

/** The append side of the adapter. */
export interface GroupCommitter {
  /** Queues an append; settles after the commit holding it. */
  enqueue(streamId: string, events: PreparedEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Resolves once every append queued so far has been committed or rejected. */
  idle(): Promise<void>;
  stats(): GroupCommitStats;
}

/** Options of `createGroupCommitter`. */
export interface GroupCommitOptions {
  pool: pg.Pool;
  /** The store's schema (advisory lock key, NOTIFY payload). */
  schema: string;
  /** Names the server in write errors (`StoreWriteError.location`), e.g. `postgresql://host:5432/db`. */
  location: string;
  stmts: Statements;
  /** Waits until the schema is migrated; rejects with the StoreOpenError otherwise. */
  ready(): Promise<void>;
  /** ISO-8601 `recorded_at` of the events of a flush (called once per flush). */
  now(): string;
  /** Called after each successful commit that wrote at least one event. */
  onCommitted(): void;
  /** Upper bound on events per transaction; the rest waits for the next flush. Default 20_000. */
  maxEventsPerCommit?: number;
  /** Upper bound on UTF-8 bytes of data + metadata per transaction (an append is never split). Default 32 MiB. */
  maxBytesPerCommit?: number;
}

/** Rows and JSON characters per INSERT statement inside a flush (keeps each protocol message far below 1 GiB). */
const INSERT_CHUNK_ROWS = 1000;
const INSERT_CHUNK_BYTES = 8 * 1024 * 1024;
/** Runs of a flush that keeps meeting unique violations before its callers are rejected. */
const MAX_CONFLICT_RUNS = 5;

/** Builds the committer of one store instance. */
export function createGroupCommitter(options: GroupCommitOptions): GroupCommitter {
  const { pool, schema, stmts } = options;
  const maxEvents = options.maxEventsPerCommit ?? 20_000;
  const maxBytes = options.maxBytesPerCommit ?? 32 * 1024 * 1024;
  const queue: PendingAppend[] = [];
  const counters: GroupCommitStats = { commits: 0, appends: 0, events: 0, maxAppendsPerCommit: 0, conflictRetries: 0 };
  let running: Promise<void> | undefined;
  const beginLocked = beginLockedSql(schema);

  const takeBatch = (): PendingAppend[] => {
    let n = 0;
    let events = 0;
    let bytes = 0;
    while (n < queue.length) {
      const next = queue[n] as PendingAppend;
      if (n > 0 && (events + next.events.length > maxEvents || bytes + next.bytes > maxBytes)) break;
      events += next.events.length;
      bytes += next.bytes;
      n++;
    }
    return queue.splice(0, n);
  };

  /** The checks and inserts of one flush, inside BEGIN … COMMIT on `client`. */
  const transaction = async (client: pg.PoolClient, batch: readonly PendingAppend[], recordedAt: string): Promise<Outcome[]> => {
    try {
      await client.query(beginLocked); // BEGIN + the store's advisory lock: one round trip
      const streams = [...new Set(batch.map((p) => p.streamId))];
      const ids = batch.flatMap((p) => p.events.map((e) => e.id.toLowerCase()));
      const { heads, locations: stored, lastPosition: lastStored } = await stmts.writeState(client, streams, ids);
      let lastPosition = lastStored;
      const accepted = new Map<string, StoredIdLocation>(); // ids written by earlier appends of this flush
      const lookup = (id: string): StoredIdLocation | undefined => accepted.get(id.toLowerCase()) ?? stored.get(id.toLowerCase());
      const rows: InsertRow[] = [];
      const outcomes = batch.map((p): Outcome => {
        try {
          const head = heads.get(p.streamId);
          const actual = head?.revision;
          const retry = checkIdempotentRetry(p.streamId, p.events.map((e) => e.id), p.expected, actual, lookup);
          if (retry !== undefined) return { ok: true, result: retry, written: 0 };
          checkExpectedRevision(p.streamId, p.expected, actual);
          if (p.events.length === 0) {
            return { ok: true, result: { nextExpectedRevision: actual ?? -1n, position: lastPosition ?? -1n }, written: 0 };
          }
          const sums = chainChecksums(p.streamId, head, p.events, recordedAt);
          let revision = actual ?? -1n;
          let position = lastPosition ?? 0n;
          for (const [i, e] of p.events.entries()) {
            revision += 1n;
            position += 1n;
            const checksum = sums[i] as string;
            rows.push({ position, streamId: p.streamId, revision, id: e.id, type: e.type, dataJson: e.dataJson, metadataJson: e.metadataJson, recordedAt, checksum });
            accepted.set(e.id.toLowerCase(), { streamId: p.streamId, revision, position });
          }
          heads.set(p.streamId, { revision, checksum: sums.at(-1) ?? null });
          lastPosition = position;
          return { ok: true, result: { nextExpectedRevision: revision, position }, written: p.events.length };
        } catch (error) {
          return { ok: false, error };
        }
      });
      const parts = [...chunks(rows)];
      for (const [i, chunk] of parts.entries()) await stmts.insert(client, chunk, i === parts.length - 1 ? schema : undefined);
      if (rows.length > 0) hitFaultPoint('store.before-commit');
      await client.query('COMMIT');
      return outcomes;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  };

  const flushOnce = async (batch: readonly PendingAppend[]): Promise<void> => {
    let client: pg.PoolClient | undefined;
    let broken: Error | undefined;
    try {
      await options.ready();
      client = await pool.connect();
      for (let run = 1; ; run++) {
        try {
          settleCommit(counters, batch, await transaction(client, batch, options.now()), options.onCommitted);
          return;
        } catch (err) {
          if (sqlState(err) !== SQLSTATE.uniqueViolation || run >= MAX_CONFLICT_RUNS) throw err;
          counters.conflictRetries++;
        }
      }
    } catch (err) {
      // an error without SQLSTATE is the connection's: do not hand that client out again
      if (sqlState(err) === undefined && err instanceof Error) broken = err;
      const typed = translatePgWriteError(err, options.location);
      for (const p of batch) p.reject(typed);
    } finally {
      client?.release(broken);
    }
  };

  const run = async (): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve)); // gather the appends made in this turn
    while (queue.length > 0) await flushOnce(takeBatch());
    running = undefined;
  };

  return {
    enqueue(streamId, events, expected) {
      return new Promise<AppendResult>((resolve, reject) => {
        const bytes = events.reduce((n, e) => n + Buffer.byteLength(e.dataJson) + Buffer.byteLength(e.metadataJson), 0);
        queue.push({ streamId, events, expected, bytes, resolve, reject });
        running ??= run();
      });
    },
    idle: async () => {
      while (running !== undefined) await running;
    },
    stats: () => ({ ...counters }),
  };
}

/** Splits rows into INSERT-sized chunks: ≤ INSERT_CHUNK_ROWS rows and ≤ INSERT_CHUNK_BYTES characters of JSON, unless one row is larger. */
function* chunks(rows: readonly InsertRow[]): Generator<InsertRow[]> {
  let chunk: InsertRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = row.dataJson.length + row.metadataJson.length;
    if (chunk.length > 0 && (chunk.length >= INSERT_CHUNK_ROWS || bytes + size > INSERT_CHUNK_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(row);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
