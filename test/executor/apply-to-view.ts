/**
 * Test helper: a tiny, strict state applier — applies one executor fact to a PlanRunView the way the
 * step/interaction machines of runtime-design.md would, and throws on any fact they would refuse.
 * Statuses are the views' derived ones: a pending step whose dependencies are done shows `ready`
 * (after every fact); the executor records no StepReady, so one is refused here.
 * Every fact is also validated against its zod schema (ids, integer times, ...).
 * Not product code: the real fold is src/history/fold/thread-state.ts.
 */
import { FACT_SCHEMAS, type FactInput } from '../../src/facts/fact-types.ts';
import type { PlanRunView, StepView } from '../../src/executor/plan-run-view.ts';
import { deriveReadiness } from '../support/plan-run-view-builder.ts';

/** A view plus what the applier tracks beyond it. */
export interface SimState {
  view: PlanRunView;
  finished?: 'completed' | 'failed' | 'cancelled';
}

function illegal(fact: FactInput, why: string): never {
  throw new Error(`illegal ${fact.type} ${JSON.stringify(fact.data)}: ${why}`);
}

function maxAttempts(view: PlanRunView, stepId: string): number {
  return view.plan.steps.find((s) => s.id === stepId)?.retry?.maxAttempts ?? 1;
}

/** Applies `fact`; returns a new state (the input is not modified). Throws when the fact is illegal. */
export function applyFact(state: SimState, fact: FactInput): SimState {
  const parsed = FACT_SCHEMAS[fact.type].safeParse(fact.data);
  if (!parsed.success) illegal(fact, `schema: ${parsed.error.message}`);
  if (state.finished) illegal(fact, 'plan already finished');
  const view: PlanRunView = structuredClone(state.view);
  const next: SimState = { view };
  const d = fact.data as Record<string, unknown>;
  if (d.interactionId !== undefined && d.interactionId !== view.interactionId) illegal(fact, 'other interaction');
  if (d.planId !== undefined && d.planId !== view.planId) illegal(fact, 'other plan');
  const stepId = typeof d.stepId === 'string' ? d.stepId : undefined;
  const stepView: StepView | undefined = stepId === undefined ? undefined : view.steps[stepId];
  if (stepId !== undefined && !stepView) illegal(fact, 'unknown step');
  const settle = (t: StepView, cost: number): void => {
    if (view.budget) view.budget = { ...view.budget, spentUsd: view.budget.spentUsd + cost, reservedUsd: view.budget.reservedUsd - t.reservedUsd };
    t.spentUsd += cost;
    t.reservedUsd = 0;
  };
  switch (fact.type) {
    case 'ApprovalRequested':
      if (!stepView) {
        if (view.planApproval.status !== 'none') illegal(fact, `plan approval is ${view.planApproval.status}`);
        view.planApproval = { status: 'requested', approvalId: fact.data.approvalId, requestedAtMs: fact.data.requestedAtMs, timeoutMs: fact.data.timeoutMs };
        break;
      }
      if (stepView.status !== 'ready') illegal(fact, `step is ${stepView.status}`);
      if (fact.data.scope === 'plan') illegal(fact, 'plan scope with a step');
      stepView.status = 'waiting_approval';
      stepView.approval = { approvalId: fact.data.approvalId, scope: fact.data.scope, status: 'requested', requestedAtMs: fact.data.requestedAtMs, timeoutMs: fact.data.timeoutMs };
      break;
    case 'ApprovalGranted':
    case 'ApprovalRejected': {
      const granted = fact.type === 'ApprovalGranted';
      if (!stepView) {
        if (view.planApproval.status !== 'requested' || view.planApproval.approvalId !== fact.data.approvalId) illegal(fact, 'no such pending plan approval');
        view.planApproval = { ...view.planApproval, status: granted ? 'granted' : 'rejected' };
        break;
      }
      if (stepView.status !== 'waiting_approval' || stepView.approval?.approvalId !== fact.data.approvalId) illegal(fact, 'no such pending step approval');
      stepView.approval = { ...stepView.approval, status: granted ? 'granted' : 'rejected' };
      stepView.status = granted ? 'ready' : 'cancelled';
      break;
    }
    case 'StepStarted':
      if (stepView!.status !== 'ready') illegal(fact, `step is ${stepView!.status}`);
      if (fact.data.attempt !== stepView!.attempts + 1) illegal(fact, `attempt ${fact.data.attempt} after ${stepView!.attempts}`);
      stepView!.status = 'running';
      stepView!.attempts = fact.data.attempt;
      stepView!.startedAtMs = fact.data.startedAtMs;
      stepView!.reservedUsd = fact.data.reservedUsd ?? 0;
      if (view.budget) view.budget = { ...view.budget, reservedUsd: view.budget.reservedUsd + stepView!.reservedUsd };
      break;
    case 'StepCompleted':
      if (stepView!.status !== 'running' || fact.data.attempt !== stepView!.attempts) illegal(fact, `step is ${stepView!.status}/${stepView!.attempts}`);
      settle(stepView!, fact.data.costUsd ?? 0);
      stepView!.status = 'completed';
      stepView!.output = fact.data.output;
      break;
    case 'StepFailed': {
      const t = stepView!;
      if (t.status !== 'running' || fact.data.attempt !== t.attempts) illegal(fact, `step is ${t.status}/${t.attempts}`);
      settle(t, fact.data.costUsd ?? 0);
      t.error = fact.data.error;
      if (fact.data.retryAtMs === null) t.status = 'failed';
      else {
        if (t.attempts >= maxAttempts(view, t.stepId)) illegal(fact, 'retry beyond maxAttempts');
        t.status = 'ready';
        t.readyAtMs = fact.data.retryAtMs;
      }
      break;
    }
    case 'StepCancelled':
      if (!['pending', 'ready', 'waiting_approval', 'running'].includes(stepView!.status)) illegal(fact, `step is ${stepView!.status}`);
      settle(stepView!, fact.data.costUsd ?? 0);
      stepView!.status = 'cancelled';
      break;
    case 'BudgetWarned':
      if (!view.budget || view.budget.warned) illegal(fact, 'no budget or already warned');
      view.budget = { ...view.budget, warned: true };
      break;
    case 'PlanFinished':
      if (Object.values(view.steps).some((t) => !['completed', 'failed', 'cancelled'].includes(t.status))) illegal(fact, 'steps still live');
      next.finished = fact.data.outcome;
      break;
    default:
      illegal(fact, 'not an executor fact');
  }
  deriveReadiness(view);
  return next;
}

/** Applies facts in order. */
export function applyFacts(state: SimState, facts: readonly FactInput[]): SimState {
  return facts.reduce(applyFact, state);
}
