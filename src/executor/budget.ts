/**
 * Budget decisions (USD): a step's cost estimate, whether starting it would exceed the budget in
 * force, and the one-time warning. Pure.
 *
 * Rule: before an attempt starts it reserves its estimate;
 * it would exceed the budget when `spent + reserved + estimate > limit`. Amounts are compared with a
 * tolerance of 1e-9 USD so float noise (0.1 + 0.2) never trips a limit.
 */
import type { ErrorInfo } from '../facts/facts/common.ts';
import type { FactInput } from '../facts/fact-types.ts';
import type { Action } from '../actions/action.ts';
import type { StepSpec } from '../plan/plan-schema.ts';
import type { BudgetView } from './plan-run-view.ts';
import { formatUsd } from './view-helpers.ts';

const EPSILON_USD = 1e-9;

/** An estimate in USD, or why none could be made. */
export type CostEstimate = { ok: true; usd: number } | { ok: false; error: ErrorInfo };

/**
 * The cost one attempt of `step` reserves, USD: `step.estimatedCostUsd`, else the action's
 * `estimateCost(input)` (on the input parsed by `action.input`; 0 when it does not parse — the
 * attempt then fails with ACTION_INPUT anyway), else 0.
 * An `estimateCost` that throws or returns a negative or non-finite number gives
 * `{ ok: false, error: { code: 'COST_ESTIMATE', retryable: false } }`.
 */
export function estimateStepCost(step: StepSpec, action: Action | undefined, input: unknown): CostEstimate {
  if (step.estimatedCostUsd !== undefined) return { ok: true, usd: step.estimatedCostUsd };
  if (!action?.estimateCost) return { ok: true, usd: 0 };
  const parsed = action.input.safeParse(input);
  if (!parsed.success) return { ok: true, usd: 0 };
  let usd: number;
  try {
    usd = action.estimateCost(parsed.data);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { code: 'COST_ESTIMATE', retryable: false, message: `step '${step.id}': action '${action.name}' estimateCost threw: ${message}` } };
  }
  if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0) {
    return { ok: false, error: { code: 'COST_ESTIMATE', retryable: false, message: `step '${step.id}': action '${action.name}' estimateCost returned ${String(usd)} (want a finite USD amount ≥ 0)` } };
  }
  return { ok: true, usd };
}

/**
 * Whether reserving `estimateUsd` on top of the budget's spend, its reservations and
 * `batchReservedUsd` (reservations decided earlier in the same scheduling call) exceeds the limit.
 * Returns the human-readable reason with the figures when it does, else undefined.
 */
export function budgetExcess(budget: BudgetView, batchReservedUsd: number, estimateUsd: number, stepId: string): string | undefined {
  const reserved = budget.reservedUsd + batchReservedUsd;
  const projected = budget.spentUsd + reserved + estimateUsd;
  if (projected <= budget.limitUsd + EPSILON_USD) return undefined;
  return (
    `budget: step '${stepId}' needs an estimated ${formatUsd(estimateUsd)}; spent ${formatUsd(budget.spentUsd)} + ` +
    `reserved ${formatUsd(reserved)} + ${formatUsd(estimateUsd)} = ${formatUsd(projected)} exceeds the limit ${formatUsd(budget.limitUsd)}`
  );
}

/** A BudgetWarned fact when spend reached `warnAt × limit` and no warning was recorded yet, else undefined. */
export function budgetWarning(budget: BudgetView | undefined): FactInput | undefined {
  if (!budget || budget.warned) return undefined;
  if (budget.spentUsd + EPSILON_USD < budget.warnAt * budget.limitUsd) return undefined;
  return { type: 'BudgetWarned', data: { spentUsd: budget.spentUsd, limitUsd: budget.limitUsd } };
}
