/**
 * Input-dependent approvals: an action's `approvalReason(input)` (e.g. `fs.write` outside the
 * allowed paths of a model-planned thread) asks a human before that run only. Pure.
 */
import type { Action } from '../actions/action.ts';

/**
 * Why the step's run of `action` needs a human, from `action.approvalReason` on its input, or
 * undefined. `input()` gives the step input with output references resolved; when it throws, or the
 * input does not parse with `action.input`, no approval is asked: the attempt fails before the
 * action runs anyway. An `approvalReason` that throws asks for approval (fails safe).
 */
export function inputApprovalReason(action: Action | undefined, input: () => unknown): string | undefined {
  if (!action?.approvalReason) return undefined;
  let raw: unknown;
  try {
    raw = input();
  } catch {
    return undefined;
  }
  const parsed = action.input.safeParse(raw);
  if (!parsed.success) return undefined;
  try {
    return action.approvalReason(parsed.data);
  } catch (err) {
    return `its approval check failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}
