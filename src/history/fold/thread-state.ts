/**
 * The pure fold of a thread's facts: ThreadState = the snapshots of the thread machine, of every
 * interaction machine and of every step machine after the facts up to `revision`.
 *
 * How a fact is applied: each machine it concerns (see `applyFact`) takes it with `nextSnapshot`
 * (xstate-adapter.ts: the machine's pure transition through one reused inert actor
 * scope, several times cheaper than xstate's public `transition()`, which builds an actor per call).
 * Effects are never executed (the scope's action executor is a no-op; the machines only `assign`).
 * A fact is accepted by an actor iff the transition returns a different snapshot (xstate returns the
 * same object when no transition is enabled; equivalent to `snapshot.can(fact)` for these machines,
 * whose every enabled transition has a target or an action — checked by the unit tests).
 *
 * Facts that concern only the thread or an interaction copy nothing but the records they change;
 * record copies are shared copy-on-write within one `applyFacts` batch.
 *
 * Files: fold-types.ts (ThreadState, MachineSet, stepKey), route-fact.ts (which actors a fact goes
 * to), state-hash.ts (the incremental state hash), this module (applying facts, fold sessions).
 */
import type { Fact } from '../../facts/fact-types.ts';
import { ThreadRevisionError } from '../errors.ts';
import { defaultMachines, type FoldBatch, type FoldOptions, type ThreadState } from './fold-types.ts';
import { route } from './route-fact.ts';
import { deferHashes, runningHash, STATE_HASH_VERSION, tracksChanges, type RunningHash, type StateHashVersion } from './state-hash.ts';
import { initialSnapshot as initial } from './xstate-adapter.ts';

export {
  defaultMachines,
  stepKey,
  type FoldOptions,
  type InteractionSnapshot,
  type MachineSet,
  type StepSnapshot,
  type ThreadSnapshot,
  type ThreadState,
} from './fold-types.ts';
export { hashThreadState, stateHashVersion, STATE_HASH_VERSION, type HashThreadStateOptions, type StateHashVersion } from './state-hash.ts';

/** Creates the state of a thread before its first fact (thread machine in `new`). */
export function initialThreadState(threadId: string, options: FoldOptions = {}): ThreadState {
  const machines = options.machines ?? defaultMachines;
  return { threadId, revision: -1n, thread: initial(machines.thread, { threadId }), interactions: {}, steps: {} };
}

/**
 * A fold batch starting at `state`: a literal with every field, in one order (one hidden class for
 * every batch). Not `{ ...state, ownInteractions: false, … }`: V8 (node 20) gives each object made by
 * a spread followed by keys the source lacks a hidden class of its own, allocated in the old
 * generation, and what such an object points to then survives young collections until a full GC
 * (folding one fact per fresh state promoted ~3 MB of each ~14 MB the scavenger collected; none
 * with this literal).
 */
function foldBatch(state: ThreadState, changed: FoldBatch['changed']): FoldBatch {
  return {
    threadId: state.threadId,
    revision: state.revision,
    thread: state.thread,
    interactions: state.interactions,
    steps: state.steps,
    ownInteractions: false,
    ownSteps: false,
    stepWriter: undefined,
    interactionWriter: undefined,
    changed,
  };
}

function foldInto(state: ThreadState, facts: readonly Fact[], firstRevision: bigint, options: FoldOptions): ThreadState {
  if (firstRevision !== state.revision + 1n) {
    throw new ThreadRevisionError(state.threadId, firstRevision, `fact applied out of order: the state is at revision ${state.revision}`);
  }
  const m = options.machines ?? defaultMachines;
  const d = foldBatch(state, tracksChanges(state) ? new Map() : undefined);
  for (let i = 0; i < facts.length; i++) {
    d.revision = firstRevision + BigInt(i);
    route(d, m, facts[i]!);
  }
  const next: ThreadState = { threadId: d.threadId, revision: d.revision, thread: d.thread, interactions: d.interactions, steps: d.steps };
  if (d.changed !== undefined) deferHashes(state, next, d.changed);
  return next;
}

/**
 * Applies one fact at `revision` to every actor it concerns (see `route` in route-fact.ts); returns a NEW
 * state (the input is untouched).
 * @throws IllegalTransitionError an actor it targets does not accept it, does not exist, or (creation
 *   facts) already exists.
 * @throws ThreadRevisionError `revision` is not `state.revision + 1`.
 */
export function applyFact(state: ThreadState, fact: Fact, revision: bigint, options: FoldOptions = {}): ThreadState {
  return foldInto(state, [fact], revision, options);
}

/** Applies a batch at revisions `state.revision + 1, +2, …`; all or nothing. Same errors as applyFact. */
export function applyFacts(state: ThreadState, facts: readonly Fact[], options: FoldOptions = {}): ThreadState {
  if (facts.length === 0) return state;
  return foldInto(state, facts, state.revision + 1n, options);
}

/** A mutable fold over many facts (see `foldSession`). */
export interface FoldSession {
  /** Applies the next fact (revision = current + 1). After a throw the session must be dropped. */
  apply(fact: Fact): void;
  /**
   * Hash of the current state (as hashThreadState) in `version` (default STATE_HASH_VERSION); O(actors
   * changed since the last call) when that call asked the same version; the first call of a version
   * other than the previous call's digests every actor. Needs `hashing`.
   * @throws RangeError unknown `version`.
   */
  hash(version?: StateHashVersion): string;
  /** The current state as an immutable ThreadState; the session stays usable (it copies records again on the next write). */
  state(): ThreadState;
  /**
   * The current state for reading at once, without sealing it: its records are the session's own and
   * change on the next `apply`, so it must not be kept, hashed or compared across applies (use
   * `state()` for that). Costs nothing: reading between applies does not force the next apply to
   * copy the interaction/step records.
   */
  peek(): ThreadState;
}

/**
 * A fold session: applies facts one at a time without copying the interaction/step records per fact
 * (they are copied once, on the first write after creation or after `state()`), and, with `hashing`,
 * keeps the state hash up to date incrementally. This is what verified replay uses: applyFact +
 * hashThreadState per fact would copy the step record once per fact (quadratic on long threads).
 */
export function foldSession(start: ThreadState, options: FoldOptions & { hashing?: boolean } = {}): FoldSession {
  const m = options.machines ?? defaultMachines;
  const d = foldBatch(start, options.hashing ? new Map() : undefined);
  // The start's accumulator is taken on the first `hash()`: a session that appends nothing (a runner's
  // batch of effect bookkeeping, a resume after rehydration) never digests the whole state. One
  // version is kept up to date at a time: the one the last `hash()` asked for.
  let running: RunningHash | undefined;
  let peeked: ThreadState | undefined;
  return {
    apply(fact) {
      peeked = undefined;
      d.revision += 1n;
      route(d, m, fact);
    },
    peek() {
      peeked ??= { threadId: d.threadId, revision: d.revision, thread: d.thread, interactions: d.interactions, steps: d.steps };
      return peeked;
    },
    hash(version = STATE_HASH_VERSION) {
      if (d.changed === undefined) throw new Error('foldSession: created without hashing');
      if (running === undefined) running = runningHash(version, start, d);
      else if (running.version !== version) {
        running = runningHash(version, undefined, d);
        d.changed.clear();
      }
      const text = running.update(d, d.changed);
      d.changed.clear();
      return text;
    },
    state() {
      const out: ThreadState = { threadId: d.threadId, revision: d.revision, thread: d.thread, interactions: d.interactions, steps: d.steps };
      d.ownInteractions = false;
      d.ownSteps = false;
      if (running !== undefined && d.changed !== undefined && d.changed.size === 0) running.rememberFor(out);
      return out;
    },
  };
}
