/**
 * Readiness is derived, not recorded: the fold lets StepStarted / ApprovalRequested / an early
 * StepFailed take a pending step out of `pending` exactly when the step's dependencies are done in
 * the states folded so far (route-fact.ts annotates the fact `dependenciesDone`), refuses them with
 * IllegalTransitionError otherwise, and still accepts older histories' StepReady.
 */
import { describe, expect, it } from 'vitest';
import { FACT_SCHEMAS, type Fact, type FactInput } from '../../src/facts/fact-types.ts';
import { isIllegalTransitionError } from '../../src/history/errors.ts';
import { applyFacts, hashThreadState, stepKey, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { planRunView } from '../../src/history/fold/views.ts';
import { stateWithAcceptedPlan } from '../executor/engines.ts';

const parse = (f: FactInput): Fact => ({ type: f.type, data: FACT_SCHEMAS[f.type].parse(f.data) }) as Fact;
const ref = (stepId: string) => ({ interactionId: 'i1', planId: 'p1', stepId });

/** A thread `t1` whose interaction `i1` accepted plan `p1`: roots a, b; c after both (all-join); j = any(a, b). */
function accepted(extra: { requiresApproval?: boolean } = {}): ThreadState {
  const plan = {
    ...extra,
    steps: [
      { id: 'a', action: 'noop' },
      { id: 'b', action: 'noop' },
      { id: 'c', action: 'noop', dependsOn: ['a', 'b'] },
      { id: 'j', action: 'noop', dependsOn: { any: ['a', 'b'] } },
    ],
  };
  return stateWithAcceptedPlan(plan);
}

const started = (stepId: string, attempt = 1): Fact => parse({ type: 'StepStarted', data: { ...ref(stepId), attempt, idempotencyKey: `k-${stepId}-${attempt}`, reservedUsd: 0, startedAtMs: 1 } });
const completed = (stepId: string, attempt = 1): Fact => parse({ type: 'StepCompleted', data: { ...ref(stepId), attempt, output: { from: stepId }, costUsd: 0, durationMs: 1 } });
const asked = (stepId: string): Fact => parse({ type: 'ApprovalRequested', data: { approvalId: `ap-${stepId}`, ...ref(stepId), scope: 'step', reason: 'check', requestedAtMs: 1 } });
const failedEarly = (stepId: string): Fact =>
  parse({ type: 'StepFailed', data: { ...ref(stepId), attempt: 1, error: { message: 'unknown action', code: 'UNKNOWN_ACTION' }, retryInMs: null, retryAtMs: null, costUsd: 0, durationMs: 0 } });
const ready = (stepId: string): Fact => parse({ type: 'StepReady', data: ref(stepId) });

/** Applies `facts` and returns the IllegalTransitionError it throws (fails when none). */
function refusal(state: ThreadState, facts: Fact[]): unknown {
  try {
    applyFacts(state, facts);
  } catch (err) {
    return err;
  }
  throw new Error(`accepted ${facts.map((f) => f.type).join(', ')}`);
}

const statusOf = (s: ThreadState, stepId: string): string => s.steps[stepKey('i1', 'p1', stepId)]!.value as string;

describe('derived readiness in the fold', () => {
  it('starts a root step without StepReady, and refuses a start of a step whose dependencies are not complete', () => {
    const s0 = accepted();
    expect(statusOf(applyFacts(s0, [started('a')]), 'a')).toBe('running');
    for (const fact of [started('c'), asked('c'), failedEarly('c'), started('j')]) {
      const err = refusal(s0, [fact]);
      expect(isIllegalTransitionError(err), String(err)).toBe(true);
      expect((err as Error).message).toContain(`step:i1/p1/${(fact.data as { stepId: string }).stepId}`);
      expect((err as Error).message).toContain(fact.type);
    }
    // one of two dependencies completed: c still refused
    const half = applyFacts(s0, [started('a'), completed('a')]);
    expect(isIllegalTransitionError(refusal(half, [started('c')]))).toBe(true);
    expect(planRunView(half, 'i1', 'p1').steps.c!.status).toBe('pending');
  });

  it('accepts StepStarted, ApprovalRequested and an early StepFailed once the dependencies completed', () => {
    const done = applyFacts(accepted(), [started('a'), started('b'), completed('a'), completed('b')]);
    expect(planRunView(done, 'i1', 'p1').steps.c!.status).toBe('ready');
    expect(statusOf(done, 'c')).toBe('pending');
    expect(statusOf(applyFacts(done, [started('c')]), 'c')).toBe('running');
    expect(statusOf(applyFacts(done, [asked('c')]), 'c')).toBe('waiting_approval');
    expect(statusOf(applyFacts(done, [started('c'), failedEarly('c')]), 'c')).toBe('failed');
    expect(statusOf(applyFacts(done, [failedEarly('c')]), 'c')).toBe('failed');
  });

  it('starts an any-join once its first candidate completed', () => {
    const one = applyFacts(accepted(), [started('b'), completed('b')]);
    expect(planRunView(one, 'i1', 'p1').steps.j!.status).toBe('ready');
    expect(statusOf(applyFacts(one, [started('j')]), 'j')).toBe('running');
  });

  it('folds an older history with StepReady to the same state hash as the same history without it, once started', () => {
    const base = applyFacts(accepted(), [started('a'), started('b'), completed('a'), completed('b')]);
    const old = applyFacts(base, [ready('c'), started('c'), completed('c')]);
    const fresh = applyFacts(base, [started('c'), completed('c')]);
    expect(hashThreadState(old)).toBe(hashThreadState(fresh));
    // StepReady is still refused where it always was
    expect(isIllegalTransitionError(refusal(old, [ready('c')]))).toBe(true);
  });

  it('shows steps of a plan waiting for its approval pending, then ready once granted', () => {
    const gated = applyFacts(accepted({ requiresApproval: true }), [
      parse({ type: 'ApprovalRequested', data: { approvalId: 'ap-plan', interactionId: 'i1', planId: 'p1', scope: 'plan', reason: 'plan', requestedAtMs: 1 } }),
    ]);
    expect(planRunView(gated, 'i1', 'p1').steps.a!.status).toBe('pending');
    const granted = applyFacts(gated, [parse({ type: 'ApprovalGranted', data: { approvalId: 'ap-plan', interactionId: 'i1', planId: 'p1', by: 'alice' } })]);
    expect(planRunView(granted, 'i1', 'p1').steps.a!.status).toBe('ready');
    expect(planRunView(granted, 'i1', 'p1').steps.c!.status).toBe('pending');
  });
});
