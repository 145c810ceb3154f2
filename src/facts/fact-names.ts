/**
 * The names of every fact type and the current schema version of each, without their schemas: what
 * code that only looks at a fact's `type` needs (decoding a recorded event into a fact, counting,
 * routing) without loading zod and the schemas (`fact-types.ts`). `fact-types.ts` checks at compile
 * time that this list and its schema table name the same types.
 */

/** All fact type names, in declaration order (the order of the schema table in `fact-types.ts`). */
export const FACT_TYPES = [
  'ThreadOpened', 'ThreadForked', 'ThreadClosed', 'InputReceived', 'PolicyApplied',
  'InteractionStarted', 'InputMerged', 'PlanningRequested', 'PlannerResponded', 'PlannerFailed',
  'PlanAccepted', 'PlanRejected', 'PlanFinished', 'InteractionCompleted', 'InputRequested',
  'InteractionFailed', 'InteractionCancelled', 'Interrupted', 'Resumed',
  'StepReady', 'StepStarted', 'StepProgressed', 'StepCompleted', 'StepFailed', 'StepCancelled',
  'ApprovalRequested', 'ApprovalGranted', 'ApprovalRejected',
  'BudgetExtended', 'BudgetWarned',
  'RouteEvaluated',
  'ModelSwitched',
] as const;

/** Name of a fact type, e.g. `StepStarted` (the same union as `FactType` of `fact-types.ts`). */
export type FactName = (typeof FACT_TYPES)[number];

/** Current schema version per fact type (≥ 1). */
export const FACT_VERSIONS: Record<FactName, number> = Object.fromEntries(
  FACT_TYPES.map((t) => [t, t === 'StepFailed' ? 2 : 1]),
) as Record<FactName, number>;

const names: ReadonlySet<string> = new Set(FACT_TYPES);

/** True when `type` names a known fact type. */
export function isFactType(type: string): type is FactName {
  return names.has(type);
}
