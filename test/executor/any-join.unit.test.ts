/** Scheduler decisions for any-joins (`dependsOn: { any: [...] }`): winner, superseded losers, all-fail. */
import { describe, expect, it } from 'vitest';
import { resolveRefs } from '../../src/plan/refs.ts';
import { buildView, step } from '../support/plan-run-view-builder.ts';
import { decide, only, summary } from './helpers.ts';

const running = { status: 'running' as const, attempts: 1 };
const completed = (output: unknown) => ({ status: 'completed' as const, attempts: 1, output });
const failed = { status: 'failed' as const, attempts: 1 };
const cancelled = { status: 'cancelled' as const };
const race = (extra: { failurePolicy?: 'fail_fast' | 'continue' } = {}) => ({
  ...extra,
  steps: [step('a'), step('b'), step('c'), step('j', { dependsOn: { any: ['a', 'b', 'c'] }, input: { v: '{{steps.$winner.output.v}}' } })],
});

describe('any-join scheduling', () => {
  it('waits while no candidate completed', () => {
    expect(decide(buildView({ plan: race(), steps: { a: running, b: running, c: running } })).facts).toEqual([]);
  });

  it('shows the join ready once a candidate completed, cancels the rest as superseded, then starts it with the winner', () => {
    const view = buildView({ plan: race(), steps: { a: running, b: completed({ v: 'B' }), c: { status: 'pending' } } });
    expect(view.steps.j!.status).toBe('ready');
    const facts = decide(view).facts;
    expect(summary(facts)).toEqual(['StepCancelled:a', 'StepCancelled:c']);
    for (const f of facts.filter((x) => x.type === 'StepCancelled')) expect(f.data).toMatchObject({ reason: 'superseded' });
    const after = buildView({ plan: race(), steps: { a: cancelled, b: completed({ v: 'B' }), c: cancelled } });
    const resolveInput = (input: Record<string, unknown>, outputs: () => Record<string, unknown>) => resolveRefs(input, outputs());
    expect(only(decide(after, { resolveInput }).facts, 'StepStarted')).toMatchObject({ stepId: 'j', input: { v: 'B' } });
  });

  it('picks the first completed in `any` order when several completed, and cancels nothing final', () => {
    const view = buildView({ plan: race({ failurePolicy: 'continue' }), steps: { a: failed, b: completed({ v: 'B' }), c: completed({ v: 'C' }) } });
    const resolveInput = (input: Record<string, unknown>, outputs: () => Record<string, unknown>) => resolveRefs(input, outputs());
    const facts = decide(view, { resolveInput }).facts;
    expect(summary(facts)).toEqual(['StepStarted:j']);
    expect(only(facts, 'StepStarted').input).toEqual({ v: 'B' });
  });

  it('does not start a loser beside its cancellation (a pending loser whose own dependencies completed)', () => {
    const plan = { failurePolicy: 'continue' as const, steps: [step('u'), step('a', { dependsOn: ['u'] }), step('b'), step('j', { dependsOn: { any: ['a', 'b'] } })] };
    const facts = decide(buildView({ plan, steps: { u: completed({}), b: completed({}) } })).facts;
    expect(summary(facts)).toEqual(['StepCancelled:a']);
  });

  it('resolves $winner from the winner output into StepStarted.input', () => {
    const view = buildView({ plan: race(), steps: { a: cancelled, b: completed({ v: 'B' }), c: cancelled, j: { status: 'ready' } } });
    const resolveInput = (input: Record<string, unknown>, outputs: () => Record<string, unknown>) => resolveRefs(input, outputs());
    expect(only(decide(view, { resolveInput }).facts, 'StepStarted').input).toEqual({ v: 'B' });
  });

  it('under continue, cancels the join only when no candidate can complete any more', () => {
    const some = buildView({ plan: race({ failurePolicy: 'continue' }), steps: { a: failed, b: cancelled, c: running } });
    expect(decide(some).facts).toEqual([]);
    const none = buildView({ plan: race({ failurePolicy: 'continue' }), steps: { a: failed, b: cancelled, c: failed } });
    const facts = decide(none).facts;
    expect(summary(facts)).toEqual(['StepCancelled:j']);
    expect((facts[0]!.data as { reason: string }).reason).toMatch(/no candidate of the any-join can complete .*'a' failed/);
  });

  it('under fail_fast, a failing candidate cancels the rest like any final failure', () => {
    const facts = decide(buildView({ plan: race(), steps: { a: failed, b: running } })).facts;
    expect(summary(facts)).toEqual(['StepCancelled:b', 'StepCancelled:c', 'StepCancelled:j']);
  });

  it('finishes the plan completed when the only cancellations are superseded losers', () => {
    const done = { a: cancelled, b: completed({ v: 'B' }), c: cancelled, j: completed({}) };
    expect(only(decide(buildView({ plan: race(), steps: done })).facts, 'PlanFinished').outcome).toBe('completed');
    const halted = { a: cancelled, b: completed({ v: 'B' }), c: cancelled, j: cancelled };
    expect(only(decide(buildView({ plan: race(), steps: halted })).facts, 'PlanFinished').outcome).toBe('cancelled');
    const blocked = { a: failed, b: cancelled, c: failed, j: cancelled };
    expect(only(decide(buildView({ plan: race({ failurePolicy: 'continue' }), steps: blocked })).facts, 'PlanFinished').outcome).toBe('failed');
  });
});
