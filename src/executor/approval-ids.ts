/**
 * Deterministic approval ids: derived from the view (interaction, plan, step, attempt), never random,
 * so deciding again over the same view yields the same id and replay is exact. Ids match the fact
 * `Id` pattern (1–128 of [A-Za-z0-9_.:-]); a longer composition keeps its first 111 characters and
 * appends `.` plus 16 hex characters of its sha256, so distinct long ids stay distinct.
 */
import { createHash } from 'node:crypto';

const MAX_ID = 128;

function fit(id: string): string {
  if (id.length <= MAX_ID) return id;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 16);
  return `${id.slice(0, MAX_ID - 17)}.${hash}`;
}

/** Whole-plan gate: `<interactionId>.<planId>.plan`. */
export function planApprovalId(interactionId: string, planId: string): string {
  return fit(`${interactionId}.${planId}.plan`);
}

/**
 * Step gate (step or action requires approval) before attempt `attempt` (1-based):
 * `<interactionId>.<planId>.<stepId>.step.a<attempt>`.
 */
export function stepApprovalId(interactionId: string, planId: string, stepId: string, attempt: number): string {
  return fit(`${interactionId}.${planId}.${stepId}.step.a${attempt}`);
}

/**
 * Budget gate (the attempt would exceed the budget) before attempt `attempt` (1-based):
 * `<interactionId>.<planId>.<stepId>.budget.a<attempt>`. A granted budget approval covers only the
 * attempt its id names.
 */
export function budgetApprovalId(interactionId: string, planId: string, stepId: string, attempt: number): string {
  return fit(`${interactionId}.${planId}.${stepId}.budget.a${attempt}`);
}
