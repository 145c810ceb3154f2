/**
 * Turns a planner's `single_action` / `mini_plan` into a normalised plan ready to run, or the
 * normaliser's error as recorded data (it becomes a `PlanRejected` fact and an observation).
 * A `single_action` is a one-step plan with default settings.
 */
import type { ActionRegistry } from '../actions/registry.ts';
import type { ErrorInfo } from '../facts/facts/common.ts';
import { hasErrorCode, isOrchestralError } from '../errors/orchestral-error.ts';
import { normalizePlan } from '../plan/normalize.ts';
import type { PlanSpec } from '../plan/plan-schema.ts';
import type { PlannerOutput } from '../plan/planner-output.ts';

/** A plan accepted by the normaliser, or why not. */
export type NormalizeResult = { ok: true; plan: PlanSpec } | { ok: false; error: ErrorInfo };

/**
 * Normalises the plan of `output` against `actions`.
 * @returns `{ ok: false, error }` (with the normaliser's code and message naming step and field)
 *   for any plan error; never throws for bad plans. Unexpected errors (bugs) propagate.
 */
export function normalizeForRun(output: Extract<PlannerOutput, { kind: 'single_action' | 'mini_plan' }>, actions: ActionRegistry): NormalizeResult {
  const raw: unknown = output.kind === 'single_action' ? { steps: [output.step] } : output.plan;
  try {
    return { ok: true, plan: normalizePlan(raw, actions) };
  } catch (err) {
    if (!isOrchestralError(err)) throw err;
    const error: ErrorInfo = { message: err.message, code: err.code };
    if (hasErrorCode(err, 'PLAN_INVALID')) error.retryable = false;
    return { ok: false, error };
  }
}
