/**
 * Replay: rebuild a thread's state at a checkpoint (a revision of `thread-<threadId>`) by folding its
 * facts. Never calls a planner or an action: everything they produced is in the facts.
 */
import { isFactType, type Fact } from '../facts/fact-types.ts';
import type { EventStore, RecordedEvent } from '../store/event-store.ts';
import { ReplayDivergenceError, ThreadRevisionError, IllegalTransitionError } from './errors.ts';
import type { SnapshotCache } from './snapshot-cache/snapshot-cache.ts';
import { applyFacts, foldSession, initialThreadState, type FoldOptions, type ThreadState } from './fold/thread-state.ts';

/** Options of `replayThread`. */
export interface ReplayOptions extends FoldOptions {
  /** Last revision to apply, inclusive (default: the stream's end). */
  toRevision?: bigint;
  /**
   * Compare each fact's `metadata.snapshotHash` (when present) with `hashThreadState` after applying
   * it; throw ReplayDivergenceError on the first mismatch. Facts covered by a cached snapshot are not
   * re-checked.
   */
  verify?: boolean;
  /** Start from the latest usable cached state at or before `toRevision` (see SnapshotCache). */
  snapshotCache?: SnapshotCache;
  /** Facts folded per applyFacts call when not verifying (default 512). */
  batchSize?: number;
}

/** Name of a thread's stream. */
export const threadStream = (threadId: string): string => `thread-${threadId}`;

function toFact(threadId: string, e: RecordedEvent): Fact {
  if (!isFactType(e.type)) throw new IllegalTransitionError(threadId, e.revision, e.type, 'none', 'unknown fact type');
  return { type: e.type, data: e.data } as Fact;
}

/**
 * Folds `thread-<threadId>` (read from `store`, which must decode with the fact codec) up to
 * `toRevision` and returns the ThreadState there.
 * @throws StreamNotFoundError the thread has no fact.
 * @throws ThreadRevisionError `toRevision` is negative or past the stream's last revision.
 * @throws IllegalTransitionError a stored fact is refused by the machines (code changed incompatibly).
 * @throws ReplayDivergenceError (verify) a replayed hash differs from the recorded one.
 */
export async function replayThread(store: EventStore, threadId: string, options: ReplayOptions = {}): Promise<ThreadState> {
  const { toRevision, verify = false, snapshotCache, batchSize = 512 } = options;
  const fold: FoldOptions = options.machines ? { machines: options.machines } : {};
  if (toRevision !== undefined && toRevision < 0n) throw new ThreadRevisionError(threadId, toRevision, 'revisions start at 0');
  let state = initialThreadState(threadId, fold);
  if (snapshotCache) {
    const cached = await snapshotCache.load(threadId, { ...fold, ...(toRevision !== undefined ? { maxRevision: toRevision } : {}) });
    if (cached) state = cached;
  }
  if (toRevision !== undefined && state.revision === toRevision) return state;
  let batch: Fact[] = [];
  const session = verify ? foldSession(state, { ...fold, hashing: true }) : undefined;
  const events = store.readStream(threadStream(threadId), {
    fromRevision: state.revision + 1n,
    ...(toRevision !== undefined ? { toRevision } : {}),
  });
  let nextRevision = state.revision + 1n;
  for await (const e of events) {
    if (e.revision !== nextRevision) throw new ThreadRevisionError(threadId, e.revision, `stream read out of order (expected ${nextRevision})`);
    nextRevision += 1n;
    const fact = toFact(threadId, e);
    if (!verify) {
      batch.push(fact);
      if (batch.length >= batchSize) {
        state = applyFacts(state, batch, fold);
        batch = [];
      }
      continue;
    }
    session!.apply(fact);
    const expected = e.metadata.snapshotHash;
    if (expected !== undefined) {
      const actual = session!.hash();
      if (actual !== expected) throw new ReplayDivergenceError(threadId, e.revision, expected, actual);
    }
  }
  if (session) state = session.state();
  if (batch.length > 0) state = applyFacts(state, batch, fold);
  if (toRevision !== undefined && state.revision !== toRevision) {
    throw new ThreadRevisionError(threadId, toRevision, `the thread's last revision is ${state.revision}`);
  }
  return state;
}
