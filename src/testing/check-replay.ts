/**
 * `checkReplay`: the replay property of one thread. Folds the thread's facts one at a time and at
 * every revision compares (1) the incremental fold's hash with an independent full fold's
 * (`applyFact` + `hashThreadState`), (2) the `snapshotHash` the runtime recorded on that fact (when
 * it recorded one: `createTestRuntime` records one on every fact) with the full fold's hash in the
 * version the recorded one says (`stateHashVersion`), and at the end (3) the fold with the live state
 * of `runtime`, when given and the thread is loaded there. Hashes (1) and (3) are of the current
 * version (`STATE_HASH_VERSION`).
 */
import { OrchestralError } from '../errors/orchestral-error.ts';
import { isFactType, type Fact } from '../facts/fact-types.ts';
import { isThreadNotFoundError } from '../runtime/command-errors.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { applyFact, foldSession, hashThreadState, initialThreadState, stateHashVersion, STATE_HASH_VERSION, type MachineSet } from '../history/fold/thread-state.ts';
import { summaryState } from '../runtime/thread-summary.ts';
import type { EventStore } from '../store/event-store.ts';
import { historyEvents } from '../history/read.ts';

/** A replay check that failed: which revision, which comparison, both hashes. */
export class ReplayCheckError extends OrchestralError {
  static readonly code = 'REPLAY_CHECK';
  constructor(
    readonly threadId: string,
    readonly revision: bigint,
    readonly comparison: 'incremental' | 'recorded' | 'live' | 'fold',
    readonly expected: string,
    readonly actual: string,
    detail = '',
  ) {
    super(ReplayCheckError.code, `thread '${threadId}' at revision ${revision}: ${comparison} hash ${expected} ≠ fold ${actual}${detail ? ` (${detail})` : ''}`);
  }
}

/** Options of `checkReplay`. */
export interface CheckReplayOptions {
  /** Compare the final fold with this runtime's committed state of the thread (skipped when it is not loaded there). */
  runtime?: Runtime;
  /** Machines to fold with (default: the runtime's). */
  machines?: MachineSet;
}

/** What `checkReplay` checked. */
export interface ReplayCheckReport {
  /** Facts folded (the thread's last revision + 1). */
  facts: number;
  /** Recorded snapshot hashes compared. */
  recordedHashes: number;
  /** Whether the live state was compared. */
  comparedLive: boolean;
  /** Hash of the final fold. */
  finalHash: string;
}

/**
 * Checks the replay property of thread `threadId` (see the module doc).
 * @throws ReplayCheckError at the first revision where two hashes differ; a fact the machines refuse
 *   throws IllegalTransitionError, an unknown fact type ReplayCheckError (`fold`).
 */
export async function checkReplay(store: EventStore, threadId: string, options: CheckReplayOptions = {}): Promise<ReplayCheckReport> {
  const fold = options.machines ? { machines: options.machines } : {};
  let state = initialThreadState(threadId, fold);
  const session = foldSession(state, { ...fold, hashing: true });
  let recordedHashes = 0;
  let hash = hashThreadState(state);
  for await (const e of historyEvents(store, threadId)) {
    if (!isFactType(e.type)) throw new ReplayCheckError(threadId, e.revision, 'fold', 'a fact type', e.type, 'unknown fact type');
    const fact = { type: e.type, data: e.data } as Fact;
    session.apply(fact);
    state = applyFact(state, fact, e.revision, fold);
    hash = hashThreadState(state);
    const incremental = session.hash();
    if (incremental !== hash) throw new ReplayCheckError(threadId, e.revision, 'incremental', incremental, hash, e.type);
    const recorded = e.metadata.snapshotHash;
    if (recorded !== undefined) {
      recordedHashes++;
      const version = stateHashVersion(recorded);
      const full = version === STATE_HASH_VERSION ? hash : hashThreadState(state, { version });
      if (recorded !== full) throw new ReplayCheckError(threadId, e.revision, 'recorded', recorded, full, e.type);
    }
  }
  let comparedLive = false;
  if (options.runtime) {
    let live;
    try {
      live = options.runtime.state(threadId);
    } catch (err) {
      if (!isThreadNotFoundError(err)) throw err;
      live = undefined; // not loaded in that runtime
    }
    if (live) {
      comparedLive = true;
      const liveHash = hashThreadState(summaryState(live));
      if (live.revision !== state.revision || liveHash !== hash) throw new ReplayCheckError(threadId, live.revision, 'live', liveHash, hash, `live revision ${live.revision}, log revision ${state.revision}`);
    }
  }
  return { facts: Number(state.revision + 1n), recordedHashes, comparedLive, finalHash: hash };
}
