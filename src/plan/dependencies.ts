/**
 * A step's `dependsOn`, in either of its forms:
 * - an array of step ids (an all-join): the step waits until every one of them completed;
 * - `{ any: [ids] }` (an any-join): the step waits until the first of them completed (the winner);
 *   the others, when not yet final, are cancelled with reason `superseded`, and the step's input may
 *   read the winner's output as `{{steps.$winner.output…}}` (refs.ts).
 *
 * A step is ready (may start) once `dependenciesDone` holds: it is a function of the plan and the
 * statuses of its dependencies, so no fact records it (histories written before that carry a
 * `StepReady` fact per step, which the step machine still accepts).
 *
 * The winner is the first candidate, in `any` order, whose status is `completed`: the scheduler runs
 * after every recorded outcome and, in the same layer in which it sees the first candidate
 * completed, cancels the other candidates not yet final, so no other candidate can complete later
 * and the winner is the candidate that completed first by fact order (candidates completing in the
 * same append are ordered as listed). It follows from the facts alone, so replay decides the same
 * (older histories also name it in the join's `StepReady.winner`; nothing reads that field).
 */

/** The `dependsOn` of a step as written: an array of ids, or `{ any: ids }`. */
export type Dependencies = readonly string[] | { readonly any: readonly string[] };

/** The ids a step depends on, in either form (in the order written). */
export function dependencyIds(deps: Dependencies): readonly string[] {
  return Array.isArray(deps) ? deps : (deps as { any: readonly string[] }).any;
}

/** The candidates of an any-join, or undefined for an all-join. */
export function anyJoinCandidates(deps: Dependencies): readonly string[] | undefined {
  return Array.isArray(deps) ? undefined : (deps as { any: readonly string[] }).any;
}

/** The reference prefix a step uses for the winner of its any-join: `{{steps.$winner.output…}}`. */
export const WINNER_REF = '$winner';

/**
 * The winner of an any-join: the first of `candidates` whose status (by `statusOf`) is `completed`,
 * or undefined when none completed yet.
 */
export function anyJoinWinner(candidates: readonly string[], statusOf: (id: string) => string | undefined): string | undefined {
  return candidates.find((id) => statusOf(id) === 'completed');
}

/**
 * Whether a step with dependencies `deps` may start, given the status of each step (by `statusOf`):
 * an all-join when every dependency is `completed` (true for none), an any-join when one candidate is.
 */
export function dependenciesDone(deps: Dependencies, statusOf: (id: string) => string | undefined): boolean {
  if (!Array.isArray(deps)) return anyJoinWinner((deps as { any: readonly string[] }).any, statusOf) !== undefined;
  for (let i = 0; i < deps.length; i++) if (statusOf(deps[i]!) !== 'completed') return false;
  return true;
}
