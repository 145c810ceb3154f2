/** Small pure helpers over a PlanRunView shared by the scheduler and the outcome decisions. */
import type { StepSpec } from '../plan/plan-schema.ts';
import { ExecutorArgumentError } from './errors.ts';
import type { StepStatus } from '../../machines/step-lifecycle.ts';
import type { PlanRunView, StepView } from './plan-run-view.ts';

/** Statuses a step never leaves. */
const TERMINAL: ReadonlySet<StepStatus> = new Set<StepStatus>(['completed', 'failed', 'cancelled']);

/** True for completed, failed and cancelled. */
export function isTerminal(status: StepStatus): boolean {
  return TERMINAL.has(status);
}

/** `{ interactionId, planId, stepId }`: the target fields every step fact carries. */
export function stepRef(view: PlanRunView, stepId: string): { interactionId: string; planId: string; stepId: string } {
  return { interactionId: view.interactionId, planId: view.planId, stepId };
}

/** A step of the plan: its spec, its state in the view and its position in the plan (0-based). */
export interface StepEntry {
  step: StepSpec;
  state: StepView;
  index: number;
}

/**
 * The plan's steps in plan order, each with its state.
 * @throws ExecutorArgumentError when a step has no state in `view.steps` (the view is malformed).
 */
export function stepEntries(view: PlanRunView): StepEntry[] {
  return view.plan.steps.map((step, index) => {
    const state = stepStateOf(view, step.id);
    if (!state) throw new ExecutorArgumentError(`plan ${view.planId}: step '${step.id}' has no state in the view`);
    return { step, state, index };
  });
}

/** The state of step `stepId` in `view`: through `view.stepState` when the view has it, else `view.steps`. */
export function stepStateOf(view: PlanRunView, stepId: string): StepView | undefined {
  return view.stepState !== undefined ? view.stepState(stepId) : view.steps[stepId];
}

/**
 * The spec and state of step `stepId`.
 * @throws ExecutorArgumentError when the plan has no such step or the view no state for it.
 */
export function findStep(view: PlanRunView, stepId: string): StepEntry {
  const index = stepIndex(view.plan.steps, stepId);
  const step = view.plan.steps[index];
  const state = stepStateOf(view, stepId);
  if (!step || !state) throw new ExecutorArgumentError(`plan ${view.planId} has no step '${stepId}'`);
  return { step, state, index };
}

/** Position of each step id in a plan's `steps` array, built once per array (plans are never mutated). */
const stepIndexes = new WeakMap<readonly StepSpec[], Map<string, number>>();

/**
 * Position (0-based) of `stepId` in `steps`, or -1: the first step with that id, as `findIndex` —
 * O(1) after the first call for the same array (a 1000-step plan is searched once per step outcome).
 */
export function stepIndex(steps: readonly StepSpec[], stepId: string): number {
  let index = stepIndexes.get(steps);
  if (index === undefined) {
    index = new Map();
    for (let i = steps.length - 1; i >= 0; i--) index.set(steps[i]!.id, i);
    stepIndexes.set(steps, index);
  }
  return index.get(stepId) ?? -1;
}

/**
 * Checks a time argument: a non-negative integer, ms since epoch (facts store integer times).
 * @throws ExecutorArgumentError naming `name` otherwise.
 */
export function checkTime(name: string, ms: number): void {
  if (!Number.isInteger(ms) || ms < 0) throw new ExecutorArgumentError(`${name} must be a non-negative integer (ms since epoch), got ${ms}`);
}

/** `$` and the amount rounded to 6 decimals, e.g. `$0.0125` (USD figures in reasons). */
export function formatUsd(usd: number): string {
  return `$${Math.round(usd * 1e6) / 1e6}`;
}

/**
 * Outputs of the completed steps of a plan, by step id: what `{{steps.<id>.output...}}` references
 * read (the scheduler resolves them once, into StepStarted.input).
 */
export function completedOutputs(view: PlanRunView): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  const index = view.index?.();
  if (index !== undefined) {
    // plan order, as the pass over `steps` below (a plan's step ids are distinct here)
    const steps = view.plan.steps;
    for (let i = 0; i < steps.length; i++) if (index.status[i] === 'completed') outputs[steps[i]!.id] = stepStateOf(view, steps[i]!.id)?.output;
    return outputs;
  }
  for (const [id, t] of Object.entries(view.steps)) if (t.status === 'completed') outputs[id] = t.output;
  return outputs;
}
