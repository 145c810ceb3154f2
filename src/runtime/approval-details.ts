/**
 * What a pending approval is for, as plain data for the CLI (prompt, `show`, `--json` outcomes):
 * the action and the input of a step or budget approval, the steps of a plan approval, and who
 * planned it. Everything comes from recorded facts: the step approval's `subject` (action and input
 * resolved when the approval was asked, see ApprovalRequested), the plan (PlanAccepted) and the
 * planner descriptor (ThreadOpened). Pure.
 */
import { pendingApprovals, type PendingApproval } from './decide-control.ts';
import type { ThreadState } from '../history/fold/thread-state.ts';
import { planRunView, threadView } from '../history/fold/views.ts';

/** Who produced the plan: a plan file (static planner), a model, or a planner of another kind. */
export type PlannedBy =
  | { kind: 'plan_file'; file: string }
  | { kind: 'model'; provider: string; model: string }
  | { kind: 'other'; planner: string };

/** One step of a plan-scoped approval, as planned (input references unresolved). */
export interface PlanStepSummary {
  stepId: string;
  action: string;
  input: Record<string, unknown>;
  dependsOn: string[];
}

/** A pending approval with what it approves. */
export interface ApprovalDetails extends PendingApproval {
  /** Step and budget scopes: the step's action. */
  action?: string;
  /**
   * Step and budget scopes: the input the step runs with. `inputResolved` true: recorded with the
   * request, references resolved; false: the planned input (the request predates recording it, or
   * a reference could not be resolved: `unresolved` says why).
   */
  input?: unknown;
  inputResolved?: boolean;
  unresolved?: string;
  /** Plan scope: the plan's steps, in plan order. */
  steps?: PlanStepSummary[];
  plannedBy: PlannedBy;
}

/** The planner of a thread from its recorded descriptor (`ThreadOpened.planner`). */
export function plannedByOf(planner: { kind: string; config?: unknown } | undefined): PlannedBy {
  const config = typeof planner?.config === 'object' && planner.config !== null ? (planner.config as Record<string, unknown>) : {};
  if (planner?.kind === 'static' && typeof config['file'] === 'string') return { kind: 'plan_file', file: config['file'] };
  if (planner !== undefined && typeof config['model'] === 'string') return { kind: 'model', provider: planner.kind, model: config['model'] };
  return { kind: 'other', planner: planner?.kind ?? 'unknown' };
}

/** `p` with its details (see ApprovalDetails). @throws ActorNotFoundError when `p` names no plan of `state`. */
export function approvalDetails(state: ThreadState, p: PendingApproval): ApprovalDetails {
  const plannedBy = plannedByOf(threadView(state).planner);
  const view = planRunView(state, p.interactionId, p.planId);
  if (p.stepId === undefined) {
    const steps = view.plan.steps.map((s) => ({ stepId: s.id, action: s.action, input: s.input, dependsOn: s.dependsOn }));
    return { ...p, steps, plannedBy };
  }
  const step = view.plan.steps.find((s) => s.id === p.stepId);
  const subject = view.steps[p.stepId]?.approval?.subject;
  if (subject !== undefined) {
    const resolved = subject.unresolved === undefined;
    return { ...p, action: subject.action, input: subject.input, inputResolved: resolved, ...(resolved ? {} : { unresolved: subject.unresolved }), plannedBy };
  }
  return { ...p, action: step?.action ?? 'unknown', input: step?.input ?? {}, inputResolved: false, plannedBy };
}

/** Every pending approval of the thread's live interactions with its details (order of `pendingApprovals`). */
export function pendingApprovalDetails(state: ThreadState): ApprovalDetails[] {
  return pendingApprovals(state).map((p) => approvalDetails(state, p));
}
