/** The scheduler's static pause points (interruptBefore / interruptAfter), decided over hand-built views. */
import { describe, expect, it } from 'vitest';
import type { PlanRunView } from '../../src/executor/plan-run-view.ts';
import { scheduleNext } from '../../src/executor/scheduler.ts';
import { buildView, noopAction, registryOf, step, type ViewSpec } from '../support/plan-run-view-builder.ts';
import { summary } from './helpers.ts';

const ready = { status: 'ready' as const };
const running = { status: 'running' as const, attempts: 1 };
const completed = { status: 'completed' as const, attempts: 1, output: { ok: true } };
const failed = { status: 'failed' as const, attempts: 1 };

function view(spec: ViewSpec, pauses: Pick<PlanRunView, 'pausedBefore' | 'pausedAfter'> = {}): PlanRunView {
  return { ...buildView(spec), ...pauses };
}

const decide = (v: PlanRunView, nowMs = 1000) => scheduleNext(v, { nowMs, actions: registryOf(noopAction) });

describe('before_step', () => {
  it('records Interrupted before_step instead of the start layer, then starts the step once the pause is recorded', () => {
    const spec: ViewSpec = { plan: { steps: [step('a', { interruptBefore: true }), step('b')] }, steps: { a: ready, b: ready } };
    const first = decide(view(spec));
    expect(first.facts).toEqual([
      { type: 'Interrupted', data: { interactionId: 'i1', kind: 'before_step', stepId: 'a', reason: "paused before step 'a' starts (interruptBefore)" } },
    ]);
    // b would have started in the same layer: nothing starts while the pause is due
    expect(summary(decide(view(spec, { pausedBefore: ['a'] })).facts)).toEqual(['StepStarted:a', 'StepStarted:b']);
  });

  it('does not pause a step that would not start yet: dependencies, no free slot, approval, retry backoff', () => {
    const deps = view({ plan: { steps: [step('a'), step('b', { dependsOn: ['a'], interruptBefore: true })] }, steps: { a: running } });
    expect(decide(deps).facts).toEqual([]);
    const full = view({ plan: { maxConcurrency: 1, steps: [step('a'), step('b', { interruptBefore: true })] }, steps: { a: running, b: ready } });
    expect(decide(full).facts).toEqual([]);
    const approval = view({ plan: { steps: [step('a', { interruptBefore: true, requiresApproval: true })] }, steps: { a: ready } });
    expect(summary(decide(approval).facts)).toEqual(['ApprovalRequested:a']);
    const granted = view({
      plan: { steps: [step('a', { interruptBefore: true, requiresApproval: true })] },
      steps: { a: { ...ready, approval: { approvalId: 'x', scope: 'step', status: 'granted', requestedAtMs: 0 } } },
    });
    expect(summary(decide(granted).facts)).toEqual(['Interrupted:a']);
    const backoff = view({ plan: { steps: [step('a', { interruptBefore: true })] }, steps: { a: { ...ready, readyAtMs: 5000 } } });
    expect(decide(backoff, 1000)).toEqual({ facts: [], wakeAtMs: 5000 });
    expect(summary(decide(backoff, 5000).facts)).toEqual(['Interrupted:a']);
  });

  it('pauses once per step: not again before a retry attempt', () => {
    const retrying = view(
      { plan: { steps: [step('a', { interruptBefore: true, retry: { maxAttempts: 3 } })] }, steps: { a: { status: 'ready', attempts: 1 } } },
      { pausedBefore: ['a'] },
    );
    expect(summary(decide(retrying).facts)).toEqual(['StepStarted:a']);
  });

  it('two paused steps ready together pause one after the other, in start order', () => {
    const spec: ViewSpec = { plan: { steps: [step('a', { interruptBefore: true }), step('b', { interruptBefore: true, priority: 5 })] }, steps: { a: ready, b: ready } };
    expect(summary(decide(view(spec)).facts)).toEqual(['Interrupted:b']);
    expect(summary(decide(view(spec, { pausedBefore: ['b'] })).facts)).toEqual(['Interrupted:a']);
    expect(summary(decide(view(spec, { pausedBefore: ['b', 'a'] })).facts)).toEqual(['StepStarted:b', 'StepStarted:a']);
  });

  it('a pause recorded by an after_step of the same step does not count as before', () => {
    const v = view({ plan: { steps: [step('a', { interruptBefore: true })] }, steps: { a: ready } }, { pausedAfter: ['a'] });
    expect(summary(decide(v).facts)).toEqual(['Interrupted:a']);
  });
});

describe('after_step', () => {
  it('records Interrupted after_step once the step completed, before its dependents start', () => {
    const spec: ViewSpec = { plan: { steps: [step('a', { interruptAfter: true }), step('b', { dependsOn: ['a'] })] }, steps: { a: completed } };
    expect(decide(view(spec)).facts).toEqual([
      { type: 'Interrupted', data: { interactionId: 'i1', kind: 'after_step', stepId: 'a', reason: "paused after step 'a' completed (interruptAfter)" } },
    ]);
    expect(summary(decide(view(spec, { pausedAfter: ['a'] })).facts)).toEqual(['StepStarted:b']);
  });

  it('the last step pauses before PlanFinished', () => {
    const spec: ViewSpec = { plan: { steps: [step('a', { interruptAfter: true })] }, steps: { a: completed } };
    expect(summary(decide(view(spec)).facts)).toEqual(['Interrupted:a']);
    expect(summary(decide(view(spec, { pausedAfter: ['a'] })).facts)).toEqual(['PlanFinished']);
  });

  it('no pause while running, after a failure, or once halted', () => {
    const steps = [step('a', { interruptAfter: true })];
    expect(decide(view({ plan: { steps }, steps: { a: running } })).facts).toEqual([]);
    expect(summary(decide(view({ plan: { steps }, steps: { a: failed } })).facts)).toEqual(['PlanFinished']);
    const halted = view({ plan: { steps: [...steps, step('b')] }, steps: { a: completed, b: running }, halted: true });
    expect(summary(decide(halted).facts)).toEqual(['StepCancelled:b']);
  });

  it('comes before the failure policy and before a due before_step pause (plan order among after pauses)', () => {
    const spec: ViewSpec = {
      plan: { steps: [step('x'), step('a', { interruptAfter: true }), step('c', { interruptAfter: true }), step('d', { interruptBefore: true })] },
      steps: { x: failed, a: completed, c: completed, d: ready },
    };
    expect(summary(decide(view(spec)).facts)).toEqual(['Interrupted:a']);
    expect(summary(decide(view(spec, { pausedAfter: ['a'] })).facts)).toEqual(['Interrupted:c']);
    // then fail_fast cancels d (x failed): it never starts, so it never pauses
    expect(summary(decide(view(spec, { pausedAfter: ['a', 'c'] })).facts)).toEqual(['StepCancelled:d']);
  });

  it('a budget warning rides along with the pause', () => {
    const v = view({ plan: { steps: [step('a', { interruptAfter: true })] }, steps: { a: completed }, budget: { limitUsd: 1, spentUsd: 0.95 } });
    expect(summary(decide(v).facts)).toEqual(['BudgetWarned', 'Interrupted:a']);
  });
});
