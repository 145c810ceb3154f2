import { describe, expect, it } from 'vitest';
import type { Fact } from '../../src/facts/fact-types.ts';
import { isIllegalTransitionError, isThreadRevisionError } from '../../src/history/errors.ts';
import { applyFact, applyFacts, hashThreadState, initialThreadState, stepKey, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { interactionView, planRunView, threadView } from '../../src/history/fold/views.ts';
import { loadHistoryFixture } from '../support/history-fixture.ts';

const history = loadHistoryFixture('basic-thread');
const facts = history.facts;
const stepwise = (): ThreadState[] => {
  const out = [initialThreadState(history.threadId)];
  facts.forEach((f, i) => out.push(applyFact(out[i]!, f, BigInt(i))));
  return out;
};
const plain = (s: ThreadState) => ({
  revision: s.revision,
  thread: [s.thread.value, s.thread.context],
  interactions: Object.fromEntries(Object.entries(s.interactions).map(([k, v]) => [k, [v.value, v.context, v.status]])),
  steps: Object.fromEntries(Object.entries(s.steps).map(([k, v]) => [k, [v.value, v.context, v.status]])),
});

/** The recorded hashes of the fixture are version 1. */
const V1 = { version: 1 } as const;

describe('fold', () => {
  it('applyFacts equals step-by-step applyFact at every offset, and hashes agree', () => {
    const steps = stepwise();
    for (let n = 0; n <= facts.length; n++) {
      const batch = applyFacts(initialThreadState(history.threadId), facts.slice(0, n));
      expect(plain(batch)).toEqual(plain(steps[n]!));
      expect(hashThreadState(batch)).toBe(hashThreadState(steps[n]!));
      // split batches too
      const half = Math.floor(n / 2);
      const split = applyFacts(applyFacts(initialThreadState(history.threadId), facts.slice(0, half)), facts.slice(half, n));
      expect(hashThreadState(split)).toBe(hashThreadState(steps[n]!));
    }
  });

  it('hash is stable, matches the recorded one (version 1), and incremental hashing equals a fresh computation (both versions)', () => {
    const steps = stepwise();
    steps.slice(1).forEach((s, i) => {
      hashThreadState(steps[i]!, V1); // previous hashed → incremental path
      expect(hashThreadState(s, V1)).toBe(history.events[i]!.metadata.snapshotHash);
    });
    const fresh = applyFacts(initialThreadState(history.threadId), facts); // never hashed before: full path
    expect(hashThreadState(fresh, V1)).toBe(history.events.at(-1)!.metadata.snapshotHash);
    expect(hashThreadState(fresh, V1)).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(steps.slice(1).map((s) => hashThreadState(s, V1))).size).toBe(facts.length); // every fact changes the state

    const again = stepwise(); // new state objects: nothing hashed yet
    again.slice(1).forEach((s, i) => {
      hashThreadState(again[i]!); // previous hashed → incremental path
      expect(hashThreadState(s)).toBe(hashThreadState(applyFacts(initialThreadState(history.threadId), facts.slice(0, i + 1))));
    });
    expect(hashThreadState(fresh)).toMatch(/^v2[0-9a-f]{14}$/);
    expect(hashThreadState(fresh)).toBe(hashThreadState(again.at(-1)!));
    expect(new Set(again.slice(1).map((s) => hashThreadState(s))).size).toBe(facts.length);
  });

  it('the LLM usage of step facts is not state: the same histories with usage added hash as recorded', () => {
    const usage = [{ model: 'm', inputTokens: 7, outputTokens: 3, calls: 2, costUsd: 0 }];
    const withUsage = facts.map((f) => (f.type === 'StepCompleted' || f.type === 'StepFailed' || f.type === 'StepCancelled' ? ({ ...f, data: { ...f.data, usage } } as Fact) : f));
    expect(withUsage.filter((f, i) => f !== facts[i])).toHaveLength(4);
    const steps = stepwise();
    let s = initialThreadState(history.threadId);
    withUsage.forEach((f, i) => {
      s = applyFact(s, f, BigInt(i));
      expect(hashThreadState(s, V1)).toBe(history.events[i]!.metadata.snapshotHash);
      expect(hashThreadState(s)).toBe(hashThreadState(steps[i + 1]!));
    });
  });

  it('never mutates its input, and shares untouched records', () => {
    const steps = stepwise();
    const before = JSON.stringify(plain(steps[10]!), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    applyFacts(steps[10]!, facts.slice(10, 20));
    expect(JSON.stringify(plain(steps[10]!), (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(before);
    // InputReceived at revision 10 concerns the thread only: steps and interactions are shared
    expect(facts[10]!.type).toBe('InputReceived');
    expect(steps[11]!.steps).toBe(steps[10]!.steps);
    expect(steps[11]!.interactions).toBe(steps[10]!.interactions);
  });

  it('refuses illegal facts with the actor and state, atomically for batches', () => {
    const steps = stepwise();
    const at = steps[7]!; // plan accepted; fetch pending
    const bad: Fact = { type: 'StepStarted', data: { interactionId: 'int-1', planId: 'plan-1', stepId: 'fetch', attempt: 1, idempotencyKey: 'k', reservedUsd: 0, startedAtMs: 1 } };
    let err: unknown;
    try {
      applyFacts(at, [facts[7]!, facts[8]!, bad]);
    } catch (e) {
      err = e;
    }
    expect(isIllegalTransitionError(err)).toBe(true);
    expect(err).toMatchObject({ revision: 9n, factType: 'StepStarted', actor: `step:${stepKey('int-1', 'plan-1', 'fetch')}`, state: '"running"' });
    expect(at.revision).toBe(6n);
    const missing: Fact = { type: 'PlanningRequested', data: { interactionId: 'nope', iteration: 1 } };
    expect(() => applyFact(at, missing, 7n)).toThrow(/interaction:nope in state missing/);
    expect(() => applyFact(steps[4]!, facts[3]!, 4n)).toThrow(/interaction:int-1 in state exists|thread in state/);
    let rev: unknown;
    try {
      applyFact(at, facts[7]!, 9n);
    } catch (e) {
      rev = e;
    }
    expect(isThreadRevisionError(rev)).toBe(true);
  });

  it('a rejected step approval and a StepCancelled of a step waiting for approval settle it, so the plan can finish', () => {
    const waiting = stepwise().find((s) => s.revision >= 0n && facts[Number(s.revision)]!.type === 'ApprovalRequested')!; // summarise waits for ap-1
    expect(interactionView(waiting, 'int-1')).toMatchObject({ status: 'waiting_approval', pendingApprovals: ['ap-1'] });
    const ref = { interactionId: 'int-1', planId: 'plan-1' };
    const cancelRest: Fact = { type: 'StepCancelled', data: { ...ref, stepId: 'publish', reason: 'blocked', costUsd: 0 } };
    const finish: Fact = { type: 'PlanFinished', data: { ...ref, outcome: 'cancelled' } };
    // rejected (by a person, with a reason)
    const rejected = applyFacts(waiting, [
      { type: 'ApprovalRejected', data: { ...ref, approvalId: 'ap-1', stepId: 'summarise', by: 'bob', reason: 'not now', timedOut: false } },
      cancelRest,
      finish,
    ]);
    const rv = interactionView(rejected, 'int-1');
    expect(rv.status).toBe('observing');
    expect(rv.observations.at(-2)).toEqual({ planId: 'plan-1', stepId: 'summarise', action: 'llm.summarise', status: 'cancelled', error: 'cancelled: rejected by bob: not now' });
    // timed out (the system rejects it)
    const timedOut = applyFacts(waiting, [{ type: 'ApprovalRejected', data: { ...ref, approvalId: 'ap-1', stepId: 'summarise', by: 'system', timedOut: true } }]);
    expect(interactionView(timedOut, 'int-1').observations.at(-1)).toMatchObject({ status: 'cancelled', error: 'cancelled: approval timed out' });
    expect(planRunView(timedOut, 'int-1', 'plan-1').steps.summarise?.status).toBe('cancelled');
    // cancelled while waiting: the fold withdraws ap-1 from the interaction
    const cancelled = applyFacts(waiting, [{ type: 'StepCancelled', data: { ...ref, stepId: 'summarise', reason: 'fail_fast', costUsd: 0 } }]);
    expect(interactionView(cancelled, 'int-1')).toMatchObject({ status: 'executing', pendingApprovals: [] });
    expect(interactionView(applyFacts(cancelled, [cancelRest, finish]), 'int-1').status).toBe('observing');
    // the withdrawn approval cannot be decided any more
    expect(() => applyFacts(cancelled, [{ type: 'ApprovalGranted', data: { ...ref, approvalId: 'ap-1', stepId: 'summarise', by: 'alice' } }])).toThrow(/does not accept fact 'ApprovalGranted'/);
  });

  it('views read the folded state', () => {
    const s = stepwise()[20]!; // after revision 19: summarise completed
    expect(threadView(s)).toMatchObject({ status: 'open', live: ['int-1'], queue: [{ inputId: 'in-2' }] });
    expect(interactionView(s, 'int-1')).toMatchObject({ status: 'executing', iteration: 1, currentPlanId: 'plan-1' });
    const view = planRunView(s, 'int-1', 'plan-1');
    expect(view.steps.fetch).toMatchObject({ status: 'completed', attempts: 2 });
    expect(view.steps.summarise?.approval).toMatchObject({ status: 'granted', scope: 'step' });
    // its dependency completed: shown ready (derived) though the fixture's StepReady comes later
    expect(view.steps.publish?.status).toBe('ready');
    expect(s.steps['int-1/plan-1/publish']?.value).toBe('pending');
    expect(view.budget).toMatchObject({ limitUsd: 1, reservedUsd: 0, warned: false });
    expect(view.budget?.spentUsd).toBeCloseTo(0.014);
    expect(view.halted).toBe(false);
    expect(() => interactionView(s, 'zzz')).toThrow(/no interaction 'zzz'/);
    expect(() => planRunView(s, 'int-1', 'nope')).toThrow(/no plan 'nope'/);
  });
});
