/**
 * Test helper: a tiny, strict state applier — applies one executor fact to a PlanRunView the way the
 * task/interaction machines of runtime-design.md would, and throws on any fact they would refuse.
 * Every fact is also validated against its zod schema (ids, integer times, ...).
 * Not product code: the real fold is src/history/fold/thread-state.ts.
 */
import { FACT_SCHEMAS, type FactInput } from '../../src/facts/fact-types.ts';
import type { PlanRunView, TaskView } from '../../src/executor/plan-run-view.ts';

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
  const task: TaskView | undefined = stepId === undefined ? undefined : view.tasks[stepId];
  if (stepId !== undefined && !task) illegal(fact, 'unknown step');
  const settle = (t: TaskView, cost: number): void => {
    if (view.budget) view.budget = { ...view.budget, spentUsd: view.budget.spentUsd + cost, reservedUsd: view.budget.reservedUsd - t.reservedUsd };
    t.spentUsd += cost;
    t.reservedUsd = 0;
  };
  switch (fact.type) {
    case 'StepReady':
      if (task!.status !== 'pending') illegal(fact, `task is ${task!.status}`);
      task!.status = 'ready';
      break;
    case 'ApprovalRequested':
      if (!task) {
        if (view.planApproval.status !== 'none') illegal(fact, `plan approval is ${view.planApproval.status}`);
        view.planApproval = { status: 'requested', approvalId: fact.data.approvalId, requestedAtMs: fact.data.requestedAtMs, timeoutMs: fact.data.timeoutMs };
        break;
      }
      if (task.status !== 'pending' && task.status !== 'ready') illegal(fact, `task is ${task.status}`);
      if (fact.data.scope === 'plan') illegal(fact, 'plan scope with a step');
      task.status = 'waiting_approval';
      task.approval = { approvalId: fact.data.approvalId, scope: fact.data.scope, status: 'requested', requestedAtMs: fact.data.requestedAtMs, timeoutMs: fact.data.timeoutMs };
      break;
    case 'ApprovalGranted':
    case 'ApprovalRejected': {
      const granted = fact.type === 'ApprovalGranted';
      if (!task) {
        if (view.planApproval.status !== 'requested' || view.planApproval.approvalId !== fact.data.approvalId) illegal(fact, 'no such pending plan approval');
        view.planApproval = { ...view.planApproval, status: granted ? 'granted' : 'rejected' };
        break;
      }
      if (task.status !== 'waiting_approval' || task.approval?.approvalId !== fact.data.approvalId) illegal(fact, 'no such pending step approval');
      task.approval = { ...task.approval, status: granted ? 'granted' : 'rejected' };
      task.status = granted ? 'ready' : 'cancelled';
      break;
    }
    case 'StepStarted':
      if (task!.status !== 'ready') illegal(fact, `task is ${task!.status}`);
      if (fact.data.attempt !== task!.attempts + 1) illegal(fact, `attempt ${fact.data.attempt} after ${task!.attempts}`);
      task!.status = 'running';
      task!.attempts = fact.data.attempt;
      task!.startedAtMs = fact.data.startedAtMs;
      task!.reservedUsd = fact.data.reservedUsd ?? 0;
      if (view.budget) view.budget = { ...view.budget, reservedUsd: view.budget.reservedUsd + task!.reservedUsd };
      break;
    case 'StepCompleted':
      if (task!.status !== 'running' || fact.data.attempt !== task!.attempts) illegal(fact, `task is ${task!.status}/${task!.attempts}`);
      settle(task!, fact.data.costUsd ?? 0);
      task!.status = 'completed';
      task!.output = fact.data.output;
      break;
    case 'StepFailed': {
      const t = task!;
      if (t.status !== 'running' || fact.data.attempt !== t.attempts) illegal(fact, `task is ${t.status}/${t.attempts}`);
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
      if (!['pending', 'ready', 'waiting_approval', 'running'].includes(task!.status)) illegal(fact, `task is ${task!.status}`);
      settle(task!, fact.data.costUsd ?? 0);
      task!.status = 'cancelled';
      break;
    case 'BudgetWarned':
      if (!view.budget || view.budget.warned) illegal(fact, 'no budget or already warned');
      view.budget = { ...view.budget, warned: true };
      break;
    case 'PlanFinished':
      if (Object.values(view.tasks).some((t) => !['completed', 'failed', 'cancelled'].includes(t.status))) illegal(fact, 'tasks still live');
      next.finished = fact.data.outcome;
      break;
    default:
      illegal(fact, 'not an executor fact');
  }
  return next;
}

/** Applies facts in order. */
export function applyFacts(state: SimState, facts: readonly FactInput[]): SimState {
  return facts.reduce(applyFact, state);
}
