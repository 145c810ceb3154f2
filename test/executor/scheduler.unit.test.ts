import { describe, expect, it } from 'vitest';
import { isExecutorArgumentError } from '../../src/executor/errors.ts';
import { scheduleNext } from '../../src/executor/scheduler.ts';
import { buildView, noopAction, registryOf, step } from '../support/plan-run-view-builder.ts';
import { decide, only, summary } from './helpers.ts';

const ready = { status: 'ready' as const };
const running = { status: 'running' as const, attempts: 1 };
const completed = { status: 'completed' as const, attempts: 1, output: { ok: true } };
const failed = { status: 'failed' as const, attempts: 1 };
const cancelled = { status: 'cancelled' as const };

describe('readiness (derived: no fact)', () => {
  it('starts pending steps once every dependency completed, with no StepReady', () => {
    const view = buildView({ plan: { steps: [step('a'), step('b', { dependsOn: ['a'] }), step('c')] } });
    expect(view.steps.a!.status).toBe('ready');
    expect(view.steps.b!.status).toBe('pending');
    expect(summary(decide(view).facts)).toEqual(['StepStarted:a', 'StepStarted:c']);
    const later = buildView({
      plan: { steps: [step('a'), step('b'), step('c', { dependsOn: ['a', 'b'] })] },
      steps: { a: completed, b: running },
    });
    expect(decide(later).facts).toEqual([]);
    const done = buildView({ plan: { steps: [step('a'), step('b'), step('c', { dependsOn: ['a', 'b'] })] }, steps: { a: completed, b: completed } });
    expect(done.steps.c!.status).toBe('ready');
    expect(summary(decide(done).facts)).toEqual(['StepStarted:c']);
  });

  it('starts a step made ready by its dependencies beside one ready after a retry, by priority', () => {
    const view = buildView({ plan: { steps: [step('a'), step('b', { priority: 9 })] }, steps: { a: ready } });
    expect(summary(decide(view).facts)).toEqual(['StepStarted:b', 'StepStarted:a']);
  });
});

describe('starting', () => {
  it('starts a ready step with the deterministic idempotency key, its reservation and the time', () => {
    const view = buildView({ plan: { steps: [step('a', { estimatedCostUsd: 0.25 })] }, steps: { a: ready } });
    const data = only(decide(view, { nowMs: 5000 }).facts, 'StepStarted');
    expect(data).toEqual({ interactionId: 'i1', planId: 'p1', stepId: 'a', attempt: 1, idempotencyKey: 't1/i1/p1/a/1', reservedUsd: 0.25, startedAtMs: 5000 });
  });

  it('orders ready steps by priority, then plan order, within maxConcurrency', () => {
    const steps = [step('a'), step('b', { priority: 5 }), step('c', { priority: 5 }), step('d', { priority: 1 })];
    const views = { a: ready, b: ready, c: ready, d: ready };
    expect(summary(decide(buildView({ plan: { steps, maxConcurrency: 2 }, steps: views })).facts)).toEqual(['StepStarted:b', 'StepStarted:c']);
    expect(summary(decide(buildView({ plan: { steps, maxConcurrency: 3 }, steps: views })).facts)).toEqual(['StepStarted:b', 'StepStarted:c', 'StepStarted:d']);
    expect(summary(decide(buildView({ plan: { steps, maxConcurrency: 8 }, steps: views })).facts)).toEqual(['StepStarted:b', 'StepStarted:c', 'StepStarted:d', 'StepStarted:a']);
  });

  it('counts running steps against maxConcurrency', () => {
    const view = buildView({
      plan: { steps: [step('a'), step('b'), step('c'), step('d')], maxConcurrency: 3 },
      steps: { a: running, b: running, c: ready, d: ready },
    });
    expect(summary(decide(view).facts)).toEqual(['StepStarted:c']);
    const full = buildView({ plan: { steps: [step('a'), step('b')], maxConcurrency: 1 }, steps: { a: running, b: ready } });
    expect(decide(full)).toEqual({ facts: [] });
  });

  it('waits for a retry backoff (wakeAtMs) while lower-priority steps use the slot', () => {
    const view = buildView({
      plan: { steps: [step('a', { priority: 9, retry: { maxAttempts: 3 } }), step('b')], maxConcurrency: 1 },
      steps: { a: { status: 'ready', attempts: 1, readyAtMs: 1500 }, b: ready },
    });
    expect(decide(view, { nowMs: 1000 })).toEqual({ facts: [expect.objectContaining({ type: 'StepStarted' })], wakeAtMs: 1500 });
    expect(summary(decide(view, { nowMs: 1000 }).facts)).toEqual(['StepStarted:b']);
    const at = only(decide(view, { nowMs: 1500 }).facts, 'StepStarted');
    expect(at).toMatchObject({ stepId: 'a', attempt: 2, idempotencyKey: 't1/i1/p1/a/2' });
  });

  it('fails a step whose action is not registered: started and failed at once, nothing reserved, when a slot is free', () => {
    const view = buildView({ plan: { steps: [step('a', { action: 'nope', estimatedCostUsd: 1 })] }, steps: { a: ready } });
    const { facts } = decide(view, { nowMs: 3000 });
    expect(facts).toEqual([
      { type: 'StepStarted', data: { interactionId: 'i1', planId: 'p1', stepId: 'a', attempt: 1, idempotencyKey: 't1/i1/p1/a/1', reservedUsd: 0, startedAtMs: 3000 } },
      {
        type: 'StepFailed',
        data: {
          interactionId: 'i1', planId: 'p1', stepId: 'a', attempt: 1, retryInMs: null, retryAtMs: null, costUsd: 0, durationMs: 0,
          error: { code: 'UNKNOWN_ACTION', retryable: false, message: "step 'a': action 'nope' is not registered" },
        },
      },
    ]);
    const busy = buildView({ plan: { steps: [step('a', { action: 'nope' }), step('b')], maxConcurrency: 1 }, steps: { a: ready, b: running } });
    expect(decide(busy)).toEqual({ facts: [] });
  });

  it('records the resolved input when a resolver is given, and fails the step when resolution throws', () => {
    const steps = [step('a'), step('b', { dependsOn: ['a'], input: { x: '{{steps.a.output.ok}}' } })];
    const view = buildView({ plan: { steps }, steps: { a: completed, b: ready } });
    const resolveInput = (input: Record<string, unknown>, outputs: () => Record<string, unknown>) => ({ x: (outputs().a as { ok: boolean }).ok, raw: input.x });
    expect(only(decide(view, { resolveInput }).facts, 'StepStarted').input).toEqual({ x: true, raw: '{{steps.a.output.ok}}' });
    const broken = () => {
      throw Object.assign(new Error('no path ok.deep in steps.a.output'), { code: 'REF_NOT_FOUND' });
    };
    expect(only(decide(view, { resolveInput: broken }).facts, 'StepFailed').error).toEqual({ code: 'REF_NOT_FOUND', retryable: false, message: "step 'b': no path ok.deep in steps.a.output" });
  });

  it('is deterministic: the same view and time give the same facts', () => {
    const view = buildView({ plan: { steps: [step('a', { requiresApproval: true }), step('b'), step('c')], maxConcurrency: 1 }, steps: { a: ready, b: ready, c: ready } });
    expect(decide(view)).toEqual(decide(view));
  });
});

describe('failure policy', () => {
  const steps = [step('a'), step('b'), step('c', { dependsOn: ['a'] }), step('d', { dependsOn: ['c'] }), step('e'), step('f'), step('g')];

  it('fail_fast cancels every non-terminal step, running ones too, naming the failed step', () => {
    const view = buildView({
      plan: { steps, failurePolicy: 'fail_fast' },
      steps: { a: failed, b: running, e: { status: 'waiting_approval', approval: { approvalId: 'x', scope: 'step', status: 'requested', requestedAtMs: 0 } }, f: completed, g: ready },
    });
    const { facts } = decide(view);
    expect(summary(facts)).toEqual(['StepCancelled:b', 'StepCancelled:c', 'StepCancelled:d', 'StepCancelled:e', 'StepCancelled:g']);
    for (const f of facts) expect(f.data).toMatchObject({ reason: "fail_fast: step 'a' failed" });
  });

  it('continue cancels only pending dependents (transitively) and lets the rest run', () => {
    const view = buildView({ plan: { steps, failurePolicy: 'continue' }, steps: { a: failed, b: running, e: ready, f: completed } });
    const { facts } = decide(view);
    expect(summary(facts)).toEqual(['StepCancelled:c', 'StepCancelled:d']);
    expect(facts[0]?.data).toMatchObject({ reason: "dependency 'a' failed" });
    expect(facts[1]?.data).toMatchObject({ reason: "dependency 'c' cannot run: upstream step 'a' failed" });
  });

  it('fail_fast: a step failing before its action runs (unknown action) gives its call\'s only facts', () => {
    const view = buildView({
      plan: { steps: [step('a', { priority: 1 }), step('b', { action: 'nope' }), step('c')], failurePolicy: 'fail_fast' },
      steps: { a: ready, b: ready, c: ready },
    });
    expect(summary(decide(view).facts)).toEqual(['StepStarted:b', 'StepFailed:b']);
    expect(summary(decide({ ...view, plan: { ...view.plan, failurePolicy: 'continue' } }).facts)).toEqual(['StepStarted:a', 'StepStarted:b', 'StepFailed:b', 'StepStarted:c']);
  });

  it('fail_fast treats a cancelled dependency (rejected approval) like continue does', () => {
    const view = buildView({ plan: { steps, failurePolicy: 'fail_fast' }, steps: { a: cancelled, b: running, e: completed, f: completed, g: completed } });
    const { facts } = decide(view);
    expect(summary(facts)).toEqual(['StepCancelled:c', 'StepCancelled:d']);
    expect(facts[0]?.data).toMatchObject({ reason: "dependency 'a' was cancelled" });
  });
});

describe('plan end and halt', () => {
  const steps = [step('a'), step('b')];
  it.each([
    [{ a: completed, b: completed }, 'completed'],
    [{ a: completed, b: failed }, 'failed'],
    [{ a: cancelled, b: failed }, 'failed'],
    [{ a: completed, b: cancelled }, 'cancelled'],
  ] as const)('finishes with the outcome the steps imply (%j → %s)', (views, outcome) => {
    const { facts } = decide(buildView({ plan: { steps, failurePolicy: 'continue' }, steps: views }));
    expect(facts).toEqual([{ type: 'PlanFinished', data: { interactionId: 'i1', planId: 'p1', outcome } }]);
  });

  it('does not finish while a step is live', () => {
    expect(decide(buildView({ plan: { steps }, steps: { a: completed, b: running } })).facts).toEqual([]);
  });

  it('halted: cancels every non-terminal step and never finishes the plan', () => {
    const view = buildView({ plan: { steps: [...steps, step('c'), step('d')] }, steps: { a: running, b: completed, c: ready }, halted: true, budget: { limitUsd: 1, spentUsd: 1 } });
    const { facts } = decide(view);
    expect(summary(facts)).toEqual(['StepCancelled:a', 'StepCancelled:c', 'StepCancelled:d']);
    for (const f of facts) expect(f.data).toMatchObject({ reason: 'interaction halted' });
    expect(decide(buildView({ plan: { steps }, steps: { a: completed, b: cancelled }, halted: true }))).toEqual({ facts: [] });
  });
});

describe('bad input', () => {
  it('rejects a non-integer or negative time', () => {
    const view = buildView({ plan: { steps: [step('a')] } });
    for (const nowMs of [1.5, -1, Number.NaN]) {
      expect(() => scheduleNext(view, { nowMs, actions: registryOf(noopAction) })).toThrow(/nowMs must be a non-negative integer/);
    }
  });

  it('rejects a view missing a step state or a dependency', () => {
    const view = buildView({ plan: { steps: [step('a'), step('b', { dependsOn: ['a'] })] } });
    const noStep = { ...view, steps: { b: view.steps.b! } };
    let caught: unknown;
    try {
      scheduleNext(noStep, { nowMs: 0, actions: registryOf(noopAction) });
    } catch (err) {
      caught = err;
    }
    expect(isExecutorArgumentError(caught)).toBe(true);
    expect((caught as Error).message).toBe("plan p1: step 'a' has no state in the view");
    const badDep = buildView({ plan: { steps: [step('a'), step('b', { dependsOn: ['a'] })] } });
    badDep.plan.steps[1]!.dependsOn = ['zz'];
    expect(() => scheduleNext(badDep, { nowMs: 0, actions: registryOf(noopAction) })).toThrow("plan p1: step 'b' depends on 'zz', which has no state");
  });
});
