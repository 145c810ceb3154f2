/**
 * A step's `dependsOn`, in either of its forms:
 * - an array of step ids (an all-join): the step waits until every one of them completed;
 * - `{ any: [ids] }` (an any-join): the step waits until the first of them completed (the winner);
 *   the others, when not yet final, are cancelled with reason `superseded`, and the step's input may
 *   read the winner's output as `{{steps.$winner.output…}}` (refs.ts).
 *
 * The winner is the first candidate, in `any` order, whose status is `completed` when the scheduler
 * makes the join ready: the scheduler runs after every recorded outcome, so it is the candidate that
 * completed first (candidates completing in the same batch are ordered as listed). It is recorded in
 * the join's `StepReady.winner` and follows from the facts alone, so replay decides the same.
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
