/**
 * The projection contract: a pure left fold over recorded facts.
 *
 * A projection turns the fact log into a read model (step table, plan DAG, costs, thread list).
 * Because it is a pure fold, it can be rebuilt from the start of the log at any time and the result
 * must equal what was built incrementally, whatever the batching — the property tests in
 * `test/projections/` check exactly that, on generated histories.
 *
 * Rules every projection follows:
 * - `evolve(state, fact)` is pure: no I/O, no clock, no randomness; time comes from the fact
 *   (`metadata.recordedAt`, or the runtime times carried in the payload).
 * - `evolve` never mutates `state` (nor the fact): it returns a new object, sharing the untouched
 *   parts (structural sharing). Callers may therefore keep old states (as-of views, rxjs
 *   subscribers) and the tests deep-freeze every state to enforce it. Returning the very same
 *   object means "nothing changed".
 * - States are JSON-serialisable plain data: objects, arrays, strings, finite numbers, booleans,
 *   null; no `undefined`-valued keys, no bigint (revisions and positions are stored as numbers,
 *   exact up to 2^53), no Map/Set/Date. `JSON.parse(JSON.stringify(s))` deep-equals `s`, so a
 *   persisted state reloads as the same value.
 * - Collections that grow with the log (threads, interactions) should not be plain records: copying
 *   an N-key record per fact makes a rebuild quadratic. The projections in `projections/` keep them
 *   in a persistent keyed map (`projections/shared/keyed-map.ts`), still plain JSON data.
 * - `evolve` throws (any Error) on a fact it cannot apply (e.g. a step of an unknown plan); the
 *   projector then wraps it in a `ProjectionError` and stops without skipping the fact.
 * - Bump `version` whenever `evolve` or the state shape changes: persisted copies with another
 *   version are discarded and rebuilt from the start of the log.
 */
import type { RecordedFact } from '../facts/fact-types.ts';

/** "Nothing applied yet": the checkpoint before the first event (store positions are ≥ 0: in-memory from 0, SQLite from 1). */
export const START_POSITION = -1n;

/** A named, versioned pure fold over facts producing a state of type `S`. */
export interface Projection<S> {
  /** Unique, stable name (the persisted row's key), e.g. `steps`. */
  readonly name: string;
  /** Integer ≥ 1; bump to force a rebuild of persisted copies. */
  readonly version: number;
  /** State before any fact. Never mutated. */
  readonly initialState: S;
  /** Next state after `fact`. Pure; must not mutate `state`; throws when the fact cannot be applied. */
  evolve(state: S, fact: RecordedFact): S;
}

/**
 * Folds `facts` in order into `state` (default: the projection's initial state).
 * Errors thrown by `evolve` propagate unchanged (the projector wraps them; see `projector.ts`).
 * @returns the state after the last fact (the same object when `facts` is empty).
 */
export function foldFacts<S>(projection: Projection<S>, facts: Iterable<RecordedFact>, state: S = projection.initialState): S {
  let current = state;
  for (const fact of facts) current = projection.evolve(current, fact);
  return current;
}
