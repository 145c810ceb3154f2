/**
 * Folding a thread's history: read its stream (read.ts), decode each event (decode.ts) and fold it
 * through the machines (fold/thread-state.ts). The one "read the stream and fold it" loop, with
 * options for where to start (a given state or a snapshot cache), where to stop (a revision) and
 * whether to check the recorded state hashes. Rehydration, `replay`, `show` and forks use it. It
 * never calls a planner or an action: everything they produced is in the facts.
 */
import type { Fact, RecordedFact } from '../facts/fact-types.ts';
import type { EventStore } from '../store/event-store.ts';
import { factOf } from './decode.ts';
import { noteOrigin, type FactOrigin } from './effect-keys.ts';
import { ReplayDivergenceError, ThreadRevisionError } from './errors.ts';
import { applyFacts, foldSession, initialThreadState, stateHashVersion, type FoldOptions, type ThreadState } from './fold/thread-state.ts';
import { historyPages } from './read.ts';
import type { SnapshotCache } from './snapshot-cache/snapshot-cache.ts';

/** Options of `foldHistory` and `replayThread`. */
export interface ReplayOptions extends FoldOptions {
  /** Last revision to apply, inclusive (default: the stream's end). */
  toRevision?: bigint;
  /**
   * Compare each fact's `metadata.snapshotHash` (when present) with `hashThreadState` after applying
   * it, in the version the recorded hash says (`stateHashVersion`: a stream may hold version-1 hashes
   * then version-2 ones); throw ReplayDivergenceError on the first mismatch. Facts covered by the
   * starting state are not re-checked.
   */
  verify?: boolean;
  /** Start from this state of the same thread (used when at or before `toRevision`; wins over `snapshotCache`). */
  from?: ThreadState;
  /** Start from the latest usable cached state at or before `toRevision` (see SnapshotCache). */
  snapshotCache?: SnapshotCache;
  /** Facts folded per applyFacts call when not verifying (default 512; records are copied once per batch). */
  batchSize?: number;
  /** Keep the facts read, with their envelopes, in `FoldedHistory.facts` (for projections over the same read). */
  keepFacts?: boolean;
}

/** Result of `foldHistory`. */
export interface FoldedHistory {
  state: ThreadState;
  /** Revision of the state the fold started from (-1n: from the first fact). */
  startRevision: bigint;
  /** Facts read from the store (those after the starting state). */
  factsRead: number;
  /** Where each effect-requesting fact read was recorded, by `effectKey`. */
  origins: Map<string, FactOrigin>;
  /** The facts read (with `keepFacts`; else empty). */
  facts: RecordedFact[];
}

async function startState(threadId: string, options: ReplayOptions, fold: FoldOptions): Promise<ThreadState> {
  const { from, toRevision, snapshotCache } = options;
  if (from && from.threadId === threadId && from.revision >= 0n && (toRevision === undefined || from.revision <= toRevision)) return from;
  if (snapshotCache) {
    const cached = await snapshotCache.load(threadId, { ...fold, ...(toRevision !== undefined ? { maxRevision: toRevision } : {}) });
    if (cached) return cached;
  }
  return initialThreadState(threadId, fold);
}

/**
 * Folds the thread's stream from a starting state (see `from`, `snapshotCache`) up to `toRevision`.
 * @returns the state and what was read (see FoldedHistory).
 * @throws StreamNotFoundError the thread has no fact (and no starting state was used).
 * @throws ThreadRevisionError `toRevision` is negative or past the stream's last revision; the store
 *   returned a revision out of order.
 * @throws IllegalTransitionError a stored fact is refused by the machines (code changed incompatibly,
 *   or an unknown fact type).
 * @throws ReplayDivergenceError (verify) a replayed hash differs from the recorded one.
 * @throws EventDecodeError / EventIntegrityError from the store's read.
 */
export async function foldHistory(store: EventStore, threadId: string, options: ReplayOptions = {}): Promise<FoldedHistory> {
  const { toRevision, verify = false, batchSize = 512, keepFacts = false } = options;
  const fold: FoldOptions = options.machines ? { machines: options.machines } : {};
  if (toRevision !== undefined && toRevision < 0n) throw new ThreadRevisionError(threadId, toRevision, 'revisions start at 0');
  let state = await startState(threadId, options, fold);
  const out: FoldedHistory = { state, startRevision: state.revision, factsRead: 0, origins: new Map(), facts: [] };
  if (toRevision !== undefined && state.revision === toRevision) return out;
  let batch: Fact[] = [];
  const session = verify ? foldSession(state, { ...fold, hashing: true }) : undefined;
  const range = { fromRevision: state.revision + 1n, ...(toRevision !== undefined ? { toRevision } : {}) };
  for await (const page of historyPages(store, threadId, range)) {
    for (const e of page) {
      const fact = factOf(threadId, e);
      out.factsRead++;
      noteOrigin(out.origins, fact, e.id, e.metadata.correlationId);
      if (keepFacts) out.facts.push(e as RecordedFact);
      if (!session) {
        batch.push(fact);
        if (batch.length >= batchSize) {
          state = applyFacts(state, batch, fold);
          batch = [];
        }
        continue;
      }
      session.apply(fact);
      const expected = e.metadata.snapshotHash;
      if (expected !== undefined) {
        const actual = session.hash(stateHashVersion(expected));
        if (actual !== expected) throw new ReplayDivergenceError(threadId, e.revision, expected, actual);
      }
    }
  }
  if (session) state = session.state();
  if (batch.length > 0) state = applyFacts(state, batch, fold);
  if (toRevision !== undefined && state.revision !== toRevision) {
    throw new ThreadRevisionError(threadId, toRevision, `the thread's last revision is ${state.revision}`);
  }
  out.state = state;
  return out;
}

/**
 * The thread's state at `toRevision` (default: its last), folded as `foldHistory` does.
 * @throws as `foldHistory`.
 */
export async function replayThread(store: EventStore, threadId: string, options: ReplayOptions = {}): Promise<ThreadState> {
  return (await foldHistory(store, threadId, options)).state;
}
