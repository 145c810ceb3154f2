import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction } from '../../src/actions/action.ts';
import { budgetApprovalId, planApprovalId, stepApprovalId } from '../../src/executor/approval-ids.ts';
import type { StepView } from '../../src/executor/plan-run-view.ts';
import { resolveRefs } from '../../src/plan/refs.ts';
import { buildView, noopAction, step } from '../support/plan-run-view-builder.ts';
import { decide, only, summary } from './helpers.ts';

const ready = { status: 'ready' as const };
const running = { status: 'running' as const, attempts: 1 };
const waiting = (approval: StepView['approval']): Partial<StepView> => ({ status: 'waiting_approval', approval });

const guarded = defineAction({
  name: 'shell.exec',
  description: 'Runs a command.',
  input: z.object({ argv: z.array(z.string()) }),
  output: z.object({ code: z.number() }),
  requiresApproval: true,
  run: async () => ({ code: 0 }),
});
const priced = defineAction({
  name: 'llm.complete',
  description: 'Completes a prompt.',
  input: z.object({ tokens: z.number() }),
  output: z.string(),
  estimateCost: (input) => input.tokens * 0.001,
  run: async () => 'ok',
});

describe('plan approval gate', () => {
  const plan = { steps: [step('a'), step('b')], requiresApproval: true, approvalTimeoutMs: 60_000 };

  it('asks once for the whole plan and starts nothing until granted', () => {
    expect(decide(buildView({ plan }), { nowMs: 7000 }).facts).toEqual([
      {
        type: 'ApprovalRequested',
        data: { approvalId: 'i1.p1.plan', interactionId: 'i1', planId: 'p1', scope: 'plan', reason: 'plan p1 requires approval before it starts (2 steps)', requestedAtMs: 7000, timeoutMs: 60_000 },
      },
    ]);
    const requested = { status: 'requested' as const, approvalId: 'i1.p1.plan', requestedAtMs: 7000, timeoutMs: 60_000 };
    expect(decide(buildView({ plan, planApproval: requested }), { nowMs: 8000 })).toEqual({ facts: [], wakeAtMs: 67_000 });
    expect(summary(decide(buildView({ plan, planApproval: { ...requested, status: 'granted' } })).facts)).toEqual(['StepStarted:a', 'StepStarted:b']);
  });

  it('rejects on expiry as the system, then cancels everything and finishes cancelled', () => {
    const requested = { status: 'requested' as const, approvalId: 'i1.p1.plan', requestedAtMs: 7000, timeoutMs: 60_000 };
    expect(decide(buildView({ plan, planApproval: requested }), { nowMs: 67_000 }).facts).toEqual([
      { type: 'ApprovalRejected', data: { approvalId: 'i1.p1.plan', interactionId: 'i1', planId: 'p1', by: 'system', timedOut: true, reason: 'plan approval timed out after 60000 ms' } },
    ]);
    const rejected = buildView({ plan, planApproval: { ...requested, status: 'rejected' } });
    const cancels = decide(rejected).facts;
    expect(summary(cancels)).toEqual(['StepCancelled:a', 'StepCancelled:b']);
    expect(cancels[0]?.data).toMatchObject({ reason: 'plan approval rejected' });
    const allCancelled = buildView({ plan, planApproval: { ...requested, status: 'rejected' }, steps: { a: { status: 'cancelled' }, b: { status: 'cancelled' } } });
    expect(only(decide(allCancelled).facts, 'PlanFinished').outcome).toBe('cancelled');
  });

  it('waits without a wake-up time when the plan approval has no timeout', () => {
    const view = buildView({ plan: { steps: [step('a')], requiresApproval: true }, planApproval: { status: 'requested', approvalId: 'i1.p1.plan', requestedAtMs: 1 } });
    expect(decide(view)).toEqual({ facts: [] });
  });
});

describe('step and action approval gates', () => {
  it('asks for a step that requires approval, even when no slot is free, with a deterministic id', () => {
    const view = buildView({
      plan: { steps: [step('a'), step('b', { requiresApproval: true })], maxConcurrency: 1, approvalTimeoutMs: 500 },
      steps: { a: running, b: ready },
    });
    expect(only(decide(view, { nowMs: 2000 }).facts, 'ApprovalRequested')).toEqual({
      approvalId: 'i1.p1.b.step.a1', interactionId: 'i1', planId: 'p1', stepId: 'b', scope: 'step', reason: "step 'b' requires approval (attempt 1)", requestedAtMs: 2000, timeoutMs: 500,
      subject: { action: 'noop', input: {} },
    });
  });

  it('records the action and the input resolved against the completed upstream outputs', () => {
    const s = step('x', { action: 'shell.exec', input: { argv: ['rm', '{{steps.a.output.target}}'] }, dependsOn: ['a'] });
    const view = buildView({ plan: { steps: [step('a'), s] }, steps: { a: { status: 'completed', output: { target: 'build' } }, x: ready } });
    const resolveInput = (input: Record<string, unknown>, outputs: () => Record<string, unknown>) => resolveRefs(input, outputs());
    const asked = only(decide(view, { actions: [guarded, noopAction], resolveInput }).facts, 'ApprovalRequested');
    expect(asked.subject).toEqual({ action: 'shell.exec', input: { argv: ['rm', 'build'] } });
    // the granted step starts with exactly the input that was approved
    const approval = { approvalId: asked.approvalId, scope: 'step' as const, status: 'granted' as const, requestedAtMs: 1000, subject: asked.subject! };
    const granted = buildView({ plan: { steps: [step('a'), s] }, steps: { a: { status: 'completed', output: { target: 'build' } }, x: { status: 'ready', approval } } });
    expect(only(decide(granted, { actions: [guarded, noopAction], resolveInput }).facts, 'StepStarted').input).toEqual(asked.subject!.input);
  });

  it('records why the input could not be resolved, with the raw input', () => {
    const s = step('x', { action: 'shell.exec', input: { argv: ['{{steps.a.output.missing}}'] }, dependsOn: ['a'] });
    const view = buildView({ plan: { steps: [step('a'), s] }, steps: { a: { status: 'completed', output: {} }, x: ready } });
    const resolveInput = (input: Record<string, unknown>, outputs: () => Record<string, unknown>) => resolveRefs(input, outputs());
    const asked = only(decide(view, { actions: [guarded, noopAction], resolveInput }).facts, 'ApprovalRequested');
    expect(asked.subject).toMatchObject({ action: 'shell.exec', input: { argv: ['{{steps.a.output.missing}}'] } });
    expect(asked.subject!.unresolved).toMatch(/missing/);
  });

  it('asks for an action that requires approval and starts once granted', () => {
    const s = step('x', { action: 'shell.exec', input: { argv: ['ls'] } });
    const asked = only(decide(buildView({ plan: { steps: [s] }, steps: { x: ready } }), { actions: [guarded] }).facts, 'ApprovalRequested');
    expect(asked).toMatchObject({ scope: 'step', reason: "action 'shell.exec' requires approval (attempt 1)" });
    expect(asked).not.toHaveProperty('timeoutMs');
    const approval = { approvalId: asked.approvalId, scope: 'step' as const, status: 'granted' as const, requestedAtMs: 1000 };
    const granted = buildView({ plan: { steps: [s] }, steps: { x: { status: 'ready', approval } } });
    expect(summary(decide(granted, { actions: [guarded] }).facts)).toEqual(['StepStarted:x']);
    // a granted step approval covers the retry too
    const retry = buildView({ plan: { steps: [{ ...s, retry: { maxAttempts: 2 } }] }, steps: { x: { status: 'ready', attempts: 1, readyAtMs: 0, approval } } });
    expect(only(decide(retry, { actions: [guarded] }).facts, 'StepStarted').attempt).toBe(2);
  });

  it('rejects an expired step approval as the system; wakes at the earliest expiry otherwise', () => {
    const approval = (requestedAtMs: number) => ({ approvalId: `id${requestedAtMs}`, scope: 'step' as const, status: 'requested' as const, requestedAtMs, timeoutMs: 100 });
    const view = buildView({ plan: { steps: [step('a'), step('b')] }, steps: { a: waiting(approval(0)), b: waiting(approval(50)) } });
    expect(decide(view, { nowMs: 60 })).toEqual({ facts: [], wakeAtMs: 100 });
    const { facts } = decide(view, { nowMs: 100 });
    expect(facts).toEqual([{ type: 'ApprovalRejected', data: { approvalId: 'id0', interactionId: 'i1', planId: 'p1', stepId: 'a', by: 'system', timedOut: true, reason: 'step approval timed out after 100 ms' } }]);
  });
});

describe('budget', () => {
  it('reserves the step estimate, else the action estimate of the input, else 0', () => {
    const steps = [step('a', { action: 'llm.complete', input: { tokens: 300 } }), step('b', { action: 'llm.complete', input: { tokens: 300 }, estimatedCostUsd: 0.05 }), step('c')];
    const view = buildView({ plan: { steps }, steps: { a: ready, b: ready, c: ready }, budget: { limitUsd: 10 } });
    const reserved = decide(view, { actions: [priced, noopAction] }).facts.map((f) => (f.data as { reservedUsd?: number }).reservedUsd);
    expect(reserved).toEqual([0.3, 0.05, 0]);
  });

  it('asks for a budget approval with the figures when a step would exceed the limit, counting reservations made in the same call', () => {
    const steps = [step('a', { estimatedCostUsd: 0.6 }), step('b', { estimatedCostUsd: 0.6 })];
    const view = buildView({ plan: { steps }, steps: { a: ready, b: ready }, budget: { limitUsd: 1.4, spentUsd: 0.2, reservedUsd: 0.1 } });
    const { facts } = decide(view);
    expect(summary(facts)).toEqual(['StepStarted:a', 'ApprovalRequested:b']);
    expect(only(facts, 'ApprovalRequested')).toMatchObject({
      approvalId: 'i1.p1.b.budget.a1',
      scope: 'budget',
      reason: "budget: step 'b' needs an estimated $0.6; spent $0.2 + reserved $0.7 + $0.6 = $1.5 exceeds the limit $1.4",
      subject: { action: 'noop', input: {} },
    });
  });

  it('checks the budget only when a slot is free (running steps may settle their reservations first)', () => {
    const steps = [step('a', { estimatedCostUsd: 0.5 }), step('b', { estimatedCostUsd: 0.6 })];
    const view = buildView({ plan: { steps, maxConcurrency: 1 }, steps: { a: running, b: ready }, budget: { limitUsd: 1, reservedUsd: 0.5 } });
    expect(decide(view)).toEqual({ facts: [] });
  });

  it('fails the step instead when onExceed is fail', () => {
    const view = buildView({ plan: { steps: [step('a', { estimatedCostUsd: 2 })] }, steps: { a: ready }, budget: { limitUsd: 1, onExceed: 'fail' } });
    const data = only(decide(view).facts, 'StepFailed');
    expect(data).toMatchObject({ attempt: 1, retryInMs: null, retryAtMs: null, error: { code: 'BUDGET_EXCEEDED', retryable: false } });
    expect(data.error.message).toContain('exceeds the limit $1');
  });

  it('a granted budget approval lets exactly that attempt start', () => {
    const s = step('a', { estimatedCostUsd: 2, retry: { maxAttempts: 3 } });
    const grant = (attempt: number) => ({ approvalId: budgetApprovalId('i1', 'p1', 'a', attempt), scope: 'budget' as const, status: 'granted' as const, requestedAtMs: 0 });
    const first = buildView({ plan: { steps: [s] }, steps: { a: { status: 'ready', approval: grant(1) } }, budget: { limitUsd: 1 } });
    expect(only(decide(first).facts, 'StepStarted')).toMatchObject({ attempt: 1, reservedUsd: 2 });
    const retry = buildView({ plan: { steps: [s] }, steps: { a: { status: 'ready', attempts: 1, readyAtMs: 0, approval: grant(1) } }, budget: { limitUsd: 1 } });
    expect(only(decide(retry).facts, 'ApprovalRequested')).toMatchObject({ approvalId: 'i1.p1.a.budget.a2', scope: 'budget' });
  });

  it('tolerates float noise at the limit', () => {
    const view = buildView({ plan: { steps: [step('a', { estimatedCostUsd: 0.2 })] }, steps: { a: ready }, budget: { limitUsd: 0.3, spentUsd: 0.1 } });
    expect(summary(decide(view).facts)).toEqual(['StepStarted:a']);
  });

  it('fails the step when the action estimator throws or returns nonsense', () => {
    const bad = (estimate: () => number) => defineAction({ ...noopAction, name: 'noop', estimateCost: estimate });
    const view = buildView({ plan: { steps: [step('a')] }, steps: { a: ready }, budget: { limitUsd: 1 } });
    const threw = only(decide(view, { actions: [bad(() => { throw new Error('boom'); })] }).facts, 'StepFailed');
    expect(threw.error).toEqual({ code: 'COST_ESTIMATE', retryable: false, message: "step 'a': action 'noop' estimateCost threw: boom" });
    const nan = only(decide(view, { actions: [bad(() => Number.NaN)] }).facts, 'StepFailed');
    expect(nan.error.message).toBe("step 'a': action 'noop' estimateCost returned NaN (want a finite USD amount ≥ 0)");
  });

  it('warns once when spend reaches warnAt × limit', () => {
    const steps = [step('a'), step('b')];
    const view = buildView({ plan: { steps }, steps: { a: { status: 'completed', attempts: 1 } }, budget: { limitUsd: 1, warnAt: 0.5, spentUsd: 0.5 } });
    expect(summary(decide(view).facts)).toEqual(['BudgetWarned', 'StepStarted:b']);
    expect(only(decide(view).facts, 'BudgetWarned')).toEqual({ spentUsd: 0.5, limitUsd: 1 });
    const warned = buildView({ plan: { steps }, steps: { a: { status: 'completed', attempts: 1 } }, budget: { limitUsd: 1, warnAt: 0.5, spentUsd: 0.9, warned: true } });
    expect(summary(decide(warned).facts)).toEqual(['StepStarted:b']);
    const below = buildView({ plan: { steps }, budget: { limitUsd: 1, warnAt: 0.5, spentUsd: 0.49 } });
    expect(summary(decide(below).facts)).toEqual(['StepStarted:a', 'StepStarted:b']);
  });
});

describe('approval ids', () => {
  it('are deterministic, distinct per scope and attempt, and fit the 128-character Id pattern', () => {
    expect(planApprovalId('i', 'p')).toBe('i.p.plan');
    expect(stepApprovalId('i', 'p', 's', 2)).toBe('i.p.s.step.a2');
    expect(budgetApprovalId('i', 'p', 's', 2)).toBe('i.p.s.budget.a2');
    const long = 'x'.repeat(128);
    const a = stepApprovalId(long, long, 'step-1', 1);
    const b = stepApprovalId(long, long, 'step-2', 1);
    expect(a).toHaveLength(128);
    expect(a).toMatch(/^[A-Za-z0-9_.:-]{1,128}$/);
    expect(a).not.toBe(b);
    expect(stepApprovalId(long, long, 'step-1', 1)).toBe(a);
  });
});
