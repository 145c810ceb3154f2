/**
 * Group commit for the SQLite adapter.
 *
 * better-sqlite3 is synchronous: a commit (and its fsync with `durability: 'sync'`) blocks the
 * event loop. Instead of one transaction per `appendToStream` call, appends are queued and the
 * queue is flushed on the next macrotask (`setImmediate`): every append that arrived meanwhile —
 * other streams, other actors, the runtime's next batch, callers woken by the previous flush —
 * goes into ONE `BEGIN IMMEDIATE … COMMIT`, i.e. one fsync. (The same idea as group commit in
 * PostgreSQL's WAL writer or InnoDB's binlog group commit.)
 *
 * Inside the transaction each append runs in its own SAVEPOINT (when the flush holds more than
 * one), in arrival order, with the shared expected-revision and idempotency rules: one caller's
 * WrongExpectedVersionError (or duplicate id) rolls back only its savepoint and fails only its
 * promise. A caller's promise settles only after the COMMIT that holds its
 * events has returned (or, if the commit itself fails, every caller of that flush is rejected with
 * the SQLite error and nothing of the flush is stored).
 */
import type Database from 'better-sqlite3';
import { hitFaultPoint } from '../../core/fault-points.ts';
import type { PreparedEvent } from '../codec.ts';
import { settleCommit, type AppendCaller, type AppendOutcome, type CommitCounters } from '../commit-outcomes.ts';
import type { AppendResult, ExpectedRevision } from '../event-store.ts';
import { checkExpectedRevision, checkIdempotentRetry, duplicateIdError } from '../expected-revision.ts';
import { checksumOf } from '../integrity.ts';
import type { Statements } from './statements.ts';

/** True for better-sqlite3's refusal of a row by a UNIQUE constraint. */
const isUniqueViolation = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';

/** A stream's last revision and that event's stored checksum (the link the next event chains to). */
type Head = { revision: bigint; checksum: string | null };

/** One queued `appendToStream` call, already validated and serialised. */
interface PendingAppend extends AppendCaller {
  streamId: string;
  events: PreparedEvent[];
  expected: ExpectedRevision;
}

/**
 * Counters of a committer (monotonic since the store was opened); each commit that wrote events is
 * one WAL fsync with durability 'sync'.
 */
export type GroupCommitStats = CommitCounters;

/** The append side of the adapter. */
export interface GroupCommitter {
  /** Queues an append; settles after the commit holding it. */
  enqueue(streamId: string, events: PreparedEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Commits everything queued now, synchronously (used by `close()`). */
  flushNow(): void;
  stats(): GroupCommitStats;
}

/** Options of `createGroupCommitter`. */
export interface GroupCommitOptions {
  /** ISO-8601 `recorded_at` of the events of a flush (called once per flush). */
  now(): string;
  /** Called after each successful commit that wrote at least one event. */
  onCommitted(): void;
  /** Upper bound on events per transaction; the rest waits for the next flush. Default 20_000. */
  maxEventsPerCommit?: number;
}

/** Builds the committer for one read-write connection. */
export function createGroupCommitter(db: Database.Database, stmts: Statements, options: GroupCommitOptions): GroupCommitter {
  const maxEvents = options.maxEventsPerCommit ?? 20_000;
  const queue: PendingAppend[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const counters: GroupCommitStats = { commits: 0, appends: 0, events: 0, maxAppendsPerCommit: 0 };

  /** Head (last revision and its checksum) per stream inside the current transaction (valid only while it runs). */
  const lastRevisions = new Map<string, Head | undefined>();
  const headOf = (streamId: string): Head | undefined => {
    if (lastRevisions.has(streamId)) return lastRevisions.get(streamId);
    const head = stmts.head(streamId);
    lastRevisions.set(streamId, head);
    return head;
  };

  /**
   * One append: checks, then inserts. Run nested (a SAVEPOINT) when the flush holds several
   * appends, or as the whole transaction when it holds one.
   */
  const applyOne = db.transaction((p: PendingAppend, recordedAt: string): { result: AppendResult; written: number } => {
    const head = headOf(p.streamId);
    const actual = head?.revision;
    const ids = p.events.map((e) => e.id);
    // ids after the first are checked by the unique index on `id` (see `insertAll`)
    const retry = checkIdempotentRetry(p.streamId, ids, p.expected, actual, stmts.locateId, true);
    if (retry !== undefined) return { result: retry, written: 0 };
    checkExpectedRevision(p.streamId, p.expected, actual);
    if (p.events.length === 0) {
      return { result: { nextExpectedRevision: actual ?? -1n, position: stmts.lastPosition() ?? -1n }, written: 0 };
    }
    const { revision, position, checksum } = insertAll(p, head, recordedAt);
    lastRevisions.set(p.streamId, { revision, checksum });
    hitFaultPoint('store.before-commit');
    return { result: { nextExpectedRevision: revision, position }, written: p.events.length };
  });

  /**
   * Inserts `p.events` after `head` with their chained checksums. An id already stored (the unique
   * index refuses it) throws DuplicateEventIdError naming where it is; the caller's transaction or
   * savepoint then rolls back the events inserted before it.
   */
  const insertAll = (p: PendingAppend, head: Head | undefined, recordedAt: string): { revision: bigint; position: bigint; checksum: string } => {
    let revision = head?.revision ?? -1n;
    let checksum = head?.checksum ?? null;
    let position = -1n;
    for (const e of p.events) {
      revision += 1n;
      checksum = checksumOf(checksum, p.streamId, revision, e.id, e.type, recordedAt, e.dataJson, e.metadataJson);
      try {
        position = stmts.insert(p.streamId, revision, e.id, e.type, e.dataJson, e.metadataJson, recordedAt, checksum);
      } catch (err) {
        const found = isUniqueViolation(err) ? stmts.locateId(e.id) : undefined;
        throw found === undefined ? err : duplicateIdError(p.streamId, e.id, found);
      }
    }
    return { revision, position, checksum: checksum as string };
  };

  type Outcome = AppendOutcome;
  const applyAll = db.transaction((batch: PendingAppend[], recordedAt: string): Outcome[] =>
    batch.map((p): Outcome => {
      const before = lastRevisions.has(p.streamId) ? { v: lastRevisions.get(p.streamId) } : undefined;
      try {
        return { ok: true, ...applyOne(p, recordedAt) };
      } catch (error) {
        // Some SQLite errors (disk full, I/O) roll back the whole transaction: then nothing of
        // this flush may go on in autocommit mode — fail the flush.
        if (!db.inTransaction) throw error;
        // the savepoint was rolled back: so is our cached revision
        if (before === undefined) lastRevisions.delete(p.streamId);
        else lastRevisions.set(p.streamId, before.v);
        return { ok: false, error };
      }
    }),
  );

  const takeBatch = (): PendingAppend[] => {
    let n = 0;
    let events = 0;
    while (n < queue.length && (n === 0 || events + (queue[n]?.events.length ?? 0) <= maxEvents)) {
      events += queue[n]?.events.length ?? 0;
      n++;
    }
    return queue.splice(0, n);
  };

  const flushOnce = (): void => {
    const batch = takeBatch();
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      // a lone append needs no savepoint: if it fails, rolling back the transaction is the same
      outcomes = batch.length === 1 ? [{ ok: true, ...applyOne.immediate(batch[0] as PendingAppend, options.now()) }] : applyAll.immediate(batch, options.now());
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    } finally {
      lastRevisions.clear();
    }
    settleCommit(counters, batch, outcomes, options.onCommitted);
  };

  const flushNow = (): void => {
    if (scheduled !== undefined) {
      clearImmediate(scheduled);
      scheduled = undefined;
    }
    while (queue.length > 0) flushOnce();
  };

  const flushScheduled = (): void => {
    scheduled = undefined;
    flushOnce();
    if (queue.length > 0) scheduled = setImmediate(flushScheduled);
  };

  return {
    enqueue(streamId, events, expected) {
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ streamId, events, expected, resolve, reject });
        scheduled ??= setImmediate(flushScheduled);
      });
    },
    flushNow,
    stats: () => ({ ...counters }),
  };
}
