/**
 * Test helper: builds PlanRunViews by hand (the plan parsed with its zod schema so defaults apply),
 * plus tiny action registries, so executor tests need neither machines nor a store.
 */
import { z } from 'zod';
import { defineAction, type Action } from '../../src/actions/action.ts';
import type { BudgetView, PlanRunView, StepView } from '../../src/executor/plan-run-view.ts';
import { PlanSpec, type PlanSpecInput, type StepSpecInput } from '../../src/plan/plan-schema.ts';
import { dependenciesDone } from '../../src/plan/dependencies.ts';

/** What a test states about a view; everything not given gets a neutral default. */
export interface ViewSpec {
  plan: Omit<PlanSpecInput, 'steps'> & { steps: StepSpecInput[] };
  /** Step overrides by step id (default: pending, 0 attempts, nothing reserved or spent). */
  steps?: Record<string, Partial<StepView>>;
  planApproval?: PlanRunView['planApproval'];
  /** Budget in force; `limitUsd` required, the rest defaults to warnAt 0.9, onExceed approve, 0 spent/reserved, not warned. */
  budget?: Partial<BudgetView> & { limitUsd: number };
  halted?: boolean;
  threadId?: string;
  interactionId?: string;
  planId?: string;
}

/** A step with action `noop` unless overridden: `step('b', { dependsOn: ['a'] })`. */
export function step(id: string, rest: Partial<StepSpecInput> = {}): StepSpecInput {
  return { id, action: 'noop', ...rest };
}

/** A fresh pending step for `stepId`. */
export function pendingStep(stepId: string): StepView {
  return { stepId, status: 'pending', attempts: 0, reservedUsd: 0, spentUsd: 0 };
}

/**
 * Shows every pending step of `view` whose dependencies are done as `ready`, as the runtime's views
 * do (readiness is derived, no fact records it). Mutates `view.steps`.
 */
export function deriveReadiness(view: PlanRunView): void {
  for (const s of view.plan.steps) {
    const t = view.steps[s.id];
    if (t?.status === 'pending' && dependenciesDone(s.dependsOn, (id) => view.steps[id]?.status)) view.steps[s.id] = { ...t, status: 'ready' };
  }
}

/**
 * Builds the view (plan validated with PlanSpec: throws a ZodError on a bad test plan). A step
 * given as (or left) `pending` whose dependencies are done shows `ready` (`deriveReadiness`).
 */
export function buildView(spec: ViewSpec): PlanRunView {
  const plan = PlanSpec.parse(spec.plan);
  const steps: Record<string, StepView> = {};
  for (const s of plan.steps) steps[s.id] = { ...pendingStep(s.id), ...spec.steps?.[s.id] };
  const view: PlanRunView = {
    threadId: spec.threadId ?? 't1',
    interactionId: spec.interactionId ?? 'i1',
    planId: spec.planId ?? 'p1',
    plan,
    steps,
    planApproval: spec.planApproval ?? { status: 'none' },
    halted: spec.halted ?? false,
  };
  if (spec.budget) view.budget = { warnAt: 0.9, onExceed: 'approve', spentUsd: 0, reservedUsd: 0, warned: false, ...spec.budget };
  deriveReadiness(view);
  return view;
}

/** A registry over the given actions (only `get`, as the scheduler needs). */
export function registryOf(...actions: Action[]): { get(name: string): Action | undefined } {
  const byName = new Map(actions.map((a) => [a.name, a] as const));
  return { get: (name) => byName.get(name) };
}

/** `noop`: any object in, `{ ok: true }` out, free. */
export const noopAction = defineAction({
  name: 'noop',
  description: 'Does nothing.',
  input: z.record(z.string(), z.unknown()),
  output: z.object({ ok: z.boolean() }),
  run: async () => ({ ok: true }),
});
