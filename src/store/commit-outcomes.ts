/**
 * Settling the callers of one group commit — shared by the SQLite and PostgreSQL committers,
 * which both check every queued append in arrival order inside one transaction and acknowledge the
 * callers only after its COMMIT returned.
 */
import type { AppendResult } from './event-store.ts';

/** What became of one append of a committed transaction: its result and events written, or its error. */
export type AppendOutcome = { ok: true; result: AppendResult; written: number } | { ok: false; error: unknown };

/** A queued append's caller. */
export interface AppendCaller {
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

/** Counters of a committer (monotonic since the store was opened). */
export interface CommitCounters {
  /** Transactions committed by flushes. */
  commits: number;
  /** `appendToStream` calls acknowledged (successes, including idempotent retries). */
  appends: number;
  /** Events written. */
  events: number;
  /** Largest number of appends one commit held. */
  maxAppendsPerCommit: number;
}

/**
 * After a COMMIT: counts it in `counters`, resolves or rejects each caller of `batch` with its
 * outcome (`outcomes[i]` belongs to `batch[i]`), then calls `onCommitted` if any event was written.
 */
export function settleCommit(
  counters: CommitCounters,
  batch: readonly AppendCaller[],
  outcomes: readonly AppendOutcome[],
  onCommitted: () => void,
): void {
  counters.commits++;
  counters.maxAppendsPerCommit = Math.max(counters.maxAppendsPerCommit, batch.length);
  let written = 0;
  outcomes.forEach((o, i) => {
    const caller = batch[i] as AppendCaller;
    if (o.ok) {
      counters.appends++;
      written += o.written;
      caller.resolve(o.result);
    } else {
      caller.reject(o.error);
    }
  });
  counters.events += written;
  if (written > 0) onCommitted();
}
