/**
 * `Runtime.replay` and `Runtime.fork`: the history operations of a runtime's store, with the
 * runtime's id generator and machines. Neither loads the thread into the runtime nor runs an effect.
 */
import { randomIds, timeOrderedIds, type IdGenerator } from '../core/ids.ts';
import { forkThread, type ForkResult } from './fork.ts';
import { replayThread } from '../history/replay.ts';
import { lastRevision } from '../history/read.ts';
import { threadStreamId } from '../history/stream.ts';
import { StreamNotFoundError } from '../store/errors.ts';
import type { EventStore } from '../store/event-store.ts';
import { hashThreadState } from '../history/fold/thread-state.ts';
import { threadSummary, type ThreadSummary } from './thread-summary.ts';

/** Options of `Runtime.replay`. */
export interface RuntimeReplayOptions {
  /** Last revision folded, inclusive (default: the thread's last revision). */
  toRevision?: bigint | number;
  /** Compare every recorded snapshot hash with the fold's (throws ReplayDivergenceError on a mismatch). */
  verify?: boolean;
}

/** A thread as it was at a revision. */
export type ReplayedThread = ThreadSummary & {
  /** Hash of the folded state (what facts record as `metadata.snapshotHash`). */
  stateHash: string;
};

/** Options of `Runtime.fork`. */
export interface RuntimeForkOptions {
  /** Last source revision copied, inclusive (default: the source's last revision). */
  atRevision?: bigint | number;
  /** Id of the new thread (default: a new id from the runtime's id generator). */
  newThreadId?: string;
}

/** The two history methods of a runtime. */
export interface RuntimeHistory {
  /**
   * Folds thread `threadId` from the store up to `toRevision`; calls no planner and no action.
   * @throws StreamNotFoundError, ThreadRevisionError, IllegalTransitionError, ReplayDivergenceError (see `replayThread`).
   */
  replay(threadId: string, options?: RuntimeReplayOptions): Promise<ReplayedThread>;
  /**
   * Copies revisions 0..`atRevision` of `threadId` into a new thread followed by ThreadForked.
   * @throws StreamNotFoundError, ThreadRevisionError, WrongExpectedVersionError (see `forkThread`).
   */
  fork(threadId: string, options?: RuntimeForkOptions): Promise<ForkResult>;
}

/** The history methods over `store`, naming new threads and events with `ids`. */
export function runtimeHistory(store: EventStore, ids: IdGenerator): RuntimeHistory {
  return {
    async replay(threadId, o = {}) {
      const state = await replayThread(store, threadId, {
        ...(o.toRevision !== undefined ? { toRevision: BigInt(o.toRevision) } : {}),
        ...(o.verify !== undefined ? { verify: o.verify } : {}),
      });
      return { ...threadSummary(state), stateHash: hashThreadState(state) };
    },
    async fork(threadId, o = {}) {
      const atRevision = o.atRevision !== undefined ? BigInt(o.atRevision) : await lastRevision(store, threadId);
      if (atRevision === undefined) throw new StreamNotFoundError(threadStreamId(threadId));
      return forkThread(store, {
        threadId,
        atRevision,
        newThreadId: o.newThreadId ?? ids.uuid(),
        ids,
      });
    },
  };
}

/**
 * Replays thread `threadId` of `store` up to `options.toRevision` (see `RuntimeHistory.replay`),
 * without a runtime.
 */
export function replay(store: EventStore, threadId: string, options: RuntimeReplayOptions = {}): Promise<ReplayedThread> {
  return runtimeHistory(store, randomIds).replay(threadId, options);
}

/**
 * Forks thread `threadId` of `store` (see `RuntimeHistory.fork`), without a runtime; `ids` names the
 * new thread (when `newThreadId` is not given) and its events (default: `timeOrderedIds()`).
 */
export function fork(store: EventStore, threadId: string, options: RuntimeForkOptions & { ids?: IdGenerator } = {}): Promise<ForkResult> {
  const { ids = timeOrderedIds(), ...rest } = options;
  return runtimeHistory(store, ids).fork(threadId, rest);
}
