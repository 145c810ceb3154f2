/** Shared helpers of the executor tests: decide over a view and check every fact is legal for it. */
import { expect } from 'vitest';
import type { Action } from '../../src/actions/action.ts';
import type { FactDataInput, FactInput, FactType } from '../../src/facts/fact-types.ts';
import type { PlanRunView } from '../../src/executor/plan-run-view.ts';
import { scheduleNext, type ScheduleResult, type SchedulerContext } from '../../src/executor/scheduler.ts';
import { noopAction, registryOf } from '../support/plan-run-view-builder.ts';
import { applyFacts } from './apply-to-view.ts';

/** scheduleNext at `nowMs` (default 1000) with the given actions (default: noop); asserts the facts apply. */
export function decide(view: PlanRunView, opts: { nowMs?: number; actions?: Action[]; resolveInput?: SchedulerContext['resolveInput'] } = {}): ScheduleResult {
  const ctx: SchedulerContext = { nowMs: opts.nowMs ?? 1000, actions: registryOf(...(opts.actions ?? [noopAction])) };
  if (opts.resolveInput) ctx.resolveInput = opts.resolveInput;
  const result = scheduleNext(view, ctx);
  expect(() => applyFacts({ view }, result.facts)).not.toThrow();
  return result;
}

/** `Type:stepId` (or just `Type`) per fact, for compact assertions. */
export function summary(facts: readonly FactInput[]): string[] {
  return facts.map((f) => {
    const stepId = (f.data as { stepId?: string }).stepId;
    return stepId === undefined ? f.type : `${f.type}:${stepId}`;
  });
}

/** The data of the only fact of `type` in `facts`. */
export function only<T extends FactType>(facts: readonly FactInput[], type: T): FactDataInput<T> {
  const found = facts.filter((f) => f.type === type);
  expect(found).toHaveLength(1);
  return found[0]!.data as FactDataInput<T>;
}
