/**
 * Pure reads and updates of an interaction's context (`InteractionContext` of interaction.types.ts)
 * that the interaction machine's guards and actions call: its plans (the current plan, a plan's
 * steps by id, the action of a step), the approvals on its plans, and the observations its settled
 * steps add. None of them modifies its arguments.
 *
 * These functions are defined outside the machine's config and implementations, so the snapshot
 * cache's machine hash (src/history/snapshot-cache/snapshot-cache-machines.ts) adds their source
 * text, `INTERACTION_CONTEXT_SOURCE`: changing one of them is other machine code, and snapshots
 * folded by the old one are not reused.
 */
import type { FactData } from '../src/facts/fact-types.ts';
import type { StepSpec } from '../src/plan/plan-schema.ts';
import type { AcceptedPlan, InteractionContext, InteractionEvent, Observation, PlanApproval } from './interaction.types.ts';

/** The plan `currentPlanId` names, or undefined when none is current (or it is not in `plans`). O(plans). */
export const currentPlan = (c: InteractionContext): AcceptedPlan | undefined =>
  c.currentPlanId === undefined ? undefined : c.plans.find((p) => p.planId === c.currentPlanId);

/**
 * A plan's steps by id (the first of a repeated id, as `find`), memoised on the steps array in a
 * non-enumerable symbol property (invisible to JSON, spreads, `Object.keys` and the state digests):
 * plans are never mutated, and a step outcome must not cost a pass over a large plan. Not a WeakMap:
 * V8's young-generation collections keep a WeakMap entry's value alive whatever its key, so every
 * plan read would survive into the old generation. A frozen array (built by hand) gets a fresh
 * index per call. O(steps) on the first call per array, then O(1).
 */
const STEPS_BY_ID = Symbol('stepsById');
export function stepById(steps: readonly StepSpec[]): Map<string, StepSpec> {
  const holder = steps as readonly StepSpec[] & { [STEPS_BY_ID]?: Map<string, StepSpec> };
  let byId = holder[STEPS_BY_ID];
  if (byId === undefined) {
    byId = new Map();
    for (let i = steps.length - 1; i >= 0; i--) byId.set(steps[i]!.id, steps[i]!);
    if (Object.isExtensible(steps)) Object.defineProperty(steps, STEPS_BY_ID, { value: byId });
  }
  return byId;
}

/** The action of step `stepId` of the current plan; '' when there is no current plan or no such step. */
export const actionOf = (context: InteractionContext, stepId: string): string => {
  const plan = currentPlan(context);
  return plan === undefined ? '' : (stepById(plan.plan.steps).get(stepId)?.action ?? '');
};

/**
 * `plans` with the approval of plan `planId` replaced by `f(its approval)` (a new plan object; the
 * plan is kept as is when `f` returns undefined, and every other plan is kept). A new array.
 */
export const setPlanApproval = (plans: AcceptedPlan[], planId: string, f: (a: PlanApproval | undefined) => PlanApproval | undefined): AcceptedPlan[] =>
  plans.map((p) => {
    if (p.planId !== planId) return p;
    const approval = f(p.approval);
    return approval === undefined ? p : { ...p, approval };
  });

/** The approval a StepCancelled withdraws (pending in this interaction), if any. */
export const withdrawnApproval = (context: InteractionContext, event: InteractionEvent): string | undefined => {
  if (event.type !== 'StepCancelled' || !('pendingApprovalId' in event)) return undefined;
  const id = event.pendingApprovalId;
  return id !== undefined && context.pendingApprovals.includes(id) ? id : undefined;
};

/** Why an ApprovalRejected cancelled its step (the observation's error after `cancelled: `). */
export const rejectionReason = (d: FactData<'ApprovalRejected'>): string =>
  `${d.timedOut ? 'approval timed out' : `rejected by ${d.by}`}${d.reason !== undefined ? `: ${d.reason}` : ''}`;

/**
 * The observation a step outcome (StepCompleted, StepFailed or StepCancelled of step `stepId` of
 * plan `planId`) records: completed with its output, failed with its error message, or cancelled with
 * `cancelled: <reason>` (and its partial output, if any). `action`: the step's action.
 */
export const outcomeObservation = (event: Extract<InteractionEvent, { type: 'StepCompleted' | 'StepFailed' | 'StepCancelled' }>, action: string): Observation => {
  const { planId, stepId } = event.data;
  // Object literals, not a spread of a shared base: V8 gives each object built by `{ ...base, k: v }`
  // here a hidden class of its own, which an observation keeps for the thread's lifetime.
  if (event.type === 'StepCompleted') return { planId, stepId, action, status: 'completed', output: event.data.output };
  if (event.type === 'StepFailed') return { planId, stepId, action, status: 'failed', error: event.data.error.message };
  const error = `cancelled: ${event.data.reason}`;
  const partial = event.data.partialOutput;
  return partial !== undefined ? { planId, stepId, action, status: 'cancelled', error, output: partial } : { planId, stepId, action, status: 'cancelled', error };
};

/**
 * The source text of this module's functions (each as `String(fn)` gives it, one per line). The
 * interaction machine calls them from outside its definition, so the snapshot cache's machine hash
 * adds this text (see the module doc).
 */
export const INTERACTION_CONTEXT_SOURCE: string = [currentPlan, stepById, actionOf, setPlanApproval, withdrawnApproval, rejectionReason, outcomeObservation]
  .map(String)
  .join('\n');
